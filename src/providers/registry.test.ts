import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixtureConfig, fixtureModel, fixtureTokenizer } from "../../test/helpers/model-fixtures.ts";
import { parseConfig } from "../config.ts";
import { ConfigError, NotFoundError } from "../errors.ts";
import { saveCheckpoint } from "../model/checkpoint.ts";
import { readProcedureWords } from "./procedure-words.ts";
import { resolveModel, SHIPPED_CORE_DIR } from "./registry.ts";

const config = (models: Record<string, unknown>) => parseConfig({ models });

describe("resolveModel", () => {
  it("names the models it knows when asked for another", () => {
    expect(() => resolveModel("nope", config({ gpt: { provider: "openai", model: "m" } }))).toThrow(
      /no model named 'nope' \(expected one of: core, gpt/,
    );
  });

  it("loads the shipped core from models/core as the default 'core', grounded by its procedure words", () => {
    const { entry, model } = resolveModel("core", config({}));
    expect([entry.provider, model.provider, model.modelId]).toEqual(["core", "core", "core"]);
    expect(readProcedureWords(SHIPPED_CORE_DIR)?.call).toContain("city");
  });

  it("loads a core checkpoint named by path and runs it in process", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cogcore-core-"));
    try {
      const modelConfig = fixtureConfig();
      const weights = fixtureModel(modelConfig, 3);
      saveCheckpoint(join(dir, "tiny"), {
        config: modelConfig,
        params: weights.params,
        tokenizer: fixtureTokenizer(),
      });
      const { model } = resolveModel("tiny", config({ tiny: { provider: "core", path: join(dir, "tiny") } }));
      expect([model.provider, model.modelId]).toEqual(["core", "tiny"]);
      const result = await model.doGenerate({
        messages: [{ role: "user", content: "Hi?" }],
        maxOutputTokens: 4,
      });
      expect(result.usage.completionTokens).toBeLessThanOrEqual(4);
      expect(() =>
        resolveModel("gone", config({ gone: { provider: "core", path: join(dir, "gone") } })),
      ).toThrow(NotFoundError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects incomplete or inconsistent remote entries with what was expected", () => {
    expect(() => resolveModel("a", config({ a: { provider: "openai" } }))).toThrow(/needs "model"/);
    expect(() =>
      resolveModel(
        "a",
        config({ a: { provider: "openai", model: "m", apiKeyEnv: "COGCORE_TEST_UNSET_KEY" } }),
        {
          env: {},
        },
      ),
    ).toThrow(/COGCORE_TEST_UNSET_KEY is not set/);
    expect(() =>
      resolveModel("a", config({ a: { provider: "anthropic", model: "m", dialect: "vllm" } })),
    ).toThrow(ConfigError);
    expect(() => resolveModel("a", config({ a: { provider: "mock" } }))).toThrow(/serves tests only/);
    expect(() => resolveModel("a", config({ a: { provider: "llamacpp" } }))).toThrow(
      /needs "path", its GGUF file/,
    );
    expect(() =>
      resolveModel("a", config({ a: { provider: "llamacpp", path: "/nonexistent.gguf" } })),
    ).toThrow(NotFoundError);
    const { model } = resolveModel("a", config({ a: { provider: "openai", model: "m", dialect: "vllm" } }));
    expect([model.provider, model.modelId]).toEqual(["openai", "m"]);
  });
});
