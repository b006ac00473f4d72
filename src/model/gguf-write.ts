/**
 * GGUF v3 writer: metadata, tensor infos, aligned tensor data (F32 or F16), an optional whole-file checksum
 * (`cogcore.checksum`, see checksum.ts), written atomically.
 */
import { InvalidInputError } from "../errors.ts";
import { writeFileAtomic } from "./atomic-file.ts";
import { ByteWriter } from "./byte-writer.ts";
import { CHECKSUM_PLACEHOLDER, sealChecksum } from "./checksum.ts";
import { toFloat16Array } from "./float16.ts";
import {
  alignTo,
  GGML_MAX_DIMS,
  GGML_MAX_NAME,
  GGML_TYPES,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_VALUE_TYPES,
  GGUF_VERSION,
  type GgufScalarType,
  type GgufTensor,
  type GgufValue,
} from "./gguf.ts";

export const CHECKSUM_KEY = "cogcore.checksum";

export interface GgufWriteInput {
  /** Metadata in the order to write; `general.alignment` is added when missing. */
  metadata: Iterable<[string, GgufValue]>;
  /** Tensors in the order to write; data is converted to each tensor's type. */
  tensors: GgufTensor[];
  /** Add a `cogcore.checksum` field covering the whole file. Default true. */
  checksum?: boolean;
}

const SCALAR_WRITERS: Record<GgufScalarType, (writer: ByteWriter, value: unknown) => void> = {
  uint8: (writer, value) => writer.u8(value as number),
  int8: (writer, value) => writer.i8(value as number),
  uint16: (writer, value) => writer.u16(value as number),
  int16: (writer, value) => writer.i16(value as number),
  uint32: (writer, value) => writer.u32(value as number),
  int32: (writer, value) => writer.i32(value as number),
  float32: (writer, value) => writer.f32(value as number),
  float64: (writer, value) => writer.f64(value as number),
  uint64: (writer, value) => writer.u64(value as bigint),
  int64: (writer, value) => writer.i64(value as bigint),
  bool: (writer, value) => writer.u8(value ? 1 : 0),
  string: (writer, value) => {
    writer.u64(Buffer.byteLength(value as string, "utf8"));
    writer.text(value as string);
  },
};

function writeScalar(writer: ByteWriter, type: GgufScalarType, value: unknown): void {
  SCALAR_WRITERS[type](writer, value);
}

function writeValue(writer: ByteWriter, value: GgufValue): void {
  writer.u32(GGUF_VALUE_TYPES.indexOf(value.type));
  if (value.type !== "array") {
    writeScalar(writer, value.type, value.value);
    return;
  }
  writer.u32(GGUF_VALUE_TYPES.indexOf(value.itemType));
  writer.u64(value.value.length);
  for (const item of value.value) writeScalar(writer, value.itemType, item);
}

function checkTensor(tensor: GgufTensor, seen: Set<string>): void {
  const elements = tensor.shape.reduce((a, b) => a * b, 1);
  const problem =
    tensor.name.length === 0 || Buffer.byteLength(tensor.name) >= GGML_MAX_NAME
      ? `a name of 1..${GGML_MAX_NAME - 1} bytes`
      : seen.has(tensor.name)
        ? "unique tensor names"
        : tensor.shape.length < 1 ||
            tensor.shape.length > GGML_MAX_DIMS ||
            tensor.shape.some((n) => !(n >= 1))
          ? `1..${GGML_MAX_DIMS} dimensions of at least 1`
          : elements !== tensor.data.length
            ? `${elements} values for shape (${tensor.shape.join(", ")}), got ${tensor.data.length}`
            : undefined;
  if (problem) throw new InvalidInputError(`cannot write tensor '${tensor.name}'`, { expected: problem });
  seen.add(tensor.name);
}

/** The bytes of a GGUF file: header chunk, then each tensor's data and padding. */
export function encodeGguf(input: GgufWriteInput): Uint8Array[] {
  const metadata = new Map(input.metadata);
  if (!metadata.has("general.alignment"))
    metadata.set("general.alignment", { type: "uint32", value: GGUF_DEFAULT_ALIGNMENT });
  const alignmentValue = metadata.get("general.alignment")!;
  const alignment = alignmentValue.type === "uint32" ? alignmentValue.value : 0;
  if (!(alignment > 0 && (alignment & (alignment - 1)) === 0)) {
    throw new InvalidInputError("general.alignment is not a power of two", {
      expected: "a uint32 power of two",
    });
  }
  if (input.checksum ?? true) metadata.set(CHECKSUM_KEY, { type: "string", value: CHECKSUM_PLACEHOLDER });
  const header = new ByteWriter();
  header.u32(GGUF_MAGIC);
  header.u32(GGUF_VERSION);
  header.u64(input.tensors.length);
  header.u64(metadata.size);
  let checksumAt = -1;
  for (const [key, value] of metadata) {
    writeScalar(header, "string", key);
    if (key === CHECKSUM_KEY) checksumAt = header.length + 4 + 8;
    writeValue(header, value);
  }
  const seen = new Set<string>();
  const data: Uint8Array[] = [];
  let offset = 0;
  for (const tensor of input.tensors) {
    checkTensor(tensor, seen);
    writeScalar(header, "string", tensor.name);
    header.u32(tensor.shape.length);
    for (const size of [...tensor.shape].reverse()) header.u64(size);
    header.u32(GGML_TYPES[tensor.type]);
    header.u64(offset);
    const values = tensor.type === "F32" ? tensor.data : toFloat16Array(tensor.data);
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    const padded = alignTo(bytes.length, alignment);
    data.push(bytes, new Uint8Array(padded - bytes.length));
    offset += padded;
  }
  header.zeros(alignTo(header.length, alignment) - header.length);
  const headerBytes = header.result().slice();
  if (checksumAt >= 0) sealChecksum(headerBytes, checksumAt, data);
  return [headerBytes, ...data];
}

/** Writes a GGUF file atomically (a crash leaves the previous file intact). */
export function writeGguf(path: string, input: GgufWriteInput): void {
  writeFileAtomic(path, encodeGguf(input));
}
