/**
 * safetensors files (https://github.com/huggingface/safetensors): an 8-byte little-endian header length, a
 * JSON header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}, then the
 * tensor bytes. We write F32 tensors back to back in the given order, with a whole-file checksum in
 * `__metadata__.checksum` (see checksum.ts), atomically. The reader checks every field before use: the
 * header length, the JSON, each dtype, shape and offset range, that tensors neither overlap nor leave holes.
 */
import { CorruptFileError, InvalidInputError } from "../errors.ts";
import { writeFileAtomic } from "./atomic-file.ts";
import { ByteReader } from "./byte-reader.ts";
import { CHECKSUM_PLACEHOLDER, sealChecksum, verifyChecksum } from "./checksum.ts";
import { readWholeFile } from "./gguf-read.ts";

export interface NamedTensor {
  name: string;
  /** Row-major shape. */
  shape: number[];
  /** (product of shape) values. */
  data: Float32Array;
}

export interface SafetensorsFile {
  /** Tensors in data order. */
  tensors: NamedTensor[];
  /** `__metadata__` strings (the checksum included). */
  metadata: Record<string, string>;
}

/** Largest JSON header we accept (the format's own reference limit is 100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = "__metadata__";

/** The bytes of a safetensors file: header chunk, then each tensor's data. */
export function encodeSafetensors(
  tensors: NamedTensor[],
  metadata: Record<string, string> = {},
  options: { checksum?: boolean } = {},
): Uint8Array[] {
  const checksum = options.checksum ?? true;
  const header: Record<string, unknown> = {
    [METADATA_KEY]: checksum ? { ...metadata, checksum: CHECKSUM_PLACEHOLDER } : metadata,
  };
  let offset = 0;
  for (const tensor of tensors) {
    const elements = tensor.shape.reduce((a, b) => a * b, 1);
    if (
      tensor.name === METADATA_KEY ||
      Object.hasOwn(header, tensor.name) ||
      elements !== tensor.data.length
    ) {
      throw new InvalidInputError(`cannot write tensor '${tensor.name}'`, {
        expected: `a unique name and ${elements} values for shape (${tensor.shape.join(", ")})`,
      });
    }
    header[tensor.name] = {
      dtype: "F32",
      shape: tensor.shape,
      data_offsets: [offset, offset + 4 * elements],
    };
    offset += 4 * elements;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8); // data starts 8-byte aligned
  const jsonBytes = new TextEncoder().encode(json);
  const headerBytes = new Uint8Array(8 + jsonBytes.length);
  new DataView(headerBytes.buffer).setBigUint64(0, BigInt(jsonBytes.length), true);
  headerBytes.set(jsonBytes, 8);
  const data = tensors.map(
    (tensor) => new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength),
  );
  if (checksum) sealChecksum(headerBytes, 8 + Buffer.from(jsonBytes).indexOf(CHECKSUM_PLACEHOLDER), data);
  return [headerBytes, ...data];
}

/** Writes a safetensors file atomically. */
export function writeSafetensors(
  path: string,
  tensors: NamedTensor[],
  metadata: Record<string, string> = {},
): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

interface Entry {
  name: string;
  shape: number[];
  begin: number;
  end: number;
}

function parseEntry(reader: ByteReader, name: string, value: unknown, dataLength: number): Entry {
  const fail = (problem: string, expected: string) => reader.error(`tensor '${name}' ${problem}`, expected);
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw fail("is not an object", "{dtype, shape, data_offsets}");
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (dtype !== "F32") {
    if (typeof dtype === "string" && /^[A-Z0-9_]{1,16}$/.test(dtype)) {
      throw new InvalidInputError(`${reader.path ?? "safetensors"}: tensor '${name}' has dtype ${dtype}`, {
        expected: "F32 tensors",
      });
    }
    throw fail(`has dtype ${JSON.stringify(dtype)?.slice(0, 40)}`, 'a dtype such as "F32"');
  }
  const isCount = (item: unknown): item is number => Number.isSafeInteger(item) && (item as number) >= 0;
  if (!Array.isArray(shape) || shape.length > 8 || !shape.every(isCount))
    throw fail("has a malformed shape", "at most 8 non-negative integers");
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount))
    throw fail("has malformed data_offsets", "[begin, end] byte offsets");
  const [begin, end] = offsets as number[];
  let elements = 1;
  for (const size of shape) elements = Math.min(elements * size, Number.MAX_SAFE_INTEGER);
  if (begin > end || end > dataLength || end - begin !== 4 * elements) {
    throw fail(
      `has data_offsets [${begin}, ${end}] for shape (${shape.join(", ")})`,
      `${4 * elements} bytes within the ${dataLength}-byte data section`,
    );
  }
  return { name, shape: shape as number[], begin, end };
}

function parseMetadata(reader: ByteReader, value: unknown): Record<string, string> {
  if (value === undefined) return {};
  const valid =
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((item) => typeof item === "string");
  if (!valid) throw reader.error(`${METADATA_KEY} is malformed`, "an object of strings");
  return value as Record<string, string>;
}

function parseHeader(reader: ByteReader): Record<string, unknown> {
  const headerLength = reader.count("header length", 1, MAX_HEADER_BYTES);
  const text = reader.utf8(headerLength, "JSON header");
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch {
    throw reader.error("the header is not valid JSON", "a JSON object header");
  }
  if (typeof header !== "object" || header === null || Array.isArray(header))
    throw reader.error("the header is not a JSON object", "a JSON object header");
  return header as Record<string, unknown>;
}

/** Parses a whole safetensors file held in memory. */
export function parseSafetensors(bytes: Uint8Array, path?: string): SafetensorsFile {
  const reader = new ByteReader(bytes, path);
  const header = parseHeader(reader);
  const dataStart = reader.position;
  const dataLength = bytes.length - dataStart;
  const metadata = parseMetadata(reader, header[METADATA_KEY]);
  const entries = Object.entries(header)
    .filter(([name]) => name !== METADATA_KEY)
    .map(([name, value]) => parseEntry(reader, name, value, dataLength))
    .sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const entry of entries) {
    if (entry.begin !== covered)
      throw reader.error(
        `tensor '${entry.name}' starts at byte ${entry.begin}`,
        `byte ${covered}: tensors packed without overlaps or holes`,
      );
    covered = entry.end;
  }
  if (covered !== dataLength)
    throw reader.error(
      `tensors cover ${covered} of ${dataLength} data bytes`,
      "tensors that cover the data section exactly",
    );
  if (metadata.checksum !== undefined) {
    const at = Buffer.from(bytes.buffer, bytes.byteOffset + 8, dataStart - 8).indexOf(
      `"checksum":"${metadata.checksum}"`,
    );
    if (at < 0)
      throw reader.error("checksum field is not written in the canonical form", '"checksum":"sha256:…"');
    verifyChecksum(bytes, 8 + at + '"checksum":"'.length, metadata.checksum, path);
  }
  const tensors = entries.map((entry) => ({
    name: entry.name,
    shape: entry.shape,
    data: new Float32Array(
      new Uint8Array(bytes.subarray(dataStart + entry.begin, dataStart + entry.end)).buffer,
    ),
  }));
  return { tensors, metadata };
}

/** Reads and parses a safetensors file. */
export function readSafetensors(path: string): SafetensorsFile {
  return parseSafetensors(readWholeFile(path, "safetensors"), path);
}

/** Throws CorruptFileError unless `tensors` are exactly the `expected` names and shapes. */
export function checkTensorSet(
  file: SafetensorsFile,
  expected: Array<{ name: string; shape: number[] }>,
  path?: string,
): Map<string, NamedTensor> {
  const byName = new Map(file.tensors.map((tensor) => [tensor.name, tensor]));
  for (const { name, shape } of expected) {
    const tensor = byName.get(name);
    if (!tensor || tensor.shape.join(",") !== shape.join(",")) {
      throw new CorruptFileError(
        `tensor '${name}' is ${tensor ? `shape (${tensor.shape.join(", ")})` : "missing"}`,
        { path, expected: `shape (${shape.join(", ")})` },
      );
    }
  }
  if (byName.size !== expected.length) {
    const extra = [...byName.keys()].find((name) => !expected.some((tensor) => tensor.name === name));
    throw new CorruptFileError(`unexpected tensor '${extra}'`, {
      path,
      expected: `the ${expected.length} tensors of the model configuration`,
    });
  }
  return byName;
}
