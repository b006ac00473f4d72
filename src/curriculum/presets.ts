/**
 * Training presets: model shape, tokenizer size, curriculum size and optimisation, in one object each.
 *
 *   core   the shipped model: ≤ 5M parameters, trained on 2 CPU cores in ≤ 90 minutes
 *   mini   a smaller, faster one for experiments and CI-sized runs
 *   tiny   a few steps of a toy model: what the tests train and resume
 */

import { InvalidInputError } from "../errors.ts";
import type { QuestionType } from "../eval/worldqa/types.ts";
import type { ModelConfig } from "../model/config.ts";
import type { OptimizerConfig } from "../model/optimizer.ts";

export interface TrainPreset {
  name: string;
  /** Model shape (vocabSize comes from the tokenizer, contextLength from seqLen). */
  model: Pick<ModelConfig, "dim" | "nLayers" | "nHeads" | "nKvHeads"> & Partial<ModelConfig>;
  /** Tokenizer vocabulary, byte and special tokens included. */
  vocabSize: number;
  /** Traces in the curriculum. */
  traces: number;
  /** Share of each question type. Default: the curriculum's DEFAULT_MIX. */
  mix?: Partial<Record<QuestionType, number>>;
  /** Copy drills added to the curriculum, as a share of `traces` (drills.ts). Default 0. */
  drills?: number;
  /**
   * Share of the world curriculum's questions given a made-up word (wording-noise.ts); a structured KB's
   * curriculum (`--kb`) gets none. Default 0. The core's 0.1 lifted held-out phrasings 76.0 → 82.3 % and
   * kept the test goals; 0.25 lost test look-ups (docs/results/core.md).
   */
  wordingNoise?: number;
  /** Loss weight of the question's and the observations' tokens (the assistant's weigh 1). Default 0. */
  contextWeight?: number;
  /** Tokens per training row (several traces are packed into one). */
  seqLen: number;
  /** Context of the trained model: the longest conversation it is run on. */
  contextLength: number;
  /** Rows per batch. */
  batchSize: number;
  /** Batches per optimizer step. */
  gradientAccumulation: number;
  /** Optimizer steps (when `minutes` is not set). */
  steps: number;
  /** Fit the run in this many minutes, data preparation included (train-core.ts). Default: unset. */
  minutes?: number;
  optimizer: Partial<OptimizerConfig>;
  /** Steps between checkpoints. */
  checkpointEvery: number;
}

export const PRESETS: Record<string, TrainPreset> = {
  core: {
    name: "core",
    // A small, fast model: on 2 cores it sees many more traces in the time than a wider one does.
    model: { dim: 128, nLayers: 4, nHeads: 4, nKvHeads: 2 },
    vocabSize: 1024,
    traces: 72_000,
    wordingNoise: 0.1,
    contextWeight: 0.25,
    seqLen: 512,
    contextLength: 1024,
    batchSize: 4,
    gradientAccumulation: 1,
    steps: 17_000,
    optimizer: { learningRate: 8e-3, warmupSteps: 60, weightDecay: 0.05, minLearningRateRatio: 0.05 },
    checkpointEvery: 50,
  },
  mini: {
    name: "mini",
    model: { dim: 128, nLayers: 4, nHeads: 4, nKvHeads: 2 },
    vocabSize: 1024,
    traces: 4000,
    seqLen: 512,
    contextLength: 1024,
    batchSize: 8,
    gradientAccumulation: 1,
    steps: 300,
    optimizer: { learningRate: 4e-3, warmupSteps: 30, weightDecay: 0.05, minLearningRateRatio: 0.05 },
    checkpointEvery: 25,
  },
  tiny: {
    name: "tiny",
    model: { dim: 32, nLayers: 1, nHeads: 2, nKvHeads: 1 },
    vocabSize: 320,
    traces: 40,
    seqLen: 256,
    contextLength: 1024,
    batchSize: 2,
    gradientAccumulation: 1,
    steps: 6,
    optimizer: { learningRate: 3e-3, warmupSteps: 2 },
    checkpointEvery: 2,
  },
};

export function presetByName(name: string): TrainPreset {
  const preset = PRESETS[name];
  if (!preset) {
    throw new InvalidInputError(`no training preset '${name}'`, {
      expected: `one of: ${Object.keys(PRESETS).join(", ")}`,
    });
  }
  return preset;
}
