/**
 * `cogcore bench engine [--quick] --json`: the core model engine side by side with llama.cpp
 * (node-llama-cpp, CPU, same threads: 2, F32 weights and KV cache) in one run.
 *
 * - parity: max |Δ log-probability| between our forward pass and llama.cpp on random dense and MoE models.
 * - generation: greedy tokens/s after a one-token prompt, ~2M-parameter model (goal ≥ 1.0× llama.cpp).
 * - prompt: prompt-processing tokens/s, one batch, ~25M-parameter model (goal ≥ 0.4× llama.cpp).
 *   Both also on one thread for each engine (`oneThread`), which a busy machine distorts far less.
 * - training: tokens/s and model FLOP/s (6 × parameters × tokens/s) on the ~2M model (goal ≥ 15 GFLOP/s).
 * - matmul: GFLOP/s of a 256×1024 by 1024×256 product on 2 threads (goal ≥ 60).
 * - memory: resident memory of inference (a child process) against weights + KV cache (goal ≤ 2×).
 * Timed runs of the two engines alternate in rounds; every figure is a median.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchmarkOptions } from "../src/cli/bench.ts";
import { trainTokenizer } from "../src/model/bpe-train.ts";
import { type ModelConfig, parameterCounts, resolveModelConfig } from "../src/model/config.ts";
import { exportGguf } from "../src/model/gguf-llama.ts";
import { maxAbsLogprobDiff } from "../src/model/llamacpp/compare.ts";
import { llamaCppLogProbabilities, llamaCppSpeed } from "../src/model/llamacpp/harness.ts";
import { CoreModel } from "../src/model/model.ts";
import { Random } from "../src/model/random.ts";
import type { Tokenizer } from "../src/model/tokenizer.ts";
import { setThreads } from "../src/model/wasm/thread-pool.ts";
import {
  largeConfig,
  measureInference,
  measureMatmul,
  measureTraining,
  median,
  smallConfig,
} from "./_engine-measure.ts";

export const description =
  "Core model engine vs llama.cpp: parity, generation, prompt, training, matmul, memory";

const THREADS = 2;
/** llama.cpp spins its threads at every barrier: on a busy machine a run can take minutes. */
const LLAMACPP_TIMEOUT_MS = 1_800_000;

export async function runBenchmark(options: BenchmarkOptions): Promise<object> {
  const quick = options.quick;
  await setThreads(THREADS);
  const directory = mkdtempSync(join(tmpdir(), "cogcore-bench-engine-"));
  const loadBefore = loadavg();
  try {
    const tokenizer = trainTokenizer(CORPUS, { vocabSize: 300, progress: false });
    const parity = {
      dense: { maxAbsLogprobDiff: await parityDiff(tokenizer, directory, false) },
      moe: { maxAbsLogprobDiff: await parityDiff(tokenizer, directory, true) },
    };
    const rounds = quick ? 1 : 3;
    const runs = quick ? 2 : 3;
    const generation = await sideBySide(smallConfig, tokenizer, directory, "generation", {
      rounds,
      runs,
      promptTokens: 1,
      generateTokens: quick ? 32 : 128,
    });
    const prompt = await sideBySide(largeConfig, tokenizer, directory, "prompt", {
      rounds,
      runs,
      promptTokens: quick ? 128 : 512,
      generateTokens: 1,
    });
    const training = measureTraining(smallConfig, { batchSize: 8, seqLen: 256, steps: quick ? 2 : 5 });
    const matmul = {
      n: 256,
      k: 1024,
      d: 256,
      threads: THREADS,
      gflops: measureMatmul(256, 256, 1024, quick ? 5 : 15),
    };
    return {
      parity,
      generation,
      prompt,
      training: { ...training, batchSize: 8, seqLen: 256 },
      matmul,
      memory: inferenceMemory(),
      machine: {
        cpu: cpus()[0]?.model ?? "unknown",
        cores: cpus().length,
        memoryBytes: totalmem(),
        node: process.version,
        threads: THREADS,
        loadAverageBefore: loadBefore[0],
        loadAverageAfter: loadavg()[0],
        quick,
      },
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** max |Δ log-prob| over every position and vocabulary entry of a random model (weights ×3). */
async function parityDiff(tokenizer: Tokenizer, directory: string, moe: boolean): Promise<number> {
  const config = resolveModelConfig({
    dim: 64,
    nLayers: 2,
    nHeads: 4,
    nKvHeads: 2,
    ffnDim: 96,
    vocabSize: tokenizer.vocabSize,
    contextLength: 64,
    nExperts: moe ? 4 : 0,
  });
  const model = CoreModel.init(config, moe ? 5 : 6);
  for (let i = 0; i < model.params.length; i++) model.params[i] *= 3;
  const path = join(directory, moe ? "parity-moe.gguf" : "parity-dense.gguf");
  exportGguf(path, { config, params: model.params, tokenizer });
  const random = new Random(moe ? 7 : 8);
  const tokens = Array.from({ length: config.contextLength }, () => random.nextInt(config.vocabSize));
  const [theirs] = await llamaCppLogProbabilities(path, [tokens], {
    threads: THREADS,
    timeoutMs: LLAMACPP_TIMEOUT_MS,
  });
  return maxAbsLogprobDiff(model.forwardLogits(tokens), theirs, config.vocabSize);
}

interface SpeedOptions {
  rounds: number;
  runs: number;
  promptTokens: number;
  generateTokens: number;
}

/**
 * Alternates timed runs of cogcore and llama.cpp on the same random model, on THREADS threads and also on
 * one (on a busy machine llama.cpp's threads wait for each other at every barrier of its graph, which
 * the one-thread figures show); medians over all runs.
 */
async function sideBySide(
  config: ModelConfig,
  tokenizer: Tokenizer,
  directory: string,
  what: "generation" | "prompt",
  options: SpeedOptions,
) {
  const model = CoreModel.init(config, 3);
  const path = join(directory, `${what}.gguf`);
  exportGguf(path, { config, params: model.params, tokenizer });
  const tokens = what === "generation" ? options.generateTokens : options.promptTokens;
  const seconds = {
    ours: [] as number[],
    theirs: [] as number[],
    oursOne: [] as number[],
    theirsOne: [] as number[],
  };
  for (let round = 0; round < options.rounds; round++) {
    for (const threads of [THREADS, 1]) {
      await setThreads(threads);
      const cogcore = await measureInference(model, options);
      const llama = await llamaCppSpeed(path, { threads, timeoutMs: LLAMACPP_TIMEOUT_MS, ...options });
      const ours = what === "generation" ? cogcore.generationSeconds : cogcore.promptSeconds;
      const theirs = what === "generation" ? llama.generationSeconds : llama.promptSeconds;
      (threads === 1 ? seconds.oursOne : seconds.ours).push(...ours);
      (threads === 1 ? seconds.theirsOne : seconds.theirs).push(...theirs);
    }
  }
  await setThreads(THREADS);
  const compare = (ours: number[], theirs: number[]) => {
    const cogcoreTokensPerSecond = tokens / median(ours);
    const llamacppTokensPerSecond = tokens / median(theirs);
    return {
      cogcoreTokensPerSecond,
      llamacppTokensPerSecond,
      ratio: cogcoreTokensPerSecond / llamacppTokensPerSecond,
    };
  };
  return {
    ...compare(seconds.ours, seconds.theirs),
    oneThread: compare(seconds.oursOne, seconds.theirsOne),
    tokens,
    parameters: parameterCounts(config).total,
    runs: seconds.ours.length,
  };
}

/** RSS of a child process that only runs inference on the ~25M model, against weights + KV cache. */
function inferenceMemory() {
  const script = fileURLToPath(new URL("./_engine-rss.ts", import.meta.url));
  const output = execFileSync(process.execPath, ["--import", import.meta.resolve("tsx"), script], {
    encoding: "utf8",
    env: { ...process.env, COGCORE_QUIET: "1" },
  });
  const measured = JSON.parse(output.trim().split("\n").at(-1)!) as {
    rssBytes: number;
    baselineRssBytes: number;
    weightsBytes: number;
    kvCacheBytes: number;
  };
  return {
    ...measured,
    ratio: measured.rssBytes / (measured.weightsBytes + measured.kvCacheBytes),
    ratioAboveBaseline:
      (measured.rssBytes - measured.baselineRssBytes) / (measured.weightsBytes + measured.kvCacheBytes),
  };
}

/** Text for the benchmark models' tokenizer (the GGUF needs one; the timings do not depend on it). */
const CORPUS = [
  "The population of Lyon is 522250 and the population of Nice is 342669.",
  "<|user|>What is the capital of Peru?<|end|><|assistant|><|answer|>Lima [1]<|end|>",
  "calc(472317 - 342669) search(Lyon population) the molar mass of H2O is 18.015 g/mol",
].flatMap((text) => Array(8).fill(text));
