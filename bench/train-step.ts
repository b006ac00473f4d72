/**
 * `cogcore bench train-step [--quick] --json`: where one training step of the shipped core's shape goes
 * (`--preset core`: models/core/config.json, 4 × 512 tokens), kernel by kernel, on the pool's 2 threads
 * and on 1 thread in the same run, with the ratio. Every figure is a median over steps, in milliseconds;
 * a weight-gradient product (`matmul_nn`, A read transposed) is told apart from an input-gradient one.
 */
import { readFileSync } from "node:fs";
import { cpus, loadavg, platform } from "node:os";
import { join } from "node:path";
import type { BenchmarkOptions } from "../src/cli/bench.ts";
import { PRESETS } from "../src/curriculum/presets.ts";
import { Backprop } from "../src/model/backprop.ts";
import { resolveModelConfig } from "../src/model/config.ts";
import { CoreModel } from "../src/model/model.ts";
import { AdamW } from "../src/model/optimizer.ts";
import { Random } from "../src/model/random.ts";
import { allocFloats, freeFloats } from "../src/model/wasm/runtime.ts";
import { setThreads, type ThreadPool } from "../src/model/wasm/thread-pool.ts";
import { packageRoot } from "../src/paths.ts";
import { median } from "./_engine-measure.ts";

export const description = "The core's training step, kernel by kernel, on 2 threads and on 1";

const round = (value: number) => Math.round(value * 100) / 100;

/** A kernel call's label: its name, and for matmul_nn which gradient it computes. */
function labelOf(name: string, args: number[]): string {
  // matmul_nn's A is read transposed (column stride 1 → row stride 1) for a weight gradient.
  if (name === "matmul_nn") return args[6] === 1 ? "matmul_nn weight-gradient" : "matmul_nn input-gradient";
  return name;
}

/** Median milliseconds per step: the whole step and each kernel's calls, on `threads` threads. */
async function measure(threads: number, steps: number) {
  const pool: ThreadPool = await setThreads(threads);
  const config = resolveModelConfig(
    JSON.parse(readFileSync(join(packageRoot, "models/core/config.json"), "utf8")),
  );
  const { batchSize, seqLen } = PRESETS.core!;
  const rows = batchSize * seqLen;
  const random = new Random(2);
  const ids = () => Int32Array.from({ length: rows }, () => random.nextInt(config.vocabSize));
  const batch = { batchSize, seqLen, inputs: ids(), targets: ids(), weights: new Float32Array(rows).fill(1) };
  const model = CoreModel.init(config, 1);
  const backprop = new Backprop(model, { batchSize, seqLen });
  const optimizer = new AdamW(model, { learningRate: 1e-4 });
  const grads = allocFloats(model.params.length);
  const run = pool.run.bind(pool);
  let kernels = new Map<string, number>();
  pool.run = (name, args, ...rest) => {
    const started = performance.now();
    run(name, args, ...rest);
    const label = labelOf(name, args);
    kernels.set(label, (kernels.get(label) ?? 0) + performance.now() - started);
  };
  const stepMs: number[] = [];
  const perKernel = new Map<string, number[]>();
  try {
    for (let step = 0; step <= steps; step++) {
      kernels = new Map();
      const started = performance.now();
      grads.array.fill(0);
      backprop.accumulateGradients(batch, grads, 1 / rows, 1);
      optimizer.update(grads, steps + 1);
      if (step === 0) continue; // the first step warms up
      stepMs.push(performance.now() - started);
      for (const [label, ms] of kernels) perKernel.set(label, [...(perKernel.get(label) ?? []), ms]);
    }
  } finally {
    pool.run = run;
    backprop.dispose();
    optimizer.dispose();
    freeFloats(grads);
  }
  const kernelMs = Object.fromEntries(
    [...perKernel]
      .map(([label, values]) => [label, round(median(values))] as const)
      .sort((a, b) => b[1] - a[1]),
  );
  const step = median(stepMs);
  return { stepMs: round(step), tokensPerSecond: Math.round(rows / (step / 1000)), kernelMs };
}

export async function runBenchmark({ quick }: BenchmarkOptions): Promise<object> {
  const steps = quick ? 4 : 30;
  const two = await measure(2, steps);
  const one = await measure(1, steps);
  return {
    machine: { platform: platform(), cpu: cpus()[0]?.model, cores: cpus().length, loadAverage: loadavg() },
    shape: {
      config: "models/core/config.json",
      tokensPerStep: PRESETS.core!.batchSize * PRESETS.core!.seqLen,
    },
    twoThreads: two,
    oneThread: one,
    speedupTwoOverOne: round(one.stepMs / two.stepMs),
  };
}
