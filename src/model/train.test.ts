import { describe, expect, it } from "vitest";
import { AbortedError } from "../errors.ts";
import { Backprop } from "./backprop.ts";
import { makeBatch, sequenceBatches, type TrainingSequence } from "./batches.ts";
import { resolveModelConfig } from "./config.ts";
import { CoreModel } from "./model.ts";
import { AdamW, learningRateAt, type OptimizerState, resolveOptimizerConfig } from "./optimizer.ts";
import { evaluateLoss, train } from "./train.ts";
import { allocFloats, freeFloats } from "./wasm/runtime.ts";

const text = "the cat sat on the mat. the dog ate the log. a bird in the hand. ";
const alphabet = [...new Set(text)].sort();
const encode = (s: string) => [...s].map((c) => alphabet.indexOf(c));
const config = resolveModelConfig({
  dim: 32,
  nLayers: 2,
  nHeads: 4,
  nKvHeads: 2,
  ffnDim: 64,
  vocabSize: alphabet.length,
  contextLength: 32,
});
const moeConfig = resolveModelConfig({ ...config, nExperts: 4, nExpertsUsed: 2 });

/** Windows of the text, 17 tokens each; the first 4 tokens of each are "prompt" (weight 0). */
function sequences(): TrainingSequence[] {
  const ids = encode(text.repeat(3));
  return Array.from({ length: 24 }, (_, i) => {
    const tokens = ids.slice(i * 3, i * 3 + 17);
    return { tokens, weights: tokens.map((_, t) => (t < 4 ? 0 : 1)) };
  });
}

const quiet = { progressLabel: null } as const;

describe("training", () => {
  it("a tiny model overfits a small fixed text to near-zero loss", async () => {
    const model = CoreModel.init(config, 1);
    const data = sequences();
    const batches = sequenceBatches(data, { batchSize: 8, seqLen: 16, seed: 1 });
    const losses: number[] = [];
    await train(model, {
      ...quiet,
      steps: 250,
      batches,
      optimizer: { learningRate: 1e-2, warmupSteps: 10, weightDecay: 0 },
      onStep: (info) => {
        losses.push(info.loss);
      },
    });
    expect(losses[0]).toBeGreaterThan(2.5);
    const all = makeBatch(data.slice(0, 8), 16);
    expect(
      evaluateLoss(model, [all, makeBatch(data.slice(8, 16), 16), makeBatch(data.slice(16), 16)]),
    ).toBeLessThan(0.05);
  }, 60_000);

  for (const [name, modelConfig] of [
    ["dense", config],
    ["MoE", moeConfig],
  ] as const) {
    it(`${name}: same seed gives identical parameters; resuming from exported state equals an uninterrupted run`, async () => {
      const options = {
        ...quiet,
        steps: 6,
        optimizer: { learningRate: 3e-3, warmupSteps: 2 },
        gradientAccumulation: 2,
      };
      const run = async (steps: number, resume?: { params: Float32Array; state: OptimizerState }) => {
        const model = resume ? new CoreModel(modelConfig, resume.params) : CoreModel.init(modelConfig, 7);
        const start = resume ? resume.state.step * 2 : 0;
        const batches = sequenceBatches(sequences(), { batchSize: 4, seqLen: 16, seed: 3, start });
        let state: OptimizerState | undefined;
        await train(model, {
          ...options,
          batches,
          resume: resume?.state,
          signal: steps < 6 ? AbortSignal.abort() : undefined,
          onCheckpoint: (checkpoint) => {
            state = checkpoint.optimizer;
          },
        }).catch((error) => {
          if (!(error instanceof AbortedError)) throw error;
        });
        if (steps < 6) {
          // aborted after the first step: continue up to `steps` with the saved state
          const stopped = { params: model.params.slice(), state: state! };
          expect(stopped.state.step).toBe(1);
          if (steps > 1) return run(steps, stopped);
          return stopped;
        }
        return { params: model.params.slice(), state: state! };
      };
      const first = await run(6);
      const second = await run(6);
      expect(second.params).toEqual(first.params);
      const interrupted = await run(1);
      const resumed = await run(6, interrupted);
      expect(resumed.state.step).toBe(6);
      expect(resumed.params).toEqual(first.params);
      expect(resumed.state.m).toEqual(first.state.m);
      expect(resumed.state.v).toEqual(first.state.v);
    }, 60_000);
  }

  it("accumulating two half batches gives the gradient of the whole batch", () => {
    const model = CoreModel.init(config, 2);
    const data = sequences().slice(0, 4);
    const whole = makeBatch(data, 16);
    const halves = [makeBatch(data.slice(0, 2), 16), makeBatch(data.slice(2), 16)];
    const total = whole.weights.reduce((a, b) => a + b, 0);
    const one = allocFloats(model.params.length);
    const two = allocFloats(model.params.length);
    const big = new Backprop(model, { batchSize: 4, seqLen: 16 });
    big.accumulateGradients(whole, one, 1 / total, 1);
    const small = new Backprop(model, { batchSize: 2, seqLen: 16 });
    for (const half of halves) small.accumulateGradients(half, two, 1 / total, 0.5);
    for (let i = 0; i < one.length; i++) expect(two.array[i]).toBeCloseTo(one.array[i], 6);
    big.dispose();
    small.dispose();
    freeFloats(one);
    freeFloats(two);
  });
});

describe("batches", () => {
  it("shift tokens into inputs and targets, weight each target by its token, pad with weight 0", () => {
    const batch = makeBatch([{ tokens: [5, 6, 7, 8], weights: [1, 0, 1, 0.5] }, { tokens: [9, 10] }], 4);
    expect([...batch.inputs]).toEqual([5, 6, 7, 0, 9, 0, 0, 0]);
    expect([...batch.targets]).toEqual([6, 7, 8, 0, 10, 0, 0, 0]);
    expect([...batch.weights]).toEqual([0, 1, 0.5, 0, 1, 0, 0, 0]);
    expect(() => makeBatch([{ tokens: [1, 2], weights: [1] }], 4)).toThrow(/one weight per token/);
  });

  it("stream deterministically from a seed, and resume at any batch index", () => {
    const data = sequences();
    const take = (start: number, count: number) => {
      const stream = sequenceBatches(data, { batchSize: 5, seqLen: 16, seed: 4, start });
      return Array.from({ length: count }, () => stream.next().value!.inputs.join(","));
    };
    const all = take(0, 12);
    expect(take(0, 12)).toEqual(all);
    expect(take(7, 5)).toEqual(all.slice(7));
    expect(new Set(all).size).toBeGreaterThan(6);
  });
});

describe("optimizer", () => {
  it("warms up linearly, then follows a cosine down to the minimum ratio", () => {
    const optimizer = resolveOptimizerConfig({ learningRate: 1, warmupSteps: 10, minLearningRateRatio: 0.1 });
    expect(learningRateAt(optimizer, 0, 110)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(optimizer, 9, 110)).toBeCloseTo(1, 12);
    expect(learningRateAt(optimizer, 60, 110)).toBeCloseTo(0.55, 12);
    expect(learningRateAt(optimizer, 110, 110)).toBeCloseTo(0.1, 12);
    expect(() => resolveOptimizerConfig({ beta1: 1 })).toThrow(/betas/);
  });

  it("decays every weight but the norms, and clips the global gradient norm", () => {
    const model = CoreModel.init(config, 3);
    const before = model.params.slice();
    const optimizer = new AdamW(model, { learningRate: 0.1, warmupSteps: 0, weightDecay: 0.5, gradClip: 1 });
    const grads = allocFloats(model.params.length);
    grads.array[0] = 3; // token_embd[0]
    grads.array[1] = 4; // norm 5, clipped to 1
    const info = optimizer.update(grads, 10);
    expect(info.gradNorm).toBeCloseTo(5, 6);
    const state = optimizer.exportState();
    expect(state.m[0]).toBeCloseTo(0.1 * 3 * (1 / 5), 6);
    expect(state.v[1]).toBeCloseTo(0.05 * (4 / 5) ** 2, 6);
    const norm = model.tensor("blk.0.attn_norm.weight");
    expect(norm.every((value) => value === 1)).toBe(true);
    const q = model.tensor("blk.0.attn_q.weight");
    const qBefore = before.subarray(q.byteOffset / 4 - model.params.byteOffset / 4);
    expect(q[5]).toBeCloseTo(qBefore[5] * (1 - 0.1 * 0.5), 7);
    expect(() => optimizer.importState({ step: 1, m: new Float32Array(3), v: new Float32Array(3) })).toThrow(
      /does not fit/,
    );
    freeFloats(grads);
    optimizer.dispose();
  });
});
