/**
 * The conformance suite against the `llamacpp` provider: the tiny overfit core model exported to GGUF
 * and run in real llama.cpp (node-llama-cpp, in a child process).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportGguf } from "../../model/gguf-llama.ts";
import { createLlamaCppModel } from "../llamacpp.ts";
import { runConformanceSuite } from "./cases.ts";
import { buildConformanceCore } from "./core-fixture.ts";

runConformanceSuite(
  "llamacpp",
  async () => {
    const core = await buildConformanceCore();
    const dir = mkdtempSync(join(tmpdir(), "cogcore-llamacpp-"));
    const modelPath = join(dir, "conformance-core.gguf");
    exportGguf(modelPath, {
      config: core.model.config,
      params: core.model.params,
      tokenizer: core.tokenizer,
    });
    // One thread: a tiny model gains nothing from two, and llama.cpp's spinning threads compete with the tests.
    const model = createLlamaCppModel({ modelPath, tools: core.registry, threads: 1 });
    // Start llama.cpp now, so that no case pays for loading it.
    await model.doGenerate({ messages: [{ role: "user", content: "Hi" }], maxOutputTokens: 1 });
    return {
      name: "llamacpp (the overfit core model's GGUF export in llama.cpp)",
      model,
      callDefaults: { temperature: 0 },
      budgetTokens: 16,
      // Fewer tokens than the core's run: each one is a round trip to the llama.cpp process.
      budgetMaxOutputTokens: 40,
      enforcesTokenBudget: true,
      deterministic: true,
      close: async () => {
        await model.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  { setupMs: 240_000, caseMs: 60_000 },
);
