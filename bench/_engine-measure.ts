/**
 * Measurements for bench/engine.ts (a helper module: the leading underscore keeps it out of the list of
 * benchmarks). Each function times one thing on cogcore's side and returns medians.
 */
import { Backprop } from "../src/model/backprop.ts";
import { type ModelConfig, parameterCounts, resolveModelConfig } from "../src/model/config.ts";
import { generate } from "../src/model/generate.ts";
import { InferenceSession } from "../src/model/inference.ts";
import { matmul } from "../src/model/kernels.ts";
import { CoreModel } from "../src/model/model.ts";
import { AdamW } from "../src/model/optimizer.ts";
import { Random } from "../src/model/random.ts";
import { allocFloats, freeFloats } from "../src/model/wasm/runtime.ts";

/** ~2M parameters: the size of the shipped core (generation and training goals). */
export const smallConfig: ModelConfig = resolveModelConfig({
  dim: 256,
  nLayers: 3,
  nHeads: 8,
  nKvHeads: 4,
  ffnDim: 512,
  vocabSize: 1024,
  contextLength: 512,
});

/** ~25M parameters (prompt-processing goal). */
export const largeConfig: ModelConfig = resolveModelConfig({
  dim: 512,
  nLayers: 8,
  nHeads: 8,
  nKvHeads: 4,
  ffnDim: 1408,
  vocabSize: 4096,
  contextLength: 1024,
});

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The prompt both engines are timed on (the same ids as the llama.cpp harness's speed task). */
export function benchPrompt(length: number, vocabSize: number): number[] {
  return Array.from({ length }, (_, index) => (index * 7919) % vocabSize);
}

/** Median GFLOP/s of out (n, d) = x (n, k) · wᵀ on the pool's threads. */
export function measureMatmul(n: number, d: number, k: number, runs: number): number {
  const random = new Random(1);
  const x = allocFloats(n * k);
  const w = allocFloats(d * k);
  const out = allocFloats(n * d);
  for (const buffer of [x, w]) for (let i = 0; i < buffer.length; i++) buffer.array[i] = random.nextNormal();
  const repeats = Math.max(1, Math.round(2e8 / (2 * n * d * k)));
  const seconds: number[] = [];
  for (let run = 0; run < runs + 1; run++) {
    const start = performance.now();
    for (let r = 0; r < repeats; r++) matmul(out.ptr, x.ptr, w.ptr, n, d, k);
    seconds.push((performance.now() - start) / 1000 / repeats);
  }
  for (const buffer of [x, w, out]) freeFloats(buffer);
  return (2 * n * d * k) / median(seconds.slice(1)) / 1e9;
}

/** Median time of prompt processing (one batch of `promptTokens`) and of generating `generateTokens`. */
export async function measureInference(
  model: CoreModel,
  options: { promptTokens: number; generateTokens: number; runs: number },
): Promise<{ promptSeconds: number[]; generationSeconds: number[] }> {
  const prompt = benchPrompt(options.promptTokens, model.config.vocabSize);
  const promptSeconds: number[] = [];
  const generationSeconds: number[] = [];
  const session = new InferenceSession(model, { batchSize: Math.min(512, model.config.contextLength) });
  for (let run = 0; run < options.runs + 1; run++) {
    session.reset();
    let start = performance.now();
    session.feed(prompt);
    promptSeconds.push((performance.now() - start) / 1000);
    session.reset();
    start = performance.now();
    await generate(model, [prompt[0]], { maxTokens: options.generateTokens, session });
    generationSeconds.push((performance.now() - start) / 1000);
  }
  session.dispose();
  return { promptSeconds: promptSeconds.slice(1), generationSeconds: generationSeconds.slice(1) };
}

/** Training throughput: median seconds per optimizer step of a (batchSize × seqLen) batch. */
export function measureTraining(
  config: ModelConfig,
  options: { batchSize: number; seqLen: number; steps: number },
): { tokensPerSecond: number; modelFlopsPerSecond: number; parameters: number; tokensPerStep: number } {
  const model = CoreModel.init(config, 1);
  const { batchSize, seqLen } = options;
  const rows = batchSize * seqLen;
  const random = new Random(2);
  const ids = () => Int32Array.from({ length: rows }, () => random.nextInt(config.vocabSize));
  const batch = { batchSize, seqLen, inputs: ids(), targets: ids(), weights: new Float32Array(rows).fill(1) };
  const backprop = new Backprop(model, { batchSize, seqLen });
  const optimizer = new AdamW(model, { learningRate: 1e-4 });
  const grads = allocFloats(model.params.length);
  const seconds: number[] = [];
  for (let step = 0; step < options.steps + 1; step++) {
    const start = performance.now();
    grads.array.fill(0);
    backprop.accumulateGradients(batch, grads, 1 / rows, 1);
    optimizer.update(grads, options.steps + 1);
    seconds.push((performance.now() - start) / 1000);
  }
  backprop.dispose();
  optimizer.dispose();
  freeFloats(grads);
  const parameters = parameterCounts(config).activePerToken;
  const tokensPerSecond = rows / median(seconds.slice(1));
  return {
    tokensPerSecond,
    modelFlopsPerSecond: 6 * parameters * tokensPerSecond,
    parameters,
    tokensPerStep: rows,
  };
}
