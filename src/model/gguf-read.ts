/**
 * GGUF reader for untrusted files. Every count, length, type, shape and offset is checked against the bytes
 * actually present before it is used, with llama.cpp's own rules (tensor data contiguous in order, each
 * tensor aligned, names < 64 bytes, no duplicate keys or tensor names), so a file this reader accepts does not
 * trip llama.cpp's loader. A truncated, corrupt or absurd file throws CorruptFileError naming the problem; a
 * tensor type other than F32/F16 throws InvalidInputError. A `cogcore.checksum` field, when present, is
 * verified over the whole file.
 */
import { readFileSync, statSync } from "node:fs";
import { CorruptFileError, InvalidInputError, LimitExceededError, NotFoundError } from "../errors.ts";
import { ByteReader } from "./byte-reader.ts";
import { verifyChecksum } from "./checksum.ts";
import { fromFloat16Array } from "./float16.ts";
import {
  alignTo,
  bytesPerElement,
  GGML_MAX_DIMS,
  GGML_MAX_NAME,
  GGML_TYPE_NAMES,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_VALUE_TYPES,
  type GgmlTypeName,
  type GgufFile,
  type GgufScalarType,
  type GgufTensor,
  type GgufValue,
} from "./gguf.ts";
import { CHECKSUM_KEY } from "./gguf-write.ts";

/** Largest file we read into memory. */
export const MAX_FILE_BYTES = 2 ** 31 - 1;

const SCALAR_BYTES: Record<GgufScalarType, number> = {
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  uint32: 4,
  int32: 4,
  float32: 4,
  bool: 1,
  string: 8, // at least the length prefix
  uint64: 8,
  int64: 8,
  float64: 8,
};

export function readString(reader: ByteReader, what: string): string {
  const length = reader.count(`length of ${what}`);
  return reader.utf8(length, what);
}

export function readValueType(reader: ByteReader, what: string): (typeof GGUF_VALUE_TYPES)[number] {
  const code = reader.u32(`type of ${what}`);
  const type = GGUF_VALUE_TYPES[code];
  if (type === undefined) throw reader.error(`${what} has value type ${code}`, "a GGUF value type 0..12");
  return type;
}

export function readScalar(
  reader: ByteReader,
  type: GgufScalarType,
  what: string,
): number | bigint | boolean | string {
  switch (type) {
    case "uint8":
      return reader.u8(what);
    case "int8":
      return (reader.u8(what) << 24) >> 24;
    case "uint16":
      return reader.u8(what) | (reader.u8(what) << 8);
    case "int16":
      return ((reader.u8(what) | (reader.u8(what) << 8)) << 16) >> 16;
    case "uint32":
      return reader.u32(what);
    case "int32":
      return reader.i32(what);
    case "float32":
      return reader.f32(what);
    case "float64":
      return reader.f64(what);
    case "uint64":
      return reader.u64(what);
    case "int64":
      return reader.i64(what);
    case "bool": {
      const byte = reader.u8(what);
      if (byte > 1) throw reader.error(`${what} is a bool of value ${byte}`, "0 or 1");
      return byte === 1;
    }
    case "string":
      return readString(reader, what);
  }
}

function readValue(reader: ByteReader, key: string): GgufValue {
  const type = readValueType(reader, `metadata '${key}'`);
  if (type !== "array") return { type, value: readScalar(reader, type, `metadata '${key}'`) } as GgufValue;
  const itemType = readValueType(reader, `items of metadata '${key}'`);
  if (itemType === "array")
    throw reader.error(`metadata '${key}' is an array of arrays`, "arrays of scalars");
  const count = reader.count(`length of array '${key}'`, SCALAR_BYTES[itemType]);
  const items: unknown[] = new Array(count);
  for (let index = 0; index < count; index++)
    items[index] = readScalar(reader, itemType, `'${key}'[${index}]`);
  return { type, itemType, value: items } as GgufValue;
}

interface TensorInfo {
  name: string;
  shape: number[];
  type: GgmlTypeName;
  offset: number;
  elements: number;
}

function readTensorInfo(reader: ByteReader, index: number, names: Set<string>): TensorInfo {
  const name = readString(reader, `name of tensor ${index}`);
  if (name.length === 0 || Buffer.byteLength(name) >= GGML_MAX_NAME || names.has(name)) {
    throw reader.error(
      `tensor ${index} is named ${JSON.stringify(name.slice(0, 80))}`,
      `a unique name of 1..${GGML_MAX_NAME - 1} bytes`,
    );
  }
  names.add(name);
  const dims = reader.u32(`dimension count of '${name}'`);
  if (dims < 1 || dims > GGML_MAX_DIMS)
    throw reader.error(`tensor '${name}' has ${dims} dimensions`, `1..${GGML_MAX_DIMS}`);
  const sizes: number[] = [];
  let elements = 1;
  for (let dim = 0; dim < dims; dim++) {
    const size = reader.u64AsNumber(`dimension ${dim} of '${name}'`, reader.bytes.length);
    elements *= size;
    if (size < 1 || elements > reader.bytes.length) {
      throw reader.error(
        `tensor '${name}' has shape [${sizes.concat(size).join(", ")}…]`,
        "dimensions of at least 1 whose product fits in the file",
      );
    }
    sizes.push(size);
  }
  const code = reader.u32(`type of '${name}'`);
  const type = code === 0 ? "F32" : code === 1 ? "F16" : undefined;
  if (!type) {
    const typeName = GGML_TYPE_NAMES[code];
    if (typeName)
      throw new InvalidInputError(`${reader.path ?? "GGUF"}: tensor '${name}' has type ${typeName}`, {
        expected: "F32 or F16 tensors (quantised files are not supported)",
      });
    throw reader.error(`tensor '${name}' has type code ${code}`, "a ggml type (0 = F32, 1 = F16)");
  }
  const offset = reader.u64AsNumber(`data offset of '${name}'`, reader.bytes.length);
  return { name, shape: sizes.reverse(), type, offset, elements };
}

function readMetadata(
  reader: ByteReader,
  count: number,
): { metadata: Map<string, GgufValue>; checksumAt: number } {
  const metadata = new Map<string, GgufValue>();
  let checksumAt = -1;
  for (let index = 0; index < count; index++) {
    const key = readString(reader, `metadata key ${index}`);
    if (key.length === 0 || metadata.has(key))
      throw reader.error(
        `metadata key ${index} is ${JSON.stringify(key.slice(0, 80))}`,
        "unique non-empty keys",
      );
    if (key === CHECKSUM_KEY) checksumAt = reader.position + 4 + 8;
    metadata.set(key, readValue(reader, key));
  }
  return { metadata, checksumAt };
}

function readAlignment(reader: ByteReader, metadata: Map<string, GgufValue>): number {
  const value = metadata.get("general.alignment");
  if (value === undefined) return GGUF_DEFAULT_ALIGNMENT;
  const alignment = value.type === "uint32" ? value.value : 0;
  if (!(alignment > 0 && (alignment & (alignment - 1)) === 0)) {
    throw reader.error(
      `general.alignment is ${String(value.value).slice(0, 40)} (${value.type})`,
      "a uint32 power of two",
    );
  }
  return alignment;
}

function readTensorData(reader: ByteReader, info: TensorInfo): Float32Array {
  const byteLength = info.elements * bytesPerElement(info.type);
  const bytes = new Uint8Array(reader.take(byteLength, `data of tensor '${info.name}'`)); // copy: aligned, owned
  return info.type === "F32"
    ? new Float32Array(bytes.buffer)
    : fromFloat16Array(new Uint16Array(bytes.buffer));
}

/** Parses a whole GGUF file held in memory. */
export function parseGguf(bytes: Uint8Array, path?: string): GgufFile {
  const reader = new ByteReader(bytes, path);
  const magic = reader.u32("magic");
  if (magic !== GGUF_MAGIC) throw reader.error("not a GGUF file (bad magic)", 'the 4 bytes "GGUF"');
  const version = reader.u32("version");
  if (version !== 2 && version !== 3) throw reader.error(`GGUF version ${version}`, "version 3 (or 2)");
  const tensorCount = reader.count("tensor count", 24);
  const metadataCount = reader.count("metadata count", 12);
  const { metadata, checksumAt } = readMetadata(reader, metadataCount);
  const alignment = readAlignment(reader, metadata);
  const names = new Set<string>();
  const infos: TensorInfo[] = [];
  for (let index = 0; index < tensorCount; index++) infos.push(readTensorInfo(reader, index, names));
  const dataStart = tensorCount > 0 ? alignTo(reader.position, alignment) : reader.position;
  reader.need(dataStart - reader.position, "padding before tensor data");
  let expectedOffset = 0;
  const tensors: GgufTensor[] = infos.map((info) => {
    if (info.offset !== expectedOffset) {
      throw reader.error(
        `tensor '${info.name}' has data offset ${info.offset}`,
        `${expectedOffset} (tensors stored contiguously, each aligned to ${alignment})`,
      );
    }
    reader.position = dataStart + info.offset;
    const data = readTensorData(reader, info);
    expectedOffset = alignTo(info.offset + data.length * bytesPerElement(info.type), alignment);
    return { name: info.name, shape: info.shape, type: info.type, data };
  });
  reader.position = dataStart;
  reader.need(expectedOffset, "padding after the last tensor");
  const checksum = metadata.get(CHECKSUM_KEY);
  if (checksum) {
    if (checksum.type !== "string") throw reader.error(`${CHECKSUM_KEY} is a ${checksum.type}`, "a string");
    verifyChecksum(bytes, checksumAt, checksum.value, path);
  }
  return { version, metadata, tensors, alignment };
}

/** Reads and parses a GGUF file; NotFoundError if it does not exist. */
export function readGguf(path: string): GgufFile {
  return parseGguf(readWholeFile(path, "GGUF"), path);
}

/** A file's bytes, refusing missing files, directories and files too large to hold in memory. */
export function readWholeFile(path: string, kind: string): Uint8Array {
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile())
      throw new CorruptFileError(`not a regular file`, { path, expected: `a ${kind} file` });
    size = stat.size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      throw new NotFoundError(`no ${kind} file at ${path}`);
    throw error;
  }
  if (size > MAX_FILE_BYTES) {
    throw new LimitExceededError("memory", `${path}: ${size} bytes is too large to load`, {
      expected: `at most ${MAX_FILE_BYTES} bytes`,
    });
  }
  return readFileSync(path);
}
