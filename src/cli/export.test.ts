import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCogcore } from "../../test/helpers/cli.ts";
import { fixtureConfig, fixtureModel, fixtureTokenizer } from "../../test/helpers/model-fixtures.ts";
import { firstDifference } from "../../test/helpers/seeded-random.ts";
import { saveCheckpoint } from "../model/checkpoint.ts";
import { importGguf, PROCEDURE_WORDS_KEYS } from "../model/gguf-llama.ts";
import { readGguf } from "../model/gguf-read.ts";

const directory = mkdtempSync(join(tmpdir(), "cogcore-export-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe("cogcore export gguf", () => {
  it("writes a GGUF that reads back to the checkpoint's weights and tokenizer, and reports it as JSON", () => {
    const model = fixtureModel(fixtureConfig({ moe: true }), 5);
    const checkpoint = join(directory, "checkpoint");
    saveCheckpoint(checkpoint, { config: model.config, params: model.params, tokenizer: fixtureTokenizer() });
    const procedureWords = { call: ["city", "population"], answer: ["I", "cannot"], wording: ["How"] };
    writeFileSync(join(checkpoint, "grounding.json"), JSON.stringify({ procedureWords }));
    const out = join(directory, "model.gguf");
    const result = runCogcore(["export", "gguf", checkpoint, out, "--json"]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      path: out,
      type: "F32",
      architecture: "llama",
      experts: 4,
      vocabSize: 420,
    });
    const imported = importGguf(out);
    expect(firstDifference(imported.params, model.params)).toBe(-1);
    expect(imported.tokenizer.mergeStrings()).toEqual(fixtureTokenizer().mergeStrings());
    // The procedure words travel in the GGUF, for grounded decoding in llama.cpp.
    const metadata = readGguf(out).metadata;
    expect(metadata.get(PROCEDURE_WORDS_KEYS.call)?.value).toEqual(procedureWords.call);
    expect(metadata.get(PROCEDURE_WORDS_KEYS.answer)?.value).toEqual(procedureWords.answer);
    expect(metadata.get(PROCEDURE_WORDS_KEYS.wording)?.value).toEqual(procedureWords.wording);

    const half = runCogcore(["export", "gguf", checkpoint, join(directory, "half.gguf"), "--type", "f16"]);
    expect(half.status).toBe(0);
    expect(half.stdout).toMatch(/wrote .*half\.gguf: [\d.]+ MB, F16, MoE 4×2, 2 layers, vocab 420/);
  }, 120_000);

  it("fails with a one-line typed error for a missing or corrupt checkpoint and a bad type", () => {
    const missing = runCogcore(["export", "gguf", join(directory, "nothing"), join(directory, "x.gguf")]);
    expect(missing.status).toBe(66);
    expect(missing.stderr).toMatch(/no checkpoint at/);
    const broken = join(directory, "broken");
    saveCheckpoint(broken, {
      config: fixtureConfig(),
      params: fixtureModel(fixtureConfig()).params,
      tokenizer: fixtureTokenizer(),
    });
    writeFileSync(join(broken, "model.safetensors"), "truncated");
    const corrupt = runCogcore(["export", "gguf", broken, join(directory, "y.gguf")]);
    expect(corrupt.status).toBe(65);
    expect(corrupt.stderr.trim().split("\n")).toHaveLength(1);
    expect(corrupt.stderr).toMatch(/model\.safetensors: header length is \d+ but only 1 bytes follow/);
    const badType = runCogcore(["export", "gguf", broken, join(directory, "z.gguf"), "--type", "q4"]);
    expect(badType.status).toBe(2);
  }, 120_000);
});
