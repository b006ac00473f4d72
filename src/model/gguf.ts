/**
 * GGUF v3 in memory: metadata values with their GGUF types, and tensor descriptions. The file layout
 * (https://github.com/ggml-org/ggml/blob/master/docs/gguf.md), little-endian throughout:
 *
 *   "GGUF" · version u32 (3) · tensor count u64 · metadata count u64
 *   metadata: key string · value type u32 · value            (string = length u64 · UTF-8 bytes)
 *             an array value is: item type u32 · count u64 · items
 *   tensor infos: name string · n_dims u32 · ne[n_dims] u64 (ne0 = innermost) · ggml type u32 · offset u64
 *   padding to `general.alignment` (default 32) · tensor data, each tensor aligned, offsets relative to here
 */

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;
/** llama.cpp's GGML_MAX_NAME: tensor names must be shorter. */
export const GGML_MAX_NAME = 64;
export const GGML_MAX_DIMS = 4;

/** Metadata value types, by their GGUF numeric code. */
export const GGUF_VALUE_TYPES = [
  "uint8",
  "int8",
  "uint16",
  "int16",
  "uint32",
  "int32",
  "float32",
  "bool",
  "string",
  "array",
  "uint64",
  "int64",
  "float64",
] as const;

export type GgufValueType = (typeof GGUF_VALUE_TYPES)[number];
export type GgufNumberType =
  | "uint8"
  | "int8"
  | "uint16"
  | "int16"
  | "uint32"
  | "int32"
  | "float32"
  | "float64";
export type GgufBigintType = "uint64" | "int64";
export type GgufScalarType = Exclude<GgufValueType, "array">;

export type GgufScalar =
  | { type: GgufNumberType; value: number }
  | { type: GgufBigintType; value: bigint }
  | { type: "bool"; value: boolean }
  | { type: "string"; value: string };

/** A metadata value. Arrays hold scalars of one type (llama.cpp does not support nested arrays). */
export type GgufValue =
  | GgufScalar
  | { type: "array"; itemType: GgufNumberType; value: number[] }
  | { type: "array"; itemType: GgufBigintType; value: bigint[] }
  | { type: "array"; itemType: "bool"; value: boolean[] }
  | { type: "array"; itemType: "string"; value: string[] };

/** Tensor element types we read and write, with their ggml type codes. */
export const GGML_TYPES = { F32: 0, F16: 1 } as const;
export type GgmlTypeName = keyof typeof GGML_TYPES;

/** Names of the other ggml types, for error messages (code → name). */
export const GGML_TYPE_NAMES: Record<number, string> = {
  0: "F32",
  1: "F16",
  2: "Q4_0",
  3: "Q4_1",
  6: "Q5_0",
  7: "Q5_1",
  8: "Q8_0",
  9: "Q8_1",
  10: "Q2_K",
  11: "Q3_K",
  12: "Q4_K",
  13: "Q5_K",
  14: "Q6_K",
  15: "Q8_K",
  24: "I8",
  25: "I16",
  26: "I32",
  27: "I64",
  28: "F64",
  30: "BF16",
};

export function bytesPerElement(type: GgmlTypeName): number {
  return type === "F32" ? 4 : 2;
}

export interface GgufTensor {
  name: string;
  /** Row-major shape as in PyTorch, outermost first: (out, in). The file stores it reversed (ne0 = in). */
  shape: number[];
  type: GgmlTypeName;
  /** (product of shape) the values, converted to F32 when stored as F16. */
  data: Float32Array;
}

export interface GgufFile {
  version: number;
  /** Metadata in file order. */
  metadata: Map<string, GgufValue>;
  tensors: GgufTensor[];
  alignment: number;
}

export function alignTo(offset: number, alignment: number): number {
  return Math.ceil(offset / alignment) * alignment;
}
