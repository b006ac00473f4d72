import { describe, expect, it } from "vitest";
import { Backprop } from "./backprop.ts";
import type { Batch } from "./batches.ts";
import { type ModelConfig, parameterLayout, resolveModelConfig } from "./config.ts";
import { finiteDifferences, relativeError } from "./gradient-check.ts";
import { CoreModel } from "./model.ts";
import { Random } from "./random.ts";
import { referenceForward } from "./reference-forward.ts";
import { allocFloats, freeFloats } from "./wasm/runtime.ts";

const tinyDense = resolveModelConfig({
  dim: 8,
  nLayers: 2,
  nHeads: 2,
  nKvHeads: 1,
  headSize: 4,
  ffnDim: 12,
  vocabSize: 11,
  contextLength: 8,
  tieEmbeddings: false,
});
const tinyMoe = resolveModelConfig({ ...tinyDense, nExperts: 4, nExpertsUsed: 2, tieEmbeddings: true });
const auxLossCoefficient = 0.1;

function randomBatch(config: ModelConfig, batchSize: number, seqLen: number, seed: number): Batch {
  const random = new Random(seed);
  const n = batchSize * seqLen;
  const ids = () => Int32Array.from({ length: n }, () => random.nextInt(config.vocabSize));
  // some targets ignored, others weighted unequally, as a trainer masks prompt tokens
  const weights = Float32Array.from({ length: n }, (_, i) => [1, 0, 0.5, 2][i % 4]);
  return { batchSize, seqLen, inputs: ids(), targets: ids(), weights };
}

/** The training objective in float64 from the reference forward: mean weighted CE + coefficient · aux. */
function referenceLoss(config: ModelConfig, params: Float64Array, batch: Batch): number {
  const { vocabSize, nExperts, nLayers, nExpertsUsed } = config;
  const T = batch.seqLen;
  let lossSum = 0;
  let weightSum = 0;
  const probabilitySums = new Float64Array(nLayers * nExperts);
  const chosenCounts = new Float64Array(nLayers * nExperts);
  for (let b = 0; b < batch.batchSize; b++) {
    const out = referenceForward(config, params, batch.inputs.subarray(b * T, (b + 1) * T));
    for (let t = 0; t < T; t++) {
      const row = out.logits.subarray(t * vocabSize, (t + 1) * vocabSize);
      const max = Math.max(...row);
      const logSumExp = max + Math.log(row.reduce((sum, v) => sum + Math.exp(v - max), 0));
      const w = batch.weights[b * T + t];
      lossSum += w * (logSumExp - row[batch.targets[b * T + t]]);
      weightSum += w;
    }
    for (let l = 0; l < nLayers; l++) {
      for (let t = 0; t < T; t++) {
        for (let e = 0; e < nExperts; e++) {
          probabilitySums[l * nExperts + e] += out.routerProbabilities[(l * T + t) * nExperts + e];
          chosenCounts[l * nExperts + e] += out.routerChosen[(l * T + t) * nExperts + e];
        }
      }
    }
  }
  let aux = 0;
  const n = batch.batchSize * T;
  for (let i = 0; i < nLayers * nExperts; i++) {
    aux += (nExperts * (chosenCounts[i] / (n * nExpertsUsed)) * (probabilitySums[i] / n)) / nLayers;
  }
  return lossSum / weightSum + (nExperts > 0 ? auxLossCoefficient * aux : 0);
}

describe("backprop", () => {
  for (const [name, config] of [
    ["dense (untied output)", tinyDense],
    ["MoE (tied output)", tinyMoe],
  ] as const) {
    it(`${name}: every parameter tensor's gradient matches float64 finite differences`, () => {
      const model = CoreModel.init(config, 21);
      // Larger weights than the 0.02 init, so that every path carries a gradient well above float32 rounding,
      // but not so large that attention saturates: a one-hot softmax leaves q and k gradients that are pure
      // cancellation (P·(dP − ΣP·dP)), which float32 cannot resolve.
      const random = new Random(5);
      for (let i = 0; i < model.params.length; i++)
        model.params[i] = model.params[i] * 8 + random.nextNormal() * 0.05;
      const batch = randomBatch(config, 2, 7, 3);
      const backprop = new Backprop(model, { batchSize: 2, seqLen: 7, auxLossCoefficient });
      const grads = allocFloats(model.params.length);
      const weightSum = batch.weights.reduce((a, b) => a + b, 0);
      const loss = backprop.accumulateGradients(batch, grads, 1 / weightSum, 1);
      const params = Float64Array.from(model.params);
      const objective = loss.lossSum / loss.weightSum + auxLossCoefficient * loss.auxLoss;
      expect(objective).toBeCloseTo(referenceLoss(config, params, batch), 5);
      // every tensor; within the larger ones (experts, embeddings) a fixed random sample of 64 entries
      const pick = new Random(9);
      const checked = parameterLayout(config).map((tensor) => {
        const all = Array.from({ length: tensor.size }, (_, i) => tensor.offset + i);
        if (all.length <= 64) return all;
        return Array.from({ length: 64 }, () => all[pick.nextInt(all.length)]);
      });
      const numeric = finiteDifferences(
        params,
        () => referenceLoss(config, params, batch),
        1e-6,
        checked.flat(),
      );
      for (const [index, tensor] of parameterLayout(config).entries()) {
        const error = relativeError(grads.array, numeric, checked[index]);
        expect(error, tensor.name).toBeLessThan(1e-3);
      }
      freeFloats(grads);
      backprop.dispose();
    }, 60_000);
  }
});
