/**
 * Checkpoints: a directory holding
 *
 *   model.safetensors      F32 parameters by GGUF tensor name (parameterLayout order)
 *   config.json            the ModelConfig
 *   tokenizer.json         the tokenizer (Tokenizer.toJSON)
 *   optimizer.safetensors  optional: AdamW moments "m.<name>" and "v.<name>", step in its metadata
 *   training.json          optional: training progress (step, seed, data cursor, …), free-form JSON
 *
 * Saving is atomic for the directory as a whole: the new checkpoint is written and fsynced in `<dir>.next`,
 * then `<dir>` is renamed to `<dir>.prev`, `<dir>.next` to `<dir>`, and `<dir>.prev` is deleted. A crash at
 * any point leaves a complete checkpoint: `<dir>`, or (between the two renames) `<dir>.prev`, which loading
 * and the next save recover. Other files in the directory (a model card, say) are carried over.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { type CogcoreError, CorruptFileError, InvalidInputError, NotFoundError } from "../errors.ts";
import { syncDirectory, writeFileAtomic } from "./atomic-file.ts";
import { type ModelConfig, parameterLayout, type TensorLayout, validateModelConfig } from "./config.ts";
import type { OptimizerState } from "./optimizer.ts";
import { checkTensorSet, type NamedTensor, readSafetensors, writeSafetensors } from "./safetensors.ts";
import { Tokenizer } from "./tokenizer.ts";

export type { OptimizerState };

/** Free-form training progress: step, seed, data cursor, schedule, … (anything JSON). */
export type TrainingState = Record<string, unknown>;

export interface Checkpoint {
  config: ModelConfig;
  /** Every parameter, laid out by parameterLayout(config). */
  params: Float32Array;
  tokenizer: Tokenizer;
  optimizer?: OptimizerState;
  training?: TrainingState;
}

export interface LoadCheckpointOptions {
  /** Also load optimizer.safetensors and training.json when present. Default true. */
  trainingState?: boolean;
}

const FILES = {
  model: "model.safetensors",
  config: "config.json",
  tokenizer: "tokenizer.json",
  optimizer: "optimizer.safetensors",
  training: "training.json",
};
const OWN_FILES = new Set(Object.values(FILES));

function layoutTensors(layout: TensorLayout[], values: Float32Array, prefix = ""): NamedTensor[] {
  return layout.map((tensor) => ({
    name: prefix + tensor.name,
    shape: tensor.shape,
    data: values.subarray(tensor.offset, tensor.offset + tensor.size),
  }));
}

function checkSizes(checkpoint: Checkpoint, total: number): void {
  const sizes = [
    checkpoint.params.length,
    checkpoint.optimizer?.m.length ?? total,
    checkpoint.optimizer?.v.length ?? total,
  ];
  if (sizes.some((size) => size !== total)) {
    throw new InvalidInputError(`checkpoint arrays have ${sizes.join(", ")} values`, {
      expected: `${total} (params, m, v)`,
    });
  }
  if (checkpoint.tokenizer.vocabSize > checkpoint.config.vocabSize) {
    throw new InvalidInputError(
      `tokenizer has ${checkpoint.tokenizer.vocabSize} tokens, model ${checkpoint.config.vocabSize}`,
      {
        expected: "a model vocabulary at least as large as the tokenizer's",
      },
    );
  }
}

/** Writes a value as indented JSON, atomically. */
export function writeJson(path: string, value: unknown): void {
  writeFileAtomic(path, [new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`)]);
}

function writeContents(directory: string, checkpoint: Checkpoint): void {
  const layout = parameterLayout(checkpoint.config);
  writeSafetensors(join(directory, FILES.model), layoutTensors(layout, checkpoint.params), {
    format: "cogcore",
  });
  writeJson(join(directory, FILES.config), checkpoint.config);
  writeJson(join(directory, FILES.tokenizer), checkpoint.tokenizer.toJSON());
  if (checkpoint.optimizer) {
    const { m, v, step } = checkpoint.optimizer;
    const tensors = [...layoutTensors(layout, m, "m."), ...layoutTensors(layout, v, "v.")];
    writeSafetensors(join(directory, FILES.optimizer), tensors, { format: "cogcore", step: String(step) });
  }
  if (checkpoint.training) writeJson(join(directory, FILES.training), checkpoint.training);
}

/** If a crash left `<dir>.prev` but no `<dir>`, puts it back. */
function recover(directory: string): void {
  const previous = `${directory}.prev`;
  if (!existsSync(directory) && existsSync(previous)) renameSync(previous, directory);
}

/** Saves a checkpoint into `dir` atomically, replacing any checkpoint there. */
export function saveCheckpoint(dir: string, checkpoint: Checkpoint): void {
  validateModelConfig(checkpoint.config);
  const total = parameterLayout(checkpoint.config).reduce((sum, tensor) => sum + tensor.size, 0);
  checkSizes(checkpoint, total);
  const directory = resolve(dir);
  mkdirSync(dirname(directory), { recursive: true });
  recover(directory);
  const next = `${directory}.next`;
  const previous = `${directory}.prev`;
  rmSync(next, { recursive: true, force: true });
  rmSync(previous, { recursive: true, force: true });
  mkdirSync(next);
  writeContents(next, checkpoint);
  if (existsSync(directory)) {
    for (const name of readdirSync(directory)) {
      const source = join(directory, name);
      if (!OWN_FILES.has(name) && !name.startsWith(".") && statSync(source).isFile())
        copyFileSync(source, join(next, name));
    }
  }
  syncDirectory(next);
  if (existsSync(directory)) renameSync(directory, previous);
  renameSync(next, directory);
  syncDirectory(dirname(directory));
  rmSync(previous, { recursive: true, force: true });
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      throw new NotFoundError(`missing ${basename(path)} in checkpoint ${dirname(path)}`);
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new CorruptFileError("not valid JSON", { path, expected: "a JSON document" });
  }
}

function loadConfig(path: string): ModelConfig {
  const config = readJson(path) as ModelConfig;
  try {
    if (typeof config !== "object" || config === null) throw new InvalidInputError("not an object");
    validateModelConfig(config);
    if (typeof config.tieEmbeddings !== "boolean")
      throw new InvalidInputError("tieEmbeddings is not a boolean");
  } catch (error) {
    throw new CorruptFileError(`invalid model configuration: ${(error as CogcoreError).message}`, {
      path,
      expected: "a ModelConfig",
    });
  }
  return config;
}

function loadOptimizer(path: string, layout: TensorLayout[], total: number): OptimizerState {
  const file = readSafetensors(path);
  const expected = [
    ...layout.map((t) => ({ name: `m.${t.name}`, shape: t.shape })),
    ...layout.map((t) => ({ name: `v.${t.name}`, shape: t.shape })),
  ];
  const byName = checkTensorSet(file, expected, path);
  const step = Number(file.metadata.step);
  if (!Number.isSafeInteger(step) || step < 0)
    throw new CorruptFileError(`optimizer step is ${file.metadata.step}`, {
      path,
      expected: "a non-negative integer",
    });
  const m = new Float32Array(total);
  const v = new Float32Array(total);
  for (const tensor of layout) {
    m.set(byName.get(`m.${tensor.name}`)!.data, tensor.offset);
    v.set(byName.get(`v.${tensor.name}`)!.data, tensor.offset);
  }
  return { m, v, step };
}

/** Loads and validates a checkpoint directory. */
export function loadCheckpoint(dir: string, options: LoadCheckpointOptions = {}): Checkpoint {
  let directory = resolve(dir);
  if (!existsSync(directory) && existsSync(`${directory}.prev`)) directory = `${directory}.prev`;
  if (!existsSync(directory)) throw new NotFoundError(`no checkpoint at ${directory}`);
  const config = loadConfig(join(directory, FILES.config));
  const tokenizerPath = join(directory, FILES.tokenizer);
  const tokenizer = Tokenizer.fromJSON(readJson(tokenizerPath), tokenizerPath);
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new CorruptFileError(`tokenizer has ${tokenizer.vocabSize} tokens, model ${config.vocabSize}`, {
      path: tokenizerPath,
      expected: "a tokenizer no larger than the model's vocabulary",
    });
  }
  const layout = parameterLayout(config);
  const total = layout.reduce((sum, tensor) => sum + tensor.size, 0);
  const modelPath = join(directory, FILES.model);
  const byName = checkTensorSet(readSafetensors(modelPath), layout, modelPath);
  const params = new Float32Array(total);
  for (const tensor of layout) params.set(byName.get(tensor.name)!.data, tensor.offset);
  const checkpoint: Checkpoint = { config, params, tokenizer };
  if (options.trainingState ?? true) {
    const optimizerPath = join(directory, FILES.optimizer);
    if (existsSync(optimizerPath)) checkpoint.optimizer = loadOptimizer(optimizerPath, layout, total);
    const trainingPath = join(directory, FILES.training);
    if (existsSync(trainingPath)) {
      const training = readJson(trainingPath);
      if (typeof training !== "object" || training === null || Array.isArray(training)) {
        throw new CorruptFileError("training state is not a JSON object", {
          path: trainingPath,
          expected: "an object",
        });
      }
      checkpoint.training = training as TrainingState;
    }
  }
  return checkpoint;
}
