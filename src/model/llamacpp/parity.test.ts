/**
 * Parity with llama.cpp (node-llama-cpp 3.21.1, CPU, F32 KV cache, no flash attention): random dense and MoE
 * models exported to F32 GGUF give the same log-probabilities (max |Δ| ≤ 1e-4 over every position and every
 * vocabulary entry) and the same greedy continuations as our forward pass. One llama.cpp child per model.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureConfig, fixtureModel, fixtureTokenizer } from "../../../test/helpers/model-fixtures.ts";
import { seededRandom } from "../../../test/helpers/seeded-random.ts";
import { exportGguf } from "../gguf-llama.ts";
import type { CoreModel } from "../model.ts";
import { logSoftmaxRows } from "./compare.ts";
import { runLlamaCpp } from "./harness.ts";
import type { LlamaCppResult } from "./protocol.ts";

const directory = mkdtempSync(join(tmpdir(), "cogcore-parity-"));
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

interface Case {
  name: string;
  model: CoreModel;
  sequences: number[][];
  prompts: number[][];
  results?: LlamaCppResult[];
}

function makeCase(name: string, moe: boolean): Case {
  const tokenizer = fixtureTokenizer();
  const config = fixtureConfig({ moe, overrides: moe ? {} : { headSize: 4, nHeads: 4, nKvHeads: 1 } });
  const model = fixtureModel(config, moe ? 11 : 12, WEIGHT_SCALE);
  const chat = tokenizer.encode(
    "<|user|>How many more people live in Lyon than in Nice?<|end|><|assistant|><|think|>522250 - 342669<|/think|>",
    { allowSpecial: true },
  );
  const random = seededRandom(moe ? 2 : 3);
  const noise = Array.from({ length: config.contextLength }, () => Math.floor(random() * config.vocabSize));
  return { name, model, sequences: [chat, noise], prompts: [chat.slice(0, 8), noise.slice(0, 3)] };
}

const cases = [makeCase("dense", false), makeCase("MoE", true)];

beforeAll(async () => {
  await Promise.all(
    cases.map(async (testCase) => {
      const path = join(directory, `${testCase.name}.gguf`);
      const { model } = testCase;
      exportGguf(path, { config: model.config, params: model.params, tokenizer: fixtureTokenizer() });
      testCase.results = await runLlamaCpp(path, [
        ...testCase.sequences.map((tokens) => ({ kind: "logprobs" as const, tokens })),
        ...testCase.prompts.map((prompt) => ({
          kind: "greedy" as const,
          prompt,
          maxTokens: GREEDY_TOKENS,
          stopAtEog: false,
        })),
      ]);
    }),
  );
}, 120_000);

describe.each(cases)("llama.cpp parity, $name model", (testCase) => {
  it("matches every log-probability at every position to 1e-4", () => {
    const { model, sequences } = testCase;
    sequences.forEach((tokens, index) => {
      const result = testCase.results![index];
      if (result.kind !== "logprobs") throw new Error("expected log-probabilities");
      const ours = logSoftmaxRows(model.forwardLogits(tokens), model.config.vocabSize);
      expect(result.logprobs.length).toBe(ours.length);
      let maxDiff = 0;
      let spread = 0;
      for (let i = 0; i < ours.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(ours[i] - result.logprobs[i]));
        spread = Math.max(spread, Math.abs(ours[i] + Math.log(model.config.vocabSize)));
      }
      expect(maxDiff).toBeLessThanOrEqual(1e-4);
      expect(spread).toBeGreaterThan(1); // the distributions are far from uniform: the check has teeth
    });
  });

  it("agrees token for token on greedy generation", () => {
    testCase.prompts.forEach((prompt, index) => {
      const result = testCase.results![testCase.sequences.length + index];
      if (result.kind !== "greedy") throw new Error("expected a greedy continuation");
      expect(result.tokens).toEqual(greedy(testCase.model, prompt, GREEDY_TOKENS));
    });
  });
});
