/**
 * The training loop as a library function: batches in, optimizer steps out, with callbacks for progress,
 * evaluation and checkpoints (the checkpoint file format belongs to the caller). Each optimizer step takes
 * `gradientAccumulation` batches; the loss is the weighted mean cross-entropy over all of their targets
 * (so accumulating k batches equals one batch k times larger) plus the MoE load-balancing loss.
 */
import { AbortedError, InvalidInputError } from "../errors.ts";
import { createProgress } from "../progress.ts";
import { Backprop, type BatchLoss } from "./backprop.ts";
import type { Batch } from "./batches.ts";
import type { CoreModel } from "./model.ts";
import { AdamW, type OptimizerConfig, type OptimizerState } from "./optimizer.ts";
import { allocFloats, freeFloats } from "./wasm/runtime.ts";

export interface StepInfo {
  /** Optimizer steps completed. */
  step: number;
  totalSteps: number;
  /** Weighted mean cross-entropy of this step's batches (nats per target). */
  loss: number;
  /** MoE load-balancing loss (1 = perfectly balanced; 0 for dense models). */
  auxLoss: number;
  learningRate: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Tokens (rows of every batch, padding included) processed per second, over the run so far. */
  tokensPerSecond: number;
}

export interface Checkpoint {
  model: CoreModel;
  optimizer: OptimizerState;
  /** Optimizer steps completed. */
  step: number;
}

export interface TrainOptions {
  /** Total optimizer steps of the run (the schedule's length); a resumed run continues up to it. */
  steps: number;
  /** Batches, all of one shape; each step takes gradientAccumulation of them, in order. */
  batches: Iterator<Batch> | AsyncIterator<Batch>;
  /** Optimizer settings. Default: resolveOptimizerConfig() defaults. */
  optimizer?: Partial<OptimizerConfig>;
  /** Batches per optimizer step. Default 1. */
  gradientAccumulation?: number;
  /** Weight of the MoE load-balancing loss. Default 0.01. */
  auxLossCoefficient?: number;
  /** Optimizer state to resume from (its step says how many steps are done). Default: a fresh start. */
  resume?: OptimizerState;
  /** Called after every step. */
  onStep?: (info: StepInfo) => void | Promise<void>;
  /** Steps between onEval calls (and after the last step). Default 0: never. */
  evalEvery?: number;
  onEval?: (step: number, model: CoreModel) => void | Promise<void>;
  /** Steps between onCheckpoint calls (and after the last step). Default 0: never. */
  checkpointEvery?: number;
  onCheckpoint?: (checkpoint: Checkpoint) => void | Promise<void>;
  /** Stops after the current step: onCheckpoint is called, then AbortedError is thrown. */
  signal?: AbortSignal;
  /** Progress bar label on stderr; null draws none. Default "train". */
  progressLabel?: string | null;
}

export interface TrainResult {
  step: number;
  /** Loss of the last step. */
  loss: number;
  optimizer: OptimizerState;
}

export async function train(model: CoreModel, options: TrainOptions): Promise<TrainResult> {
  const accumulation = options.gradientAccumulation ?? 1;
  if (
    !Number.isInteger(options.steps) ||
    options.steps < 1 ||
    !Number.isInteger(accumulation) ||
    accumulation < 1
  ) {
    throw new InvalidInputError(`steps ${options.steps}, gradientAccumulation ${accumulation}`, {
      expected: "positive integers",
    });
  }
  const optimizer = new AdamW(model, options.optimizer);
  if (options.resume) optimizer.importState(options.resume);
  const grads = allocFloats(model.params.length);
  let backprop: Backprop | undefined;
  const progress =
    options.progressLabel === null
      ? undefined
      : createProgress({ label: options.progressLabel ?? "train", total: options.steps, unit: "steps" });
  progress?.update(optimizer.step);
  const started = performance.now();
  let tokens = 0;
  let loss = Number.NaN;
  try {
    while (optimizer.step < options.steps) {
      const batches: Batch[] = [];
      for (let i = 0; i < accumulation; i++) batches.push(await nextBatch(options.batches));
      backprop ??= new Backprop(model, {
        batchSize: batches[0].batchSize,
        seqLen: batches[0].seqLen,
        auxLossCoefficient: options.auxLossCoefficient,
      });
      const totals = accumulateStep(backprop, batches, grads);
      const update = optimizer.update(grads, options.steps);
      tokens += batches.reduce((sum, batch) => sum + batch.batchSize * batch.seqLen, 0);
      loss = totals.lossSum / Math.max(totals.weightSum, 1e-30);
      const step = optimizer.step;
      const tokensPerSecond = tokens / ((performance.now() - started) / 1000);
      const info = {
        step,
        totalSteps: options.steps,
        loss,
        auxLoss: totals.auxLoss,
        ...update,
        tokensPerSecond,
      };
      progress?.update(
        step,
        `loss ${loss.toFixed(4)} lr ${update.learningRate.toExponential(2)} ${tokensPerSecond.toFixed(0)} tok/s`,
      );
      await options.onStep?.(info);
      const last = step === options.steps;
      if (options.onEval && (last || (options.evalEvery && step % options.evalEvery === 0)))
        await options.onEval(step, model);
      // A step never waits on I/O: let the event loop run once, so that a signal handler (SIGINT in
      // the CLI) can abort the signal before the next one.
      if (options.signal) await new Promise<void>((resolve) => setImmediate(resolve));
      const aborted = options.signal?.aborted ?? false;
      const checkpointDue =
        last || aborted || (options.checkpointEvery && step % options.checkpointEvery === 0);
      if (options.onCheckpoint && checkpointDue) {
        await options.onCheckpoint({ model, optimizer: optimizer.exportState(), step });
      }
      if (aborted)
        throw new AbortedError(`training stopped after step ${step}`, { cause: options.signal?.reason });
    }
    return { step: optimizer.step, loss, optimizer: optimizer.exportState() };
  } finally {
    progress?.stop();
    backprop?.dispose();
    optimizer.dispose();
    freeFloats(grads);
  }
}

/** Zeroes grads and fills them with the gradient of the step's mean loss over all its batches. */
function accumulateStep(
  backprop: Backprop,
  batches: Batch[],
  grads: ReturnType<typeof allocFloats>,
): BatchLoss {
  grads.array.fill(0);
  let weightTotal = 0;
  for (const batch of batches) for (const weight of batch.weights) weightTotal += weight;
  const totals = { lossSum: 0, weightSum: 0, auxLoss: 0 };
  for (const batch of batches) {
    const loss = backprop.accumulateGradients(
      batch,
      grads,
      weightTotal > 0 ? 1 / weightTotal : 0,
      1 / batches.length,
    );
    totals.lossSum += loss.lossSum;
    totals.weightSum += loss.weightSum;
    totals.auxLoss += loss.auxLoss / batches.length;
  }
  return totals;
}

async function nextBatch(batches: Iterator<Batch> | AsyncIterator<Batch>): Promise<Batch> {
  const next = await batches.next();
  if (next.done)
    throw new InvalidInputError("the batch iterator ran out", { expected: "a batch for every step" });
  return next.value;
}

/** Mean weighted cross-entropy of a model over some batches (no gradients kept). */
export function evaluateLoss(model: CoreModel, batches: Batch[]): number {
  if (batches.length === 0) return Number.NaN;
  const backprop = new Backprop(model, { batchSize: batches[0].batchSize, seqLen: batches[0].seqLen });
  try {
    let lossSum = 0;
    let weightSum = 0;
    for (const batch of batches) {
      const loss = backprop.evaluate(batch);
      lossSum += loss.lossSum;
      weightSum += loss.weightSum;
    }
    return lossSum / Math.max(weightSum, 1e-30);
  } finally {
    backprop.dispose();
  }
}
