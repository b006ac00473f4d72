/**
 * AdamW with decoupled weight decay (none on norm weights), gradient clipping by global norm, and a
 * linear-warmup + cosine learning-rate schedule. The state (m, v, step) exports to plain Float32Arrays and
 * imports back, so training resumes bit-exactly after a kill.
 */
import { InvalidInputError } from "../errors.ts";
import { parameterLayout } from "./config.ts";
import type { CoreModel } from "./model.ts";
import { allocFloats, type Floats, freeFloats, runtime } from "./wasm/runtime.ts";
import { threadPool } from "./wasm/thread-pool.ts";

export interface OptimizerConfig {
  /** Peak learning rate, reached at the end of warmup. Default 1e-3. */
  learningRate: number;
  /** Learning rate at the end of the cosine, as a fraction of the peak. Default 0.1. */
  minLearningRateRatio: number;
  /** Steps of linear warmup from 0. Default 100. */
  warmupSteps: number;
  /** Adam β1. Default 0.9. */
  beta1: number;
  /** Adam β2. Default 0.95. */
  beta2: number;
  /** Adam ε. Default 1e-8. */
  eps: number;
  /** Decoupled weight decay on every tensor except norm weights. Default 0.1. */
  weightDecay: number;
  /** Clip the global gradient norm to this; 0 disables clipping. Default 1. */
  gradClip: number;
}

export function resolveOptimizerConfig(partial: Partial<OptimizerConfig> = {}): OptimizerConfig {
  const config: OptimizerConfig = {
    learningRate: partial.learningRate ?? 1e-3,
    minLearningRateRatio: partial.minLearningRateRatio ?? 0.1,
    warmupSteps: partial.warmupSteps ?? 100,
    beta1: partial.beta1 ?? 0.9,
    beta2: partial.beta2 ?? 0.95,
    eps: partial.eps ?? 1e-8,
    weightDecay: partial.weightDecay ?? 0.1,
    gradClip: partial.gradClip ?? 1,
  };
  for (const [field, value] of Object.entries(config)) {
    if (!Number.isFinite(value) || value < 0) {
      throw new InvalidInputError(`optimizer ${field} is ${value}`, { expected: "a finite number ≥ 0" });
    }
  }
  if (config.beta1 >= 1 || config.beta2 >= 1 || config.minLearningRateRatio > 1) {
    throw new InvalidInputError("optimizer betas must be < 1 and minLearningRateRatio ≤ 1", {
      expected: "beta1, beta2 in [0, 1)",
    });
  }
  return config;
}

/** Learning rate at optimizer step `step` (0-based) of `totalSteps`: linear warmup, then cosine decay. */
export function learningRateAt(config: OptimizerConfig, step: number, totalSteps: number): number {
  const peak = config.learningRate;
  if (step < config.warmupSteps) return (peak * (step + 1)) / config.warmupSteps;
  const decaySteps = Math.max(1, totalSteps - config.warmupSteps);
  const progress = Math.min(1, (step - config.warmupSteps) / decaySteps);
  const min = peak * config.minLearningRateRatio;
  return min + (peak - min) * 0.5 * (1 + Math.cos(Math.PI * progress));
}

/** The optimizer's complete state: enough to continue exactly where it stopped. */
export interface OptimizerState {
  /** Optimizer steps taken so far. */
  step: number;
  /** First moments, parameter layout. */
  m: Float32Array;
  /** Second moments, parameter layout. */
  v: Float32Array;
}

export interface UpdateInfo {
  learningRate: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
}

export class AdamW {
  readonly config: OptimizerConfig;
  step = 0;
  private readonly model: CoreModel;
  private readonly m: Floats;
  private readonly v: Floats;
  /** Runs of consecutive tensors sharing a decay setting: [start, end, decays]. */
  private readonly segments: Array<[number, number, boolean]> = [];

  constructor(model: CoreModel, config: Partial<OptimizerConfig> = {}) {
    this.config = resolveOptimizerConfig(config);
    this.model = model;
    this.m = allocFloats(model.params.length);
    this.v = allocFloats(model.params.length);
    for (const tensor of parameterLayout(model.config)) {
      const decays = !tensor.name.endsWith("norm.weight");
      const last = this.segments.at(-1);
      if (last && last[2] === decays) last[1] = tensor.offset + tensor.size;
      else this.segments.push([tensor.offset, tensor.offset + tensor.size, decays]);
    }
  }

  /** Applies one update from grads (the gradient of the mean loss) and advances the step. */
  update(grads: Floats, totalSteps: number): UpdateInfo {
    const { beta1, beta2, eps, weightDecay, gradClip } = this.config;
    const gradNorm = Math.sqrt(runtime().kernels.sum_squares(grads.ptr, grads.length));
    if (!Number.isFinite(gradNorm)) {
      throw new InvalidInputError(`gradient norm is ${gradNorm} at step ${this.step}`, {
        expected: "finite gradients (lower the learning rate?)",
      });
    }
    const gradScale = gradClip > 0 && gradNorm > gradClip ? gradClip / gradNorm : 1;
    const learningRate = learningRateAt(this.config, this.step, totalSteps);
    const t = this.step + 1;
    const bias1 = 1 - beta1 ** t;
    const bias2 = 1 - beta2 ** t;
    const params = this.model.buffer.ptr;
    for (const [start, end, decays] of this.segments) {
      const args = [params, grads.ptr, this.m.ptr, this.v.ptr, learningRate, beta1, beta2, eps];
      args.push(decays ? weightDecay : 0, bias1, bias2, gradScale, 0, 0);
      threadPool().run("adamw", args, 12, start, end, 1024, 65536);
    }
    this.step = t;
    return { learningRate, gradNorm };
  }

  /** A copy of the state. */
  exportState(): OptimizerState {
    return { step: this.step, m: this.m.array.slice(), v: this.v.array.slice() };
  }

  /** Restores a state exported from an optimizer of the same model shape. */
  importState(state: OptimizerState): void {
    const size = this.model.params.length;
    if (
      state.m.length !== size ||
      state.v.length !== size ||
      !Number.isInteger(state.step) ||
      state.step < 0
    ) {
      throw new InvalidInputError("optimizer state does not fit this model", {
        expected: `m and v of ${size} floats and a step ≥ 0`,
      });
    }
    this.m.array.set(state.m);
    this.v.array.set(state.v);
    this.step = state.step;
  }

  dispose(): void {
    freeFloats(this.m);
    freeFloats(this.v);
  }
}
