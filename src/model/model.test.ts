import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../errors.ts";
import { parameterCounts, resolveModelConfig } from "./config.ts";
import { ropeTables, routeReference } from "./kernels-reference.ts";
import { CoreModel } from "./model.ts";
import { routeToken } from "./moe.ts";
import { Random } from "./random.ts";

const dense = resolveModelConfig({ dim: 32, nLayers: 2, nHeads: 4, nKvHeads: 2, ffnDim: 48, vocabSize: 50 });
const moe = resolveModelConfig({ ...dense, nExperts: 4, nExpertsUsed: 2 });

describe("CoreModel", () => {
  it("initialises deterministically from a seed, with views into params", () => {
    const a = CoreModel.init(dense, 7);
    const b = CoreModel.init(dense, 7);
    const c = CoreModel.init(dense, 8);
    expect(a.params.length).toBe(parameterCounts(dense).total);
    expect(a.params).toEqual(b.params);
    expect(a.params).not.toEqual(c.params);
    expect(a.tensor("blk.1.ffn_norm.weight").every((value) => value === 1)).toBe(true);
    a.tensor("token_embd.weight")[0] = 42;
    expect(a.params[0]).toBe(42);
  });

  it("rejects bad parameters and token ids with typed errors", () => {
    expect(() => new CoreModel(dense, new Float32Array(3))).toThrow(InvalidInputError);
    const model = CoreModel.init(dense, 1);
    expect(() => model.forwardLogits([1, 50])).toThrow(/token id 50 at position 1/);
    expect(() => model.tensor("nope")).toThrow(InvalidInputError);
  });

  for (const [name, config] of [
    ["dense", dense],
    ["moe", moe],
  ] as const) {
    it(`${name}: is causal — a later token never changes earlier logits`, () => {
      const model = CoreModel.init(config, 3);
      const a = model.forwardLogits([1, 2, 3, 4, 5]);
      const b = model.forwardLogits([1, 2, 3, 9, 5]);
      expect(a.length).toBe(5 * config.vocabSize);
      expect(a.subarray(0, 3 * config.vocabSize)).toEqual(b.subarray(0, 3 * config.vocabSize));
      expect(a.subarray(3 * config.vocabSize)).not.toEqual(b.subarray(3 * config.vocabSize));
    });
  }
});

describe("reference kernels", () => {
  it("rope angles are position · theta^(-2i/headSize), as ggml's float32 cache", () => {
    const { cos, sin } = ropeTables(8, 10000, 100);
    for (const p of [0, 1, 37, 99]) {
      for (let i = 0; i < 4; i++) {
        const angle = p * 10000 ** (-(2 * i) / 8);
        expect(cos[p * 4 + i]).toBeCloseTo(Math.cos(angle), 5);
        expect(sin[p * 4 + i]).toBeCloseTo(Math.sin(angle), 5);
      }
    }
  });

  it("the engine's router agrees with the reference router on random logits", () => {
    const random = new Random(17);
    const config = resolveModelConfig({ ...moe, nExperts: 8, nExpertsUsed: 3 });
    for (let trial = 0; trial < 200; trial++) {
      const logits = Float32Array.from({ length: 8 }, () => random.nextNormal() * 3);
      const route = { experts: new Int32Array(3), weights: new Float32Array(3) };
      const probabilities = new Float32Array(8);
      routeToken(logits, 0, config, route, probabilities);
      const expected = routeReference(logits, 3);
      expect([...route.experts]).toEqual(expected.experts);
      for (let slot = 0; slot < 3; slot++) expect(route.weights[slot]).toBeCloseTo(expected.weights[slot], 6);
      for (let e = 0; e < 8; e++) expect(probabilities[e]).toBeCloseTo(expected.probabilities[e], 6);
    }
  });

  it("routes by softmax over all experts, top-k, renormalised", () => {
    const route = routeReference([0, Math.log(3), Math.log(2), Math.log(4)], 2);
    expect(route.experts).toEqual([3, 1]);
    expect(route.weights[0]).toBeCloseTo(4 / 7, 12);
    expect(route.weights[1]).toBeCloseTo(3 / 7, 12);
    expect(route.probabilities[0]).toBeCloseTo(1 / 10, 12);
  });
});
