import { describe, expect, it } from "vitest";
import { resolveModelConfig } from "./config.ts";
import { InferenceSession } from "./inference.ts";
import { CoreModel } from "./model.ts";
import { referenceForward } from "./reference-forward.ts";

const dense = resolveModelConfig({
  dim: 48,
  nLayers: 2,
  nHeads: 6,
  nKvHeads: 2,
  ffnDim: 72,
  vocabSize: 97,
  contextLength: 80,
});
const moe = resolveModelConfig({ ...dense, nExperts: 4, nExpertsUsed: 2 });
const untied = resolveModelConfig({ ...dense, tieEmbeddings: false, nKvHeads: 6 });

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

function tokens(count: number, vocab: number, seed: number): number[] {
  return Array.from({ length: count }, (_, i) => (i * 31 + seed * 17 + ((i * i) % 7)) % vocab);
}

describe("inference engine", () => {
  for (const [name, config] of [
    ["dense", dense],
    ["moe", moe],
    ["untied, no grouping", untied],
  ] as const) {
    it(`${name}: full forward equals the float64 reference`, () => {
      const model = CoreModel.init(config, 11);
      for (let i = 0; i < model.params.length; i++) model.params[i] *= 4; // larger logits: a sharper test
      const input = tokens(70, config.vocabSize, 1);
      const fast = model.forwardLogits(input);
      const exact = referenceForward(config, Float64Array.from(model.params), input).logits;
      expect(maxAbsDiff(fast, exact)).toBeLessThan(2e-4);
    });

    it(`${name}: KV-cached incremental decoding gives the full forward's logits`, () => {
      const model = CoreModel.init(config, 12);
      for (let i = 0; i < model.params.length; i++) model.params[i] *= 4;
      const input = tokens(40, config.vocabSize, 2);
      const full = model.forwardLogits(input);
      const session = new InferenceSession(model, { batchSize: 16 });
      const vocab = config.vocabSize;
      // a prompt of 23 tokens in two chunks (16 + 7), then one token at a time
      const prompt = session.feed(input.slice(0, 23), { allLogits: true });
      expect(maxAbsDiff(prompt, full.subarray(0, 23 * vocab))).toBeLessThan(1e-5);
      for (let t = 23; t < input.length; t++) {
        const logits = session.feed([input[t]]);
        expect(maxAbsDiff(logits, full.subarray(t * vocab, (t + 1) * vocab))).toBeLessThan(1e-5);
      }
      expect(session.position).toBe(40);
      session.truncate(10);
      const again = session.feed(input.slice(10, 12));
      expect(maxAbsDiff(again, full.subarray(11 * vocab, 12 * vocab))).toBeLessThan(1e-5);
      session.dispose();
    });
  }

  it("refuses to overflow the cache and rejects bad ids", () => {
    const model = CoreModel.init(dense, 1);
    const session = new InferenceSession(model, { maxTokens: 4 });
    expect(() => session.feed([1, 2, 3, 4, 5])).toThrow(/at most 4/);
    expect(() => session.feed([1, 97])).toThrow(/token id 97/);
    expect(() => new InferenceSession(model, { maxTokens: 1000 })).toThrow(/maxTokens/);
  });
});
