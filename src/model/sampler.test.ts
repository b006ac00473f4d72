import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../errors.ts";
import { Sampler } from "./sampler.ts";

const logits = Float32Array.from([2, 1, 0.5, 3, -1, 0, 2.5, 1.5]);

/** The tempered softmax, top-k and top-p computed the plain way. */
function referenceDistribution(temperature: number, topK: number, topP: number): number[] {
  const order = [...logits.keys()].sort((a, b) => logits[b] - logits[a]);
  const kept = topK > 0 ? order.slice(0, topK) : order;
  const weights = kept.map((i) => Math.exp(logits[i] / temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  const probabilities = new Array(logits.length).fill(0);
  let cumulative = 0;
  const nucleus: number[] = [];
  for (let j = 0; j < kept.length && cumulative < topP; j++) {
    cumulative += weights[j] / total;
    nucleus.push(j);
  }
  const nucleusTotal = nucleus.reduce((sum, j) => sum + weights[j], 0);
  for (const j of nucleus) probabilities[kept[j]] = weights[j] / nucleusTotal;
  return probabilities;
}

describe("sampler", () => {
  it("greedy picks the largest logit, honouring the allowed set", () => {
    const sampler = new Sampler({ temperature: 0 });
    expect(sampler.sample(logits)).toBe(3);
    expect(sampler.sample(logits, [0, 1, 2])).toBe(0);
  });

  for (const [temperature, topK, topP] of [
    [1, 0, 1],
    [0.5, 0, 1],
    [2, 3, 1],
    [1, 0, 0.7],
    [0.8, 5, 0.9],
  ]) {
    it(`temperature ${temperature}, top-k ${topK}, top-p ${topP}: the reference distribution, and draws follow it`, () => {
      const sampler = new Sampler({ temperature, topK, topP, seed: 9 });
      const expected = referenceDistribution(temperature, topK, topP);
      const distribution = sampler.distribution(logits);
      for (let i = 0; i < logits.length; i++) expect(distribution[i]).toBeCloseTo(expected[i], 10);
      const draws = 20000;
      const counts = new Array(logits.length).fill(0);
      for (let d = 0; d < draws; d++) counts[sampler.sample(logits)]++;
      for (let i = 0; i < logits.length; i++) {
        if (expected[i] === 0) expect(counts[i]).toBe(0);
        // within 5 standard deviations of the binomial count
        const sd = Math.sqrt(draws * expected[i] * (1 - expected[i]));
        expect(Math.abs(counts[i] - draws * expected[i])).toBeLessThanOrEqual(5 * sd + 1);
      }
    });
  }

  it("is reproducible from its seed", () => {
    const run = (seed: number) => {
      const sampler = new Sampler({ temperature: 1.5, seed });
      return Array.from({ length: 50 }, () => sampler.sample(logits));
    };
    expect(run(4)).toEqual(run(4));
    expect(run(4)).not.toEqual(run(5));
  });

  it("never leaves the allowed set, as a mask or as ids", () => {
    const sampler = new Sampler({ temperature: 3, seed: 1 });
    const mask = Uint8Array.from([0, 1, 0, 0, 1, 0, 0, 0]);
    for (let i = 0; i < 500; i++) {
      expect([1, 4]).toContain(sampler.sample(logits, mask));
      expect([4, 5]).toContain(sampler.sample(logits, [5, 4]));
    }
    expect(() => sampler.sample(logits, new Uint8Array(8))).toThrow(/allows no token/);
    expect(() => sampler.sample(logits, [8])).toThrow(InvalidInputError);
    expect(() => new Sampler({ topP: 0 })).toThrow(/topP/);
  });
});
