import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CorruptFileError, InvalidInputError, NotFoundError } from "../errors.ts";
import { ByteWriter } from "./byte-writer.ts";
import { float16BitsToFloat32, float32ToFloat16Bits } from "./float16.ts";
import type { GgufTensor, GgufValue } from "./gguf.ts";
import { parseGguf, readGguf } from "./gguf-read.ts";
import { encodeGguf, writeGguf } from "./gguf-write.ts";

const directory = mkdtempSync(join(tmpdir(), "cogcore-gguf-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function concat(chunks: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(chunks));
}

const METADATA: Array<[string, GgufValue]> = [
  ["general.architecture", { type: "string", value: "llama" }],
  ["test.u8", { type: "uint8", value: 255 }],
  ["test.i8", { type: "int8", value: -128 }],
  ["test.u16", { type: "uint16", value: 65535 }],
  ["test.i16", { type: "int16", value: -32768 }],
  ["test.u32", { type: "uint32", value: 4294967295 }],
  ["test.i32", { type: "int32", value: -2147483648 }],
  ["test.f32", { type: "float32", value: Math.fround(1e-5) }],
  ["test.f64", { type: "float64", value: Math.PI }],
  ["test.u64", { type: "uint64", value: 2n ** 64n - 1n }],
  ["test.i64", { type: "int64", value: -(2n ** 63n) }],
  ["test.bool", { type: "bool", value: true }],
  ["test.utf8", { type: "string", value: "ĠÇa 東京 😀" }],
  ["test.strings", { type: "array", itemType: "string", value: ["a", "", "Ġb c"] }],
  ["test.ints", { type: "array", itemType: "int32", value: [1, -2, 3] }],
  ["test.empty", { type: "array", itemType: "float32", value: [] }],
];

function tensors(): GgufTensor[] {
  const values = (n: number, scale: number) =>
    Float32Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i + scale) * scale));
  return [
    { name: "vector", shape: [5], type: "F32", data: values(5, 1) },
    { name: "matrix", shape: [3, 7], type: "F32", data: values(21, 2) },
    { name: "half", shape: [2, 3, 5], type: "F16", data: values(30, 3) },
    { name: "four.dims", shape: [2, 1, 3, 2], type: "F32", data: values(12, 4) },
  ];
}

describe("GGUF writer and reader", () => {
  it("round-trips every metadata type and F32/F16 tensors of 1 to 4 dimensions", () => {
    const path = join(directory, "roundtrip.gguf");
    writeGguf(path, { metadata: METADATA, tensors: tensors() });
    const file = readGguf(path);
    expect(file.version).toBe(3);
    expect(file.alignment).toBe(32);
    for (const [key, value] of METADATA) expect(file.metadata.get(key)).toEqual(value);
    expect(file.metadata.get("cogcore.checksum")?.value).toMatch(/^sha256:[0-9a-f]{64}$/);
    tensors().forEach((tensor, index) => {
      const read = file.tensors[index];
      expect(read.name).toBe(tensor.name);
      expect(read.shape).toEqual(tensor.shape);
      expect(read.type).toBe(tensor.type);
      const expected =
        tensor.type === "F32"
          ? tensor.data
          : tensor.data.map((x) => float16BitsToFloat32(float32ToFloat16Bits(x)));
      expect(Array.from(read.data)).toEqual(Array.from(expected));
    });
  });

  it("lays tensor data out aligned, with dimensions reversed (ne0 innermost) as llama.cpp expects", () => {
    const bytes = concat(
      encodeGguf({
        metadata: [["general.alignment", { type: "uint32", value: 64 }]],
        tensors: tensors(),
        checksum: false,
      }),
    );
    const file = parseGguf(bytes);
    expect(file.alignment).toBe(64);
    // The "matrix" tensor info: name, n_dims = 2, ne = [7, 3] (reversed), type 0, offset 64 (5 floats padded).
    const at = Buffer.from(bytes).indexOf("matrix") + 6;
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    expect([
      view.getUint32(at, true),
      Number(view.getBigUint64(at + 4, true)),
      Number(view.getBigUint64(at + 12, true)),
    ]).toEqual([2, 7, 3]);
    expect([view.getUint32(at + 20, true), Number(view.getBigUint64(at + 24, true))]).toEqual([0, 64]);
    expect(bytes.length % 64).toBe(0);
  });

  it("detects any changed byte through the checksum, and reads files without one unchecked", () => {
    const chunks = encodeGguf({ metadata: METADATA, tensors: tensors() });
    const bytes = concat(chunks);
    const changed = bytes.slice();
    changed[bytes.length - 40] ^= 0x01; // inside tensor data
    expect(() => parseGguf(changed)).toThrow(/checksum mismatch/);
    const renamed = bytes.slice();
    renamed[Buffer.from(bytes).indexOf("general.architecture") + 1] = 0x45; // "gEneral…"
    expect(() => parseGguf(renamed)).toThrow(CorruptFileError);
    const unchecked = concat(encodeGguf({ metadata: METADATA, tensors: tensors(), checksum: false }));
    unchecked[unchecked.length - 40] ^= 0x01;
    expect(parseGguf(unchecked).tensors).toHaveLength(4);
  });

  it("rejects every truncation with a CorruptFileError", () => {
    const bytes = concat(
      encodeGguf({ metadata: METADATA.slice(0, 4), tensors: tensors().slice(0, 2), checksum: false }),
    );
    for (let length = 0; length < bytes.length; length += length < 400 ? 1 : 7) {
      expect(() => parseGguf(bytes.subarray(0, length)), `length ${length}`).toThrow(CorruptFileError);
    }
  });

  it("reports a missing file as NotFoundError and refuses to write malformed tensors", () => {
    expect(() => readGguf(join(directory, "absent.gguf"))).toThrow(NotFoundError);
    const bad = (tensor: Partial<GgufTensor>) => () =>
      encodeGguf({ metadata: [], tensors: [{ ...tensors()[0], ...tensor }] });
    expect(bad({ shape: [4] })).toThrow(InvalidInputError);
    expect(bad({ name: "x".repeat(64) })).toThrow(/1\.\.63 bytes/);
    expect(bad({ shape: [1, 1, 1, 1, 5] })).toThrow(/dimensions/);
  });
});

type Step = (writer: ByteWriter) => void;

/** A hand-built GGUF file: magic, version, then the steps (counts, metadata, tensor infos, data). */
function rawGguf(steps: Step[], version = 3): Uint8Array {
  const writer = new ByteWriter();
  writer.u32(0x46554747);
  writer.u32(version);
  for (const step of steps) step(writer);
  return writer.result().slice();
}

const u8: (value: number) => Step = (value) => (writer) => writer.u8(value);
const u32: (value: number) => Step = (value) => (writer) => writer.u32(value);
const u64: (value: number | bigint) => Step = (value) => (writer) => writer.u64(value);
const zeros: (count: number) => Step = (count) => (writer) => writer.zeros(count);
const str: (text: string) => Step = (text) => (writer) => {
  writer.u64(Buffer.byteLength(text));
  writer.text(text);
};

/** Counts (1 tensor, 0 metadata) and one tensor "t" (F32 unless `type`), data 32-byte aligned. */
function oneTensor(options: { ne?: number[]; type?: number; offset?: number } = {}): Step[] {
  const ne = options.ne ?? [4];
  return [
    u64(1),
    u64(0),
    str("t"),
    u32(ne.length),
    ...ne.map((size) => u64(size)),
    u32(options.type ?? 0),
    u64(options.offset ?? 0),
    (writer) => writer.zeros(((32 - (writer.length % 32)) % 32) + 32),
  ];
}

/** Counts (0 tensors, n metadata) then the metadata steps. */
const meta = (count: number | bigint, ...steps: Step[]): Step[] => [u64(0), u64(count), ...steps];

describe("GGUF reader on hand-made malformed files", () => {
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ["bad magic", Uint8Array.from(Buffer.from("GGML\u0003\u0000\u0000\u0000")), /bad magic/],
    ["version 4", rawGguf([zeros(16)], 4), /version 4/],
    ["absurd tensor count", rawGguf([u64(2n ** 62n), u64(0)]), /tensor count/],
    ["absurd metadata count", rawGguf(meta(2n ** 40n)), /metadata count/],
    ["absurd key length", rawGguf(meta(1, u64(2n ** 60n), zeros(8))), /length of metadata key 0/],
    ["value type 13", rawGguf(meta(1, str("k"), u32(13))), /value type 13/],
    ["nested array", rawGguf(meta(1, str("k"), u32(9), u32(9), u64(1))), /array of arrays/],
    ["absurd array length", rawGguf(meta(1, str("k"), u32(9), u32(4), u64(2n ** 50n))), /length of array/],
    ["bool of 2", rawGguf(meta(1, str("k"), u32(7), u8(2))), /bool of value 2/],
    ["invalid UTF-8 key", rawGguf(meta(1, u64(2), u8(0xc3), u8(0x28), u32(4), u32(1))), /UTF-8/],
    ["empty key", rawGguf(meta(1, str(""), u32(4), u32(1))), /unique non-empty keys/],
    ["duplicate key", rawGguf(meta(2, str("k"), u32(4), u32(1), str("k"), u32(4), u32(1))), /unique/],
    ["alignment 3", rawGguf(meta(1, str("general.alignment"), u32(4), u32(3))), /power of two/],
    ["alignment as u64", rawGguf(meta(1, str("general.alignment"), u32(10), u64(32))), /power of two/],
    ["5 dimensions", rawGguf(oneTensor({ ne: [1, 1, 1, 1, 1] })), /5 dimensions/],
    ["0 dimensions", rawGguf(oneTensor({ ne: [] })), /0 dimensions/],
    ["zero-size dimension", rawGguf(oneTensor({ ne: [4, 0] })), /shape/],
    ["absurd dimension", rawGguf(oneTensor({ ne: [2 ** 40] })), /dimension 0/],
    ["huge element count", rawGguf(oneTensor({ ne: [60, 60, 60] })), /product fits/],
    ["type code 99", rawGguf(oneTensor({ type: 99 })), /type code 99/],
    ["offset past the data", rawGguf(oneTensor({ offset: 32 })), /data offset 32/],
    ["absurd offset", rawGguf(oneTensor({ offset: 2 ** 60 })), /data offset/],
    ["data cut short", rawGguf(oneTensor({ ne: [9] })), /truncated: data of tensor 't'/],
  ];

  for (const [name, bytes, message] of cases) {
    it(`rejects ${name} with a CorruptFileError naming the problem`, () => {
      expect(() => parseGguf(bytes)).toThrow(CorruptFileError);
      expect(() => parseGguf(bytes)).toThrow(message);
    });
  }

  it("rejects quantised tensors with an InvalidInputError naming the type", () => {
    const bytes = rawGguf(oneTensor({ type: 2, ne: [32] }));
    expect(() => parseGguf(bytes)).toThrow(InvalidInputError);
    expect(() => parseGguf(bytes)).toThrow(/Q4_0/);
  });

  it("accepts a minimal well-formed file", () => {
    const file = parseGguf(rawGguf(oneTensor()));
    expect(file.tensors[0]).toMatchObject({ name: "t", shape: [4], type: "F32" });
    writeFileSync(join(directory, "minimal.gguf"), rawGguf(meta(0)));
    expect(readGguf(join(directory, "minimal.gguf")).tensors).toEqual([]);
  });
});
