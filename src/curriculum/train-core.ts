/**
 * Training a core model on the curriculum: traces → tokenizer (learned on the curriculum's text) →
 * packed rows with loss only on the assistant's tokens → the engine's training loop, with atomic
 * checkpoints (weights, tokenizer, optimizer state, progress) every few steps. A run killed at any
 * point resumes from its last checkpoint with `resume`, on the same batches it would have seen: batch
 * i depends only on (seed, i), and the curriculum and the tokenizer are rebuilt identically (or read
 * from the checkpoint).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../config.ts";
import { InvalidInputError } from "../errors.ts";
import { hashString } from "../eval/worldqa/random.ts";
import { Backprop } from "../model/backprop.ts";
import { type Batch, sequenceBatches, type TrainingSequence } from "../model/batches.ts";
import { trainTokenizer } from "../model/bpe-train.ts";
import { type CoreTurn, renderConversation } from "../model/chat-template.ts";
import { loadCheckpoint, saveCheckpoint, type TrainingState } from "../model/checkpoint.ts";
import { type ModelConfig, parameterCounts, resolveModelConfig } from "../model/config.ts";
import { CoreModel } from "../model/model.ts";
import type { Tokenizer } from "../model/tokenizer.ts";
import { type StepInfo, train } from "../model/train.ts";
import { allocFloats, freeFloats } from "../model/wasm/runtime.ts";
import type { Paths } from "../paths.ts";
import { createProgress } from "../progress.ts";
import type { GroundingTrace } from "../providers/grounding.ts";
import { type ProcedureWords, procedureWordsOf, writeProcedureWords } from "../providers/procedure-words.ts";
import { loadOrGenerateCurriculum } from "./cache.ts";
import type { TrainPreset } from "./presets.ts";
import { packSequences, traceSequence } from "./sequences.ts";
import { openCurriculumSource } from "./sources.ts";

export interface TrainCoreOptions {
  preset: TrainPreset;
  /** Checkpoint directory. */
  out: string;
  /** Continue the run whose checkpoint is in `out`. Default false. */
  resume?: boolean;
  /** Replace a checkpoint already in `out` with a fresh run. Default false: refuse. */
  overwrite?: boolean;
  /** "world" (default) or a structured data file. */
  kb?: string;
  /** Seed of the curriculum, the initial weights and the batch order. Default 1. */
  seed?: number;
  /** Optimizer steps (overrides the preset's). */
  steps?: number;
  /**
   * Fit the whole run, data preparation included, in this many minutes: the step count is chosen from a
   * timing of a few steps on this machine. Default: the preset's `minutes`, else its fixed steps. A
   * resumed run keeps the step count it started with.
   */
  minutes?: number;
  /**
   * Share of the world curriculum's questions given a made-up word (wording-noise.ts). Default: the
   * preset's `wordingNoise` for the world curriculum, else 0. A resumed run keeps the share it started
   * with.
   */
  wordingNoise?: number;
  config: Config;
  paths: Paths;
  /** Stops after the current step and checkpoints (SIGINT, SIGTERM). */
  signal?: AbortSignal;
  /** Draw progress bars. Default true (silenced by $COGCORE_QUIET). */
  progress?: boolean;
  /** Called after every optimizer step. */
  onStep?: (info: StepInfo) => void;
}

export interface TrainCoreResult {
  out: string;
  step: number;
  steps: number;
  loss: number;
  parameters: { total: number; activePerToken: number };
  /** Tokens processed per second in this session (padding included). */
  tokensPerSecond: number;
  seconds: number;
  traces: number;
  rows: number;
  kbName: string;
}

/** What training.json records: enough to resume and to write the model card. */
interface RunState extends TrainingState {
  preset: string;
  seed: number;
  kb: string;
  kbName: string;
  steps: number;
  step: number;
  traces: number;
  dataHash: string;
  /** Share of questions given a made-up word; absent when none. */
  wordingNoise?: number;
  complete: boolean;
  /** Wall-clock seconds of training, summed over sessions. */
  trainingSeconds: number;
}

export async function trainCore(options: TrainCoreOptions): Promise<TrainCoreResult> {
  const { preset } = options;
  const started = performance.now();
  const previous = readPrevious(options);
  const seed = previous?.training.seed ?? options.seed ?? 1;
  const kb = previous?.training.kb ?? options.kb ?? "world";
  const fixedSteps = options.steps ?? previous?.training.steps;
  const minutes = fixedSteps === undefined ? (options.minutes ?? preset.minutes) : undefined;
  const wordingNoise = previous
    ? (previous.training.wordingNoise ?? 0)
    : (options.wordingNoise ?? (kb === "world" ? preset.wordingNoise : undefined) ?? 0);
  if (!(wordingNoise >= 0 && wordingNoise <= 1))
    throw new InvalidInputError(`wordingNoise is ${wordingNoise}`, { expected: "a share from 0 to 1" });
  if (wordingNoise > 0 && kb !== "world")
    throw new InvalidInputError(`wording noise is for the world curriculum, not ${kb}`, {
      expected: "no --wording-noise with --kb (a structured KB's questions have their own phrasings)",
    });
  const opened = await openCurriculumSource(kb, {
    config: options.config,
    paths: options.paths,
    quiet: options.progress === false ? true : undefined,
  });
  let curriculumTexts: string[];
  let sequences: ReturnType<typeof traceSequence>[];
  let procedureWords: ProcedureWords;
  let tokenizer: Tokenizer;
  try {
    const curriculum = await loadOrGenerateCurriculum({
      seed,
      count: preset.traces,
      mix: preset.mix,
      drills: preset.drills,
      wordingNoise,
      opened,
      cacheDir: options.paths.cacheDir,
      progress: options.progress,
    });
    curriculumTexts = curriculum.traces.map((trace) => renderConversation(trace.turns));
    procedureWords = procedureWordsOf(curriculum.traces.map((trace) => groundingTrace(trace.turns)));
    tokenizer =
      previous?.checkpoint.tokenizer ??
      trainTokenizer(curriculumTexts, { vocabSize: preset.vocabSize, progress: options.progress });
    sequences = curriculum.traces.map((trace) => traceSequence(trace.turns, tokenizer, preset.contextWeight));
  } finally {
    await opened.close();
  }
  const dataHash = hashString(curriculumTexts.join("\u0000")).toString(16);
  if (previous && previous.training.dataHash !== dataHash) {
    throw new InvalidInputError(`the curriculum of ${options.out} differs from the one it was trained on`, {
      expected: "the same seed, preset, knowledge base and cogcore version as the interrupted run",
    });
  }
  const packed = packSequences(sequences, preset.seqLen);
  const config = previous?.checkpoint.config ?? modelConfig(preset, tokenizer);
  const model = previous ? new CoreModel(config, previous.checkpoint.params) : CoreModel.init(config, seed);
  const done = previous?.checkpoint.optimizer?.step ?? 0;
  const steps =
    fixedSteps ??
    (minutes === undefined
      ? preset.steps
      : fitSteps({
          preset,
          config,
          seed,
          rows: packed.rows,
          secondsLeft: minutes * 60 - (performance.now() - started) / 1000,
        }));
  const runState = (step: number, complete: boolean, seconds: number): RunState => ({
    preset: preset.name,
    seed,
    kb,
    kbName: opened.kbName,
    steps,
    step,
    traces: sequences.length,
    dataHash,
    ...(wordingNoise > 0 ? { wordingNoise } : {}),
    complete,
    trainingSeconds: (previous?.training.trainingSeconds ?? 0) + seconds,
  });
  const progress = createProgress({
    label: `Training ${preset.name}`,
    total: steps,
    unit: "steps",
    quiet: options.progress === false ? true : undefined,
  });
  progress.update(done);
  writeProcedureWords(options.out, procedureWords);
  let last: StepInfo | undefined;
  const sessionStart = performance.now();
  try {
    const result = await train(model, {
      steps,
      batches: sequenceBatches(packed.rows, {
        batchSize: preset.batchSize,
        seqLen: preset.seqLen,
        seed,
        start: done * preset.gradientAccumulation,
      }),
      optimizer: preset.optimizer,
      gradientAccumulation: preset.gradientAccumulation,
      resume: previous?.checkpoint.optimizer,
      progressLabel: null,
      signal: options.signal,
      checkpointEvery: preset.checkpointEvery,
      onStep: (info) => {
        last = info;
        progress.update(info.step, stepStatus(info, done, sessionStart));
        options.onStep?.(info);
      },
      onCheckpoint: (checkpoint) => {
        const complete = checkpoint.step === steps;
        const seconds = (performance.now() - sessionStart) / 1000;
        saveCheckpoint(options.out, {
          config,
          params: checkpoint.model.params,
          tokenizer,
          // A finished run keeps no optimizer state: the shipped model is weights and tokenizer.
          ...(complete ? {} : { optimizer: checkpoint.optimizer }),
          training: runState(checkpoint.step, complete, seconds),
        });
      },
    });
    return {
      out: options.out,
      step: result.step,
      steps,
      loss: result.loss,
      parameters: parameterCounts(config),
      tokensPerSecond: last?.tokensPerSecond ?? 0,
      seconds: (performance.now() - started) / 1000,
      traces: sequences.length,
      rows: packed.rows.length,
      kbName: opened.kbName,
    };
  } finally {
    progress.stop();
  }
}

/**
 * How many steps fit in the time left: a throwaway copy of the model takes a few steps on the real
 * batches, and the count leaves 4 % to spare for checkpoints and a machine that slows down.
 */
function fitSteps(options: {
  preset: TrainPreset;
  config: ModelConfig;
  seed: number;
  rows: TrainingSequence[];
  secondsLeft: number;
}): number {
  const { preset } = options;
  const probe = CoreModel.init(options.config, options.seed + 1);
  const batches = sequenceBatches(options.rows, {
    batchSize: preset.batchSize,
    seqLen: preset.seqLen,
    seed: options.seed,
  });
  const backprop = new Backprop(probe, { batchSize: preset.batchSize, seqLen: preset.seqLen });
  const grads = allocFloats(probe.params.length);
  let first = 0;
  const probes = 4;
  try {
    for (let step = 0; step < probes; step++) {
      if (step === 1) first = performance.now();
      for (let batch = 0; batch < preset.gradientAccumulation; batch++)
        backprop.accumulateGradients(batches.next().value as Batch, grads, 1, 1);
    }
  } finally {
    backprop.dispose();
    freeFloats(grads);
  }
  const secondsPerStep = (performance.now() - first) / 1000 / (probes - 1);
  // The optimizer update costs a few passes over the parameters: a tenth more covers it.
  return Math.max(1, Math.floor((0.96 * options.secondsLeft) / (secondsPerStep * 1.1)));
}

function stepStatus(info: StepInfo, firstStep: number, sessionStart: number): string {
  const elapsed = (performance.now() - sessionStart) / 1000;
  const perStep = elapsed / Math.max(1, info.step - firstStep);
  const eta = Math.round(perStep * (info.totalSteps - info.step));
  const clock = `${Math.floor(eta / 60)}m${String(eta % 60).padStart(2, "0")}s`;
  return `loss ${info.loss.toFixed(4)} | ${info.tokensPerSecond.toFixed(0)} tok/s | ETA ${clock}`;
}

function modelConfig(preset: TrainPreset, tokenizer: Tokenizer): ModelConfig {
  return resolveModelConfig({
    ...preset.model,
    vocabSize: tokenizer.vocabSize,
    contextLength: preset.contextLength,
  });
}

/** The checkpoint to resume from, or undefined for a fresh run (refusing to overwrite one unasked). */
function readPrevious(options: TrainCoreOptions) {
  const exists = existsSync(join(options.out, "config.json"));
  if (!options.resume) {
    if (exists && !options.overwrite) {
      throw new InvalidInputError(`${options.out} already holds a checkpoint`, {
        expected: "--resume to continue it, --overwrite to start over, or another --out",
      });
    }
    return undefined;
  }
  if (!exists) return undefined;
  const checkpoint = loadCheckpoint(options.out);
  const training = checkpoint.training as RunState | undefined;
  if (!training || training.preset !== options.preset.name) {
    throw new InvalidInputError(
      `${options.out} was not trained with the '${options.preset.name}' preset (${training?.preset ?? "no training state"})`,
      { expected: "--preset matching the interrupted run" },
    );
  }
  if (training.complete) {
    throw new InvalidInputError(`the run in ${options.out} is complete (${training.step} steps)`, {
      expected: "an interrupted run to resume",
    });
  }
  return { checkpoint, training };
}

/** What a trace's assistant reads (question, tool results) and writes (call arguments, answers), in order. */
export function groundingTrace(turns: CoreTurn[]): GroundingTrace {
  const trace: GroundingTrace = [];
  for (const turn of turns) {
    if (turn.role !== "assistant") trace.push({ role: "read", text: turn.content });
    else if (turn.answer !== undefined) trace.push({ role: "answer", text: turn.answer });
    else
      for (const call of turn.calls)
        trace.push({ role: "call", text: call.slice(call.indexOf("(") + 1, -1) });
  }
  return trace;
}
