/**
 * A cogcore model as a llama.cpp GGUF file (architecture `llama`, dense or MoE, F32 or F16) and back.
 *
 * llamaModelFromGguf validates everything llama.cpp relies on — every required key with its exact type and a
 * sane value, no unexpected `llama.*` or `tokenizer.*` keys, exactly the expected tensors and shapes, and a
 * tokenizer whose tokens, types and merges agree — so a file it accepts can be handed to llama.cpp, which would
 * otherwise abort the whole process on some malformed files.
 */
import { type CogcoreError, CorruptFileError, InvalidInputError } from "../errors.ts";
import { BYTE_TO_CHAR } from "./byte-unicode.ts";
import { type ModelConfig, parameterLayout, validateModelConfig } from "./config.ts";
import type { GgmlTypeName, GgufFile, GgufTensor, GgufValue } from "./gguf.ts";
import { MetadataReader } from "./gguf-metadata.ts";
import { readGguf } from "./gguf-read.ts";
import { type GgufWriteInput, writeGguf } from "./gguf-write.ts";
import { PRE_TOKENIZER, PRE_TOKENIZER_REGEX } from "./pretokenize.ts";
import { TOKEN_TYPE_CONTROL, TOKEN_TYPE_NORMAL, Tokenizer } from "./tokenizer.ts";

/** Token type of the padding entries added when the model's vocabulary is larger than the tokenizer's. */
export const TOKEN_TYPE_UNUSED = 5;
const MAX_LAYERS = 512; // llama.cpp's LLAMA_MAX_LAYERS
const MAX_DIMENSION = (1 << 24) - 1;

/** What a model file holds: configuration, the flat parameters (parameterLayout order), the tokenizer. */
export interface ModelFiles {
  config: ModelConfig;
  /** Every parameter, laid out by parameterLayout(config). */
  params: Float32Array;
  tokenizer: Tokenizer;
}

export interface GgufExportOptions {
  /** Weight type: "F32" (exact) or "F16" (half the size; 1-D norm weights stay F32). Default "F32". */
  type?: GgmlTypeName;
  /** general.name. Default "cogcore". */
  name?: string;
  /** The core's procedure words (src/providers/grounding.ts), as `cogcore.procedure_words.*`. Default: none. */
  procedureWords?: { call: string[]; answer: string[]; wording?: string[] };
}

/** The metadata keys of the core's procedure words: the llamacpp provider grounds decoding with them. */
export const PROCEDURE_WORDS_KEYS = {
  call: "cogcore.procedure_words.call",
  answer: "cogcore.procedure_words.answer",
  wording: "cogcore.procedure_words.wording",
} as const;

const u32 = (value: number): GgufValue => ({ type: "uint32", value });
const f32 = (value: number): GgufValue => ({ type: "float32", value });
const str = (value: string): GgufValue => ({ type: "string", value });

function tokenizerMetadata(tokenizer: Tokenizer, vocabSize: number): Array<[string, GgufValue]> {
  const tokens: string[] = [];
  const types: number[] = [];
  for (let id = 0; id < tokenizer.vocabSize; id++) {
    tokens.push(tokenizer.tokenText(id));
    types.push(tokenizer.tokenType(id));
  }
  for (let pad = 0; tokens.length < vocabSize; pad++) {
    tokens.push(`<|unused_${pad}|>`);
    types.push(TOKEN_TYPE_UNUSED);
  }
  return [
    ["tokenizer.ggml.model", str("gpt2")],
    ["tokenizer.ggml.pre", str(PRE_TOKENIZER)],
    ["tokenizer.ggml.pretokenizer", str(PRE_TOKENIZER_REGEX)],
    ["tokenizer.ggml.tokens", { type: "array", itemType: "string", value: tokens }],
    ["tokenizer.ggml.token_type", { type: "array", itemType: "int32", value: types }],
    ["tokenizer.ggml.merges", { type: "array", itemType: "string", value: tokenizer.mergeStrings() }],
    ["tokenizer.ggml.bos_token_id", u32(tokenizer.bosId)],
    ["tokenizer.ggml.eos_token_id", u32(tokenizer.eosId)],
    ["tokenizer.ggml.add_bos_token", { type: "bool", value: false }],
    ["tokenizer.ggml.add_eos_token", { type: "bool", value: false }],
  ];
}

/** The metadata and tensors of the GGUF file for a model. */
export function llamaGgufContents(model: ModelFiles, options: GgufExportOptions = {}): GgufWriteInput {
  const { config, params, tokenizer } = model;
  const type = options.type ?? "F32";
  validateModelConfig(config);
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new InvalidInputError(
      `tokenizer has ${tokenizer.vocabSize} tokens but the model only ${config.vocabSize}`,
      {
        expected: "a model vocabulary at least as large as the tokenizer's",
      },
    );
  }
  const layout = parameterLayout(config);
  const total = layout.at(-1)!.offset + layout.at(-1)!.size;
  if (params.length !== total) {
    throw new InvalidInputError(`model has ${params.length} parameters`, {
      expected: `${total} for its config`,
    });
  }
  const metadata: Array<[string, GgufValue]> = [
    ["general.architecture", str("llama")],
    ["general.name", str(options.name ?? "cogcore")],
    ["general.file_type", u32(type === "F32" ? 0 : 1)],
    ["general.alignment", u32(32)],
    ["llama.vocab_size", u32(config.vocabSize)],
    ["llama.context_length", u32(config.contextLength)],
    ["llama.embedding_length", u32(config.dim)],
    ["llama.block_count", u32(config.nLayers)],
    ["llama.feed_forward_length", u32(config.ffnDim)],
    ["llama.attention.head_count", u32(config.nHeads)],
    ["llama.attention.head_count_kv", u32(config.nKvHeads)],
    ["llama.attention.key_length", u32(config.headSize)],
    ["llama.attention.value_length", u32(config.headSize)],
    ["llama.attention.layer_norm_rms_epsilon", f32(config.normEps)],
    ["llama.rope.dimension_count", u32(config.headSize)],
    ["llama.rope.freq_base", f32(config.ropeTheta)],
  ];
  if (config.nExperts > 0) {
    metadata.push(
      ["llama.expert_count", u32(config.nExperts)],
      ["llama.expert_used_count", u32(config.nExpertsUsed)],
    );
  }
  metadata.push(...tokenizerMetadata(tokenizer, config.vocabSize));
  for (const role of ["call", "answer", "wording"] as const) {
    const words = options.procedureWords?.[role];
    if (words)
      metadata.push([PROCEDURE_WORDS_KEYS[role], { type: "array", itemType: "string", value: words }]);
  }
  const tensors: GgufTensor[] = layout.map((tensor) => ({
    name: tensor.name,
    shape: tensor.shape,
    type: tensor.shape.length >= 2 ? type : "F32",
    data: params.subarray(tensor.offset, tensor.offset + tensor.size),
  }));
  return { metadata, tensors };
}

/** Writes a model as a llama.cpp GGUF file, atomically. */
export function exportGguf(path: string, model: ModelFiles, options: GgufExportOptions = {}): void {
  writeGguf(path, llamaGgufContents(model, options));
}

const LLAMA_KEYS = new Set([
  "llama.vocab_size",
  "llama.context_length",
  "llama.embedding_length",
  "llama.block_count",
  "llama.feed_forward_length",
  "llama.attention.head_count",
  "llama.attention.head_count_kv",
  "llama.attention.key_length",
  "llama.attention.value_length",
  "llama.attention.layer_norm_rms_epsilon",
  "llama.rope.dimension_count",
  "llama.rope.freq_base",
  "llama.expert_count",
  "llama.expert_used_count",
]);

const TOKENIZER_KEYS = new Set([
  "tokenizer.ggml.model",
  "tokenizer.ggml.pre",
  "tokenizer.ggml.pretokenizer",
  "tokenizer.ggml.tokens",
  "tokenizer.ggml.token_type",
  "tokenizer.ggml.merges",
  "tokenizer.ggml.bos_token_id",
  "tokenizer.ggml.eos_token_id",
  "tokenizer.ggml.add_bos_token",
  "tokenizer.ggml.add_eos_token",
]);

function configFromMetadata(meta: MetadataReader, file: GgufFile, vocabSize: number): ModelConfig {
  meta.string("general.architecture", "llama");
  meta.onlyKnownKeys(["llama."], LLAMA_KEYS);
  const dim = meta.u32("llama.embedding_length", 1, MAX_DIMENSION);
  const nHeads = meta.u32("llama.attention.head_count", 1, MAX_DIMENSION);
  const headSize = meta.u32("llama.attention.key_length", 1, MAX_DIMENSION, Math.floor(dim / nHeads));
  for (const key of ["llama.attention.value_length", "llama.rope.dimension_count"]) {
    if (meta.u32(key, 1, MAX_DIMENSION, headSize) !== headSize) {
      throw meta.error(
        `metadata '${key}' differs from the head size ${headSize}`,
        "equal key, value and RoPE dimensions",
      );
    }
  }
  if (meta.u32("llama.vocab_size", 1, MAX_DIMENSION, vocabSize) !== vocabSize) {
    throw meta.error("llama.vocab_size differs from the number of tokens", `${vocabSize}`);
  }
  const nExperts = meta.u32("llama.expert_count", 0, 256, 0);
  return {
    dim,
    nLayers: meta.u32("llama.block_count", 1, MAX_LAYERS),
    nHeads,
    nKvHeads: meta.u32("llama.attention.head_count_kv", 1, MAX_DIMENSION, nHeads),
    headSize,
    ffnDim: meta.u32("llama.feed_forward_length", 1, MAX_DIMENSION),
    vocabSize,
    contextLength: meta.u32("llama.context_length", 1, MAX_DIMENSION),
    ropeTheta: meta.positiveF32("llama.rope.freq_base", 10000),
    normEps: meta.positiveF32("llama.attention.layer_norm_rms_epsilon"),
    nExperts,
    nExpertsUsed: meta.u32("llama.expert_used_count", 0, nExperts, 0),
    tieEmbeddings: !file.tensors.some((tensor) => tensor.name === "output.weight"),
  };
}

function tokenizerFromMetadata(meta: MetadataReader): { tokenizer: Tokenizer; vocabSize: number } {
  meta.onlyKnownKeys(["tokenizer."], TOKENIZER_KEYS);
  meta.string("tokenizer.ggml.model", "gpt2");
  meta.string("tokenizer.ggml.pre", PRE_TOKENIZER);
  if (meta.has("tokenizer.ggml.pretokenizer"))
    meta.string("tokenizer.ggml.pretokenizer", PRE_TOKENIZER_REGEX);
  const tokens = meta.stringArray("tokenizer.ggml.tokens");
  const types = meta.int32Array("tokenizer.ggml.token_type");
  if (types.length !== tokens.length || tokens.length < 256) {
    throw meta.error(
      `${tokens.length} tokens and ${types.length} token types`,
      "as many types as tokens, at least 256",
    );
  }
  for (let byte = 0; byte < 256; byte++) {
    if (tokens[byte] !== BYTE_TO_CHAR[byte] || types[byte] !== TOKEN_TYPE_NORMAL) {
      throw meta.error(
        `token ${byte} is ${JSON.stringify(tokens[byte])}`,
        "the 256 byte tokens first, in byte order",
      );
    }
  }
  let specialEnd = 256;
  while (specialEnd < tokens.length && types[specialEnd] === TOKEN_TYPE_CONTROL) specialEnd++;
  let used = tokens.length;
  while (used > specialEnd && types[used - 1] === TOKEN_TYPE_UNUSED) used--;
  const bos = meta.u32("tokenizer.ggml.bos_token_id", 256, specialEnd - 1);
  const eos = meta.u32("tokenizer.ggml.eos_token_id", 256, specialEnd - 1);
  meta.bool("tokenizer.ggml.add_bos_token", false);
  meta.bool("tokenizer.ggml.add_eos_token", false);
  let tokenizer: Tokenizer;
  try {
    tokenizer = Tokenizer.fromMergeStrings(meta.stringArray("tokenizer.ggml.merges"), {
      specialTokens: tokens.slice(256, specialEnd),
      bosToken: tokens[bos],
      eosToken: tokens[eos],
    });
  } catch (error) {
    if (error instanceof CorruptFileError) throw error;
    throw meta.error(`tokenizer: ${(error as Error).message}`);
  }
  for (let id = specialEnd; id < tokens.length; id++) {
    const expected = id < used ? TOKEN_TYPE_NORMAL : TOKEN_TYPE_UNUSED;
    const text = id < tokenizer.vocabSize ? tokenizer.tokenText(id) : undefined;
    if (
      types[id] !== expected ||
      (id < used && text !== tokens[id]) ||
      (id >= used && id < tokenizer.vocabSize)
    ) {
      throw meta.error(
        `token ${id} ${JSON.stringify(tokens[id])} (type ${types[id]}) does not follow from the merges`,
        "tokens that are exactly the results of the merges, in order",
      );
    }
  }
  if (tokenizer.vocabSize !== used) {
    throw meta.error(
      `the merges make ${tokenizer.vocabSize} tokens but the file lists ${used}`,
      "one token per distinct merge result",
    );
  }
  return { tokenizer, vocabSize: tokens.length };
}

/** Model configuration, parameters and tokenizer of a cogcore GGUF file, fully validated. */
export function llamaModelFromGguf(file: GgufFile, path?: string): ModelFiles {
  const meta = new MetadataReader(file.metadata, path);
  const { tokenizer, vocabSize } = tokenizerFromMetadata(meta);
  const config = configFromMetadata(meta, file, vocabSize);
  try {
    validateModelConfig(config);
  } catch (error) {
    throw meta.error(
      `model configuration: ${(error as CogcoreError).message}`,
      "a valid llama configuration",
    );
  }
  const byName = new Map(file.tensors.map((tensor) => [tensor.name, tensor]));
  const layout = parameterLayout(config);
  if (byName.size !== layout.length) {
    throw meta.error(`${byName.size} tensors`, `${layout.length} tensors for this configuration`);
  }
  for (const expected of layout) {
    const tensor = byName.get(expected.name);
    if (!tensor || tensor.shape.join(",") !== expected.shape.join(",")) {
      const found = tensor ? `shape (${tensor.shape.join(", ")})` : "missing";
      throw meta.error(`tensor '${expected.name}' is ${found}`, `shape (${expected.shape.join(", ")})`);
    }
  }
  // Allocate only now: the shapes match tensors that were actually in the file, so the size is bounded by it.
  const params = new Float32Array(layout.at(-1)!.offset + layout.at(-1)!.size);
  for (const expected of layout) params.set(byName.get(expected.name)!.data, expected.offset);
  return { config, params, tokenizer };
}

/** Reads and validates a cogcore GGUF file. */
export function importGguf(path: string): ModelFiles {
  return llamaModelFromGguf(readGguf(path), path);
}
