/**
 * Interoperability with llama.cpp (node-llama-cpp 3.21.1, CPU, F32 KV cache, no flash attention), in one
 * llama.cpp child process for three exported models:
 * - parity: random dense and MoE models exported to F32 GGUF give the same log-probabilities as our forward
 *   pass (max |Δ| ≤ 1e-4 over every position and vocabulary entry) and the same greedy continuations;
 * - tokenizer: llama.cpp's `model.tokenize(text, special)` gives exactly our ids on varied and random text;
 * - F16: an F16 export loads in llama.cpp and computes close to our forward pass on the rounded weights.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  FIXTURE_CORPUS,
  fixtureConfig,
  fixtureModel,
  fixtureTokenizer,
} from "../../../test/helpers/model-fixtures.ts";
import { seededRandom } from "../../../test/helpers/seeded-random.ts";
import { FIXED_TEXTS, TOKENIZER_CORPUS, TOKENIZER_TEXTS } from "../../../test/helpers/tokenizer-texts.ts";
import { trainTokenizer } from "../bpe-train.ts";
import { resolveModelConfig } from "../config.ts";
import { exportGguf, importGguf } from "../gguf-llama.ts";
import { CoreModel } from "../model.ts";
import { logSoftmaxRows, maxAbsLogprobDiff } from "./compare.ts";
import { type LlamaCppResult, type LlamaCppTask, runLlamaCppJobs } from "./harness.ts";

const directory = mkdtempSync(join(tmpdir(), "cogcore-llamacpp-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** Weight scale: makes next-token distributions far from uniform (logits span about ±6) and routing vary. */
const WEIGHT_SCALE = 3;
const GREEDY_TOKENS = 24;

function greedy(model: CoreModel, prompt: number[], steps: number): number[] {
  const tokens = [...prompt];
  const vocabSize = model.config.vocabSize;
  for (let step = 0; step < steps; step++) {
    const logits = model.forwardLogits(tokens);
    const last = (tokens.length - 1) * vocabSize;
    let best = 0;
    for (let v = 1; v < vocabSize; v++) if (logits[last + v] > logits[last + best]) best = v;
    tokens.push(best);
  }
  return tokens.slice(prompt.length);
}

interface ParityCase {
  name: string;
  model: CoreModel;
  sequences: number[][];
  prompts: number[][];
  results: LlamaCppResult[];
}

function parityCase(name: string, moe: boolean): ParityCase {
  // The dense model also covers a head size unlike dim / nHeads (llama.attention.key_length) and 1 KV head.
  const config = fixtureConfig({ moe, overrides: moe ? {} : { headSize: 4, nHeads: 4, nKvHeads: 1 } });
  const model = fixtureModel(config, moe ? 11 : 12, WEIGHT_SCALE);
  const chat = fixtureTokenizer().encode(
    "<|user|>How many more people live in Lyon than in Nice?<|end|><|assistant|><|think|>522250 - 342669<|/think|>",
    { allowSpecial: true },
  );
  const random = seededRandom(moe ? 2 : 3);
  const noise = Array.from({ length: config.contextLength }, () => Math.floor(random() * config.vocabSize));
  return {
    name,
    model,
    sequences: [chat, noise],
    prompts: [chat.slice(0, 8), noise.slice(0, 3)],
    results: [],
  };
}

function parityTasks(testCase: ParityCase): LlamaCppTask[] {
  return [
    ...testCase.sequences.map((tokens) => ({ kind: "logprobs" as const, tokens })),
    ...testCase.prompts.map((prompt) => ({
      kind: "greedy" as const,
      prompt,
      maxTokens: GREEDY_TOKENS,
      stopAtEog: false,
    })),
  ];
}

const cases = [parityCase("dense", false), parityCase("MoE", true)];
// A model whose vocabulary is larger than its tokenizer's: the GGUF pads it with unused tokens.
const padded = fixtureModel(
  fixtureConfig({ overrides: { vocabSize: fixtureTokenizer().vocabSize + 28 } }),
  13,
  WEIGHT_SCALE,
);
const paddedSequence = cases[0].sequences[0];
let paddedResults: LlamaCppResult[] = [];
const tokenizer = trainTokenizer(TOKENIZER_CORPUS, { vocabSize: 900, progress: false });
const halfConfig = resolveModelConfig({
  dim: 32,
  nLayers: 1,
  nHeads: 2,
  nKvHeads: 1,
  ffnDim: 32,
  vocabSize: tokenizer.vocabSize,
  contextLength: 64,
});
const halfSequence = tokenizer.encode(FIXTURE_CORPUS[1], { allowSpecial: true }).slice(0, 48);
let halfModel: CoreModel;
let tokenizerResults: LlamaCppResult[] = [];

beforeAll(async () => {
  const jobs = cases.map((testCase) => {
    const modelPath = join(directory, `${testCase.name}.gguf`);
    const { model } = testCase;
    exportGguf(modelPath, { config: model.config, params: model.params, tokenizer: fixtureTokenizer() });
    return { modelPath, tasks: parityTasks(testCase) };
  });
  const halfPath = join(directory, "tokenizer-f16.gguf");
  exportGguf(
    halfPath,
    { config: halfConfig, params: CoreModel.init(halfConfig, 5).params, tokenizer },
    { type: "F16" },
  );
  halfModel = new CoreModel(halfConfig, importGguf(halfPath).params); // the F16-rounded weights llama.cpp uses
  jobs.push({
    modelPath: halfPath,
    tasks: [
      { kind: "tokenize", texts: TOKENIZER_TEXTS, special: true },
      { kind: "tokenize", texts: TOKENIZER_TEXTS, special: false },
      { kind: "logprobs", tokens: halfSequence },
    ],
  });
  const paddedPath = join(directory, "padded.gguf");
  exportGguf(paddedPath, { config: padded.config, params: padded.params, tokenizer: fixtureTokenizer() });
  jobs.push({ modelPath: paddedPath, tasks: [{ kind: "logprobs", tokens: paddedSequence }] });
  // One thread: results are exact either way, and llama.cpp's spinning threads crawl on a busy machine.
  const results = await runLlamaCppJobs(jobs, { threads: 1 });
  paddedResults = results[3];
  cases.forEach((testCase, index) => {
    testCase.results = results[index];
  });
  tokenizerResults = results[2];
}, 120_000);

describe.each(cases)("llama.cpp parity, $name model", (testCase) => {
  it("matches every log-probability at every position to 1e-4", () => {
    const { model, sequences } = testCase;
    sequences.forEach((tokens, index) => {
      const result = testCase.results[index];
      if (result.kind !== "logprobs") throw new Error("expected log-probabilities");
      const ours = logSoftmaxRows(model.forwardLogits(tokens), model.config.vocabSize);
      expect(
        maxAbsLogprobDiff(model.forwardLogits(tokens), result.logprobs, model.config.vocabSize),
      ).toBeLessThanOrEqual(1e-4);
      const uniform = -Math.log(model.config.vocabSize);
      const spread = ours.reduce((max, value) => Math.max(max, Math.abs(value - uniform)), 0);
      expect(spread).toBeGreaterThan(1); // the distributions are far from uniform: the check has teeth
    });
  });

  it("agrees token for token on greedy generation", () => {
    testCase.prompts.forEach((prompt, index) => {
      const result = testCase.results[testCase.sequences.length + index];
      if (result.kind !== "greedy") throw new Error("expected a greedy continuation");
      expect(result.tokens).toEqual(greedy(testCase.model, prompt, GREEDY_TOKENS));
    });
  });
});

it("runs a model whose vocabulary is padded beyond the tokenizer's, with the same log-probabilities", () => {
  const [result] = paddedResults;
  if (result?.kind !== "logprobs") throw new Error("expected log-probabilities");
  const logits = padded.forwardLogits(paddedSequence);
  expect(maxAbsLogprobDiff(logits, result.logprobs, padded.config.vocabSize)).toBeLessThanOrEqual(1e-4);
});

describe("tokenizer parity with llama.cpp", () => {
  for (const [index, special] of [true, false].entries()) {
    it(`gives llama.cpp's ids on ${TOKENIZER_TEXTS.length} texts, special tokens ${special ? "parsed" : "as text"}`, () => {
      const result = tokenizerResults[index];
      if (result.kind !== "tokenize") throw new Error("expected token ids");
      const mismatches = TOKENIZER_TEXTS.flatMap((text, textIndex) => {
        const ours = tokenizer.encode(text, { allowSpecial: special });
        const theirs = result.ids[textIndex];
        return ours.join(",") === theirs.join(",")
          ? []
          : [{ text: text.slice(0, 120), ours: ours.slice(0, 40), theirs: theirs.slice(0, 40) }];
      });
      expect(mismatches).toEqual([]);
      const chat =
        result.ids[FIXED_TEXTS.indexOf("<|user|>What is 2+2?<|end|><|assistant|><|answer|>4<|end|>")];
      expect(chat.includes(tokenizer.specialTokenId("<|user|>"))).toBe(special);
    });
  }

  it("exports F16 GGUF files that llama.cpp loads and runs close to our forward pass", () => {
    const result = tokenizerResults[2];
    if (result.kind !== "logprobs") throw new Error("expected log-probabilities");
    expect(
      maxAbsLogprobDiff(halfModel.forwardLogits(halfSequence), result.logprobs, halfConfig.vocabSize),
    ).toBeLessThan(1e-2);
  });
});
