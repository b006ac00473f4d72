/**
 * The shipped core model (models/core): its GGUF export in real llama.cpp answers 20 WorldQA questions
 * exactly as our engine does (same calls, same answers, greedy), and `cogcore eval worldqa` on a handful
 * of test questions prints the contract's JSON with the accuracy the model card reports as a floor.
 */
import { mkdirSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registryExecutor } from "../src/agent/registry-executor.ts";
import { runAgent } from "../src/agent/run-agent.ts";
import { CORE_SEARCH_K } from "../src/curriculum/solve.ts";
import { generateWorldQA } from "../src/eval/worldqa/generate.ts";
import { evaluateWorldQA, summarize } from "../src/eval/worldqa-eval.ts";
import { SqliteKnowledgeStore } from "../src/knowledge/sqlite-store.ts";
import { loadCheckpoint } from "../src/model/checkpoint.ts";
import { exportGguf } from "../src/model/gguf-llama.ts";
import { CoreModel } from "../src/model/model.ts";
import { createCoreModel } from "../src/providers/core.ts";
import { createLlamaCppModel } from "../src/providers/llamacpp.ts";
import { SHIPPED_CORE_DIR } from "../src/providers/registry.ts";
import { createCalcTool } from "../src/tools/calc/calc-tool.ts";
import { ToolRegistry } from "../src/tools/registry.ts";
import { runCogcore } from "./helpers/cli.ts";
import { worldKnowledgeBaseForTests } from "./helpers/world-kb.ts";

let worldPath: string;
let store: SqliteKnowledgeStore;

beforeAll(async () => {
  worldPath = await worldKnowledgeBaseForTests();
  store = new SqliteKnowledgeStore(worldPath, { readonly: true });
}, 180_000);
afterAll(() => store?.close());

describe("the shipped core model", () => {
  it("gives the same greedy answers in llama.cpp (its GGUF export) as in our engine on 20 WorldQA questions", async () => {
    const checkpoint = loadCheckpoint(SHIPPED_CORE_DIR, { trainingState: false });
    const gguf = join(mkdtempSync(join(tmpdir(), "cogcore-core-gguf-")), "core.gguf");
    exportGguf(gguf, checkpoint, { type: "F32" });
    const tools = new ToolRegistry([createCalcTool()]);
    const ours = createCoreModel({
      model: new CoreModel(checkpoint.config, checkpoint.params),
      tokenizer: checkpoint.tokenizer,
      tools,
    });
    const theirs = createLlamaCppModel({ modelPath: gguf, tools });
    const questions = generateWorldQA({ seed: 5, split: "test", count: 20 });
    try {
      for (const question of questions) {
        const run = (model: typeof ours) =>
          runAgent({
            model,
            question: question.question,
            knowledge: store,
            tools: registryExecutor(tools),
            searchK: CORE_SEARCH_K,
            temperature: 0,
          });
        const [a, b] = [await run(ours), await run(theirs)];
        const calls = (result: typeof a) =>
          result.steps.map((step) => step.toolCalls.map((call) => call.input));
        expect({ question: question.question, calls: calls(b), answer: b.answer }).toEqual({
          question: question.question,
          calls: calls(a),
          answer: a.answer,
        });
      }
    } finally {
      await theirs.close();
    }
  }, 600_000);

  it("scores above its floor on WorldQA test questions, and `cogcore eval worldqa --json` prints the contract", async () => {
    const checkpoint = loadCheckpoint(SHIPPED_CORE_DIR, { trainingState: false });
    const tools = new ToolRegistry([createCalcTool()]);
    const model = createCoreModel({
      model: new CoreModel(checkpoint.config, checkpoint.params),
      tokenizer: checkpoint.tokenizer,
      tools,
    });
    const questions = generateWorldQA({ seed: 9, split: "test", count: 10 });
    const items = await evaluateWorldQA({
      model,
      questions,
      knowledge: store,
      tools: registryExecutor(tools),
      searchK: CORE_SEARCH_K,
      progress: false,
    });
    const summary = summarize(items);
    // A floor the model card's figures clear with room: most answers right, far more right than wrong.
    expect(summary.counts.correct).toBeGreaterThanOrEqual(7);
    expect(summary.omniscienceIndex).toBeGreaterThanOrEqual(50);

    const data = join(mkdtempSync(join(tmpdir(), "cogcore-eval-")), "data");
    mkdirSync(join(data, "kb"), { recursive: true });
    symlinkSync(worldPath, join(data, "kb", "world.sqlite"));
    const result = runCogcore(["eval", "worldqa", "--limit", "2", "--json"], {
      env: { COGCORE_DATA_DIR: data },
    });
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(Object.keys(report.accuracy).sort()).toEqual([
      "arithmetic",
      "comparison",
      "lookup",
      "multihop",
      "unanswerable",
    ]);
    expect(report).toMatchObject({ n: 2, split: "test" });
    expect(typeof report.omniscienceIndex).toBe("number");
    expect(report.items).toHaveLength(2);
  }, 600_000);
});
