/**
 * Validates any GGUF file's header before llama.cpp sees it (llama.cpp aborts its process on some
 * malformed files): the metadata and tensor descriptions are parsed with bounds checks, and every tensor's
 * data must lie inside the file, aligned, without overlaps, with a known ggml type whose block divides its
 * rows. Only the header is read (a few MB even for large models), never the weights.
 *
 * Layout (https://github.com/ggml-org/ggml/blob/master/docs/gguf.md): see src/model/gguf.ts.
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { CorruptFileError, InvalidInputError, NotFoundError } from "../../errors.ts";
import { ByteReader } from "../../model/byte-reader.ts";
import { GGML_MAX_DIMS, GGML_MAX_NAME, GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC } from "../../model/gguf.ts";
import { readScalar, readString, readValueType } from "../../model/gguf-read.ts";

/** ggml tensor types llama.cpp reads: code → [name, elements per block, bytes per block] (ggml.c type_traits). */
export const GGML_TYPE_SIZES: Record<number, [string, number, number]> = {
  0: ["F32", 1, 4],
  1: ["F16", 1, 2],
  2: ["Q4_0", 32, 18],
  3: ["Q4_1", 32, 20],
  6: ["Q5_0", 32, 22],
  7: ["Q5_1", 32, 24],
  8: ["Q8_0", 32, 34],
  9: ["Q8_1", 32, 36],
  10: ["Q2_K", 256, 84],
  11: ["Q3_K", 256, 110],
  12: ["Q4_K", 256, 144],
  13: ["Q5_K", 256, 176],
  14: ["Q6_K", 256, 210],
  15: ["Q8_K", 256, 292],
  16: ["IQ2_XXS", 256, 66],
  17: ["IQ2_XS", 256, 74],
  18: ["IQ3_XXS", 256, 98],
  19: ["IQ1_S", 256, 50],
  20: ["IQ4_NL", 32, 18],
  21: ["IQ3_S", 256, 110],
  22: ["IQ2_S", 256, 82],
  23: ["IQ4_XS", 256, 136],
  24: ["I8", 1, 1],
  25: ["I16", 1, 2],
  26: ["I32", 1, 4],
  27: ["I64", 1, 8],
  28: ["F64", 1, 8],
  29: ["IQ1_M", 256, 56],
  30: ["BF16", 1, 2],
  34: ["TQ1_0", 256, 54],
  35: ["TQ2_0", 256, 66],
  39: ["MXFP4", 32, 17],
};

/** A metadata value: a scalar (64-bit integers as bigint) or an array of scalars. */
export type HeaderValue = string | number | bigint | boolean | HeaderValue[];

export interface GgufTensorInfo {
  name: string;
  /** ne0 first, as stored. */
  dimensions: number[];
  type: string;
  /** Byte offset from the start of the file. */
  fileOffset: number;
  byteLength: number;
}

export interface GgufHeader {
  version: number;
  metadata: Map<string, HeaderValue>;
  tensors: GgufTensorInfo[];
  /** general.architecture, e.g. "llama", "qwen3". */
  architecture: string;
}

const FIRST_READ_BYTES = 1 << 20;
/** Largest header we read: tokenizers of the largest vocabularies take a few tens of MB. */
const MAX_HEADER_BYTES = 1 << 29;

/** Reads and validates the header of the GGUF at `path`; CorruptFileError names what is wrong. */
export function readGgufHeader(path: string): GgufHeader {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      throw new NotFoundError(`no GGUF file at ${path}`);
    throw error;
  }
  const handle = openSync(path, "r");
  try {
    for (let length = Math.min(size, FIRST_READ_BYTES); ; length = Math.min(size, length * 8)) {
      const bytes = new Uint8Array(length);
      readSync(handle, bytes, 0, length, 0);
      try {
        return parseGgufHeader(bytes, size, path);
      } catch (error) {
        // What we read ends inside the header (a length or count reaches past it): read more of the file.
        if (!(error instanceof CorruptFileError) || length >= size || length >= MAX_HEADER_BYTES) throw error;
      }
    }
  } finally {
    closeSync(handle);
  }
}

/** Parses a header from the first bytes of a file of `fileSize` bytes. */
export function parseGgufHeader(bytes: Uint8Array, fileSize: number, path?: string): GgufHeader {
  const reader = new ByteReader(bytes, path);
  if (reader.u32("magic") !== GGUF_MAGIC)
    throw reader.error("not a GGUF file (bad magic)", 'the bytes "GGUF"');
  const version = reader.u32("version");
  if (version !== 2 && version !== 3) throw reader.error(`GGUF version ${version}`, "version 3 (or 2)");
  const tensorCount = reader.u64AsNumber("tensor count", Math.floor(fileSize / 24));
  const metadataCount = reader.u64AsNumber("metadata count", Math.floor(fileSize / 12));
  const metadata = new Map<string, HeaderValue>();
  for (let index = 0; index < metadataCount; index++) {
    const key = readString(reader, `metadata key ${index}`);
    if (key.length === 0 || metadata.has(key))
      throw reader.error(`metadata key ${index} is ${JSON.stringify(key.slice(0, 80))}`, "unique keys");
    metadata.set(key, readValue(reader, key));
  }
  const architecture = metadata.get("general.architecture");
  if (typeof architecture !== "string" || architecture === "")
    throw reader.error("general.architecture is missing", "the model's architecture name");
  const alignment = metadata.get("general.alignment") ?? GGUF_DEFAULT_ALIGNMENT;
  if (typeof alignment !== "number" || !(alignment > 0 && (alignment & (alignment - 1)) === 0))
    throw reader.error(`general.alignment is ${String(alignment)}`, "a power of two");
  const infos = Array.from({ length: tensorCount }, (_, index) => readTensorInfo(reader, index, fileSize));
  const dataStart = Math.ceil(reader.position / alignment) * alignment;
  const tensors = placeTensors(reader, infos, dataStart, alignment, fileSize);
  return { version, metadata, tensors, architecture };
}

function readValue(reader: ByteReader, key: string): HeaderValue {
  const what = `metadata '${key}'`;
  const type = readValueType(reader, what);
  if (type !== "array") return readScalar(reader, type, what);
  const itemType = readValueType(reader, `items of ${what}`);
  if (itemType === "array") throw reader.error(`${what} is an array of arrays`, "arrays of scalars");
  const count = reader.count(`length of ${what}`, 1);
  const items: HeaderValue[] = new Array(count);
  for (let index = 0; index < count; index++)
    items[index] = readScalar(reader, itemType, `${what}[${index}]`);
  return items;
}

interface TensorHeader {
  name: string;
  dimensions: number[];
  type: string;
  offset: number;
  byteLength: number;
}

function readTensorInfo(reader: ByteReader, index: number, fileSize: number): TensorHeader {
  const name = readString(reader, `name of tensor ${index}`);
  if (name.length === 0 || Buffer.byteLength(name) >= GGML_MAX_NAME)
    throw reader.error(`tensor ${index} is named ${JSON.stringify(name.slice(0, 80))}`, "1..63 bytes");
  const count = reader.u32(`dimension count of '${name}'`);
  if (count < 1 || count > GGML_MAX_DIMS)
    throw reader.error(`tensor '${name}' has ${count} dimensions`, `1..${GGML_MAX_DIMS}`);
  const dimensions: number[] = [];
  let elements = 1;
  for (let dim = 0; dim < count; dim++) {
    const size = reader.u64AsNumber(`dimension ${dim} of '${name}'`, Number.MAX_SAFE_INTEGER);
    elements *= size;
    if (size < 1 || elements > fileSize * 8)
      throw reader.error(
        `tensor '${name}' has shape [${dimensions.concat(size)}…]`,
        "a shape that fits in the file",
      );
    dimensions.push(size);
  }
  const code = reader.u32(`type of '${name}'`);
  const known = GGML_TYPE_SIZES[code];
  if (!known)
    throw new InvalidInputError(`${reader.path ?? "GGUF"}: tensor '${name}' has ggml type code ${code}`, {
      expected: `one of the ggml types llama.cpp reads (${Object.values(GGML_TYPE_SIZES)
        .map(([n]) => n)
        .join(", ")})`,
    });
  const [type, blockSize, blockBytes] = known;
  if (dimensions[0] % blockSize !== 0)
    throw reader.error(
      `tensor '${name}' has rows of ${dimensions[0]} ${type} values`,
      `a multiple of ${blockSize}`,
    );
  const offset = reader.u64AsNumber(`data offset of '${name}'`, fileSize);
  return { name, dimensions, type, offset, byteLength: (elements / blockSize) * blockBytes };
}

function placeTensors(
  reader: ByteReader,
  infos: TensorHeader[],
  dataStart: number,
  alignment: number,
  fileSize: number,
): GgufTensorInfo[] {
  const names = new Set<string>();
  const tensors = infos.map((info) => {
    if (names.has(info.name))
      throw reader.error(`tensor '${info.name}' appears twice`, "unique tensor names");
    names.add(info.name);
    const fileOffset = dataStart + info.offset;
    if (info.offset % alignment !== 0 || fileOffset + info.byteLength > fileSize)
      throw reader.error(
        `tensor '${info.name}' (${info.byteLength} bytes at data offset ${info.offset}) lies outside the file of ${fileSize} bytes or is unaligned`,
        `tensor data inside the file, each aligned to ${alignment} bytes`,
      );
    return {
      name: info.name,
      dimensions: info.dimensions,
      type: info.type,
      fileOffset,
      byteLength: info.byteLength,
    };
  });
  const byOffset = [...tensors].sort((left, right) => left.fileOffset - right.fileOffset);
  for (let index = 1; index < byOffset.length; index++) {
    const previous = byOffset[index - 1];
    if (previous.fileOffset + previous.byteLength > byOffset[index].fileOffset)
      throw reader.error(
        `tensors '${previous.name}' and '${byOffset[index].name}' overlap`,
        "disjoint tensor data",
      );
  }
  return tensors;
}

/** Checks what llama.cpp needs of a chat model's tokenizer, which it would otherwise fail on while loading. */
export function validateTokenizer(header: GgufHeader, path?: string): string[] {
  const fail = (problem: string, expected: string) => new CorruptFileError(problem, { path, expected });
  const tokens = header.metadata.get("tokenizer.ggml.tokens");
  if (!Array.isArray(tokens) || tokens.length === 0 || !tokens.every((token) => typeof token === "string"))
    throw fail(
      "tokenizer.ggml.tokens is missing or not a list of strings",
      "the vocabulary as a string array",
    );
  if (typeof header.metadata.get("tokenizer.ggml.model") !== "string")
    throw fail("tokenizer.ggml.model is missing", 'the tokenizer type, e.g. "gpt2" or "llama"');
  const types = header.metadata.get("tokenizer.ggml.token_type");
  if (types !== undefined && (!Array.isArray(types) || types.length !== tokens.length))
    throw fail("tokenizer.ggml.token_type does not match the vocabulary", `${tokens.length} token types`);
  const embedding = header.tensors.find((tensor) => tensor.name === "token_embd.weight");
  if (embedding && embedding.dimensions[1] !== tokens.length)
    throw fail(
      `token_embd.weight has ${embedding.dimensions[1]} rows for ${tokens.length} tokens`,
      "one embedding row per token",
    );
  return tokens as string[];
}
