import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CorruptFileError, InvalidInputError, NotFoundError } from "../../errors.ts";
import { trainTokenizer } from "../../model/bpe-train.ts";
import { resolveModelConfig } from "../../model/config.ts";
import type { GgufValue } from "../../model/gguf.ts";
import { llamaGgufContents } from "../../model/gguf-llama.ts";
import { encodeGguf, type GgufWriteInput } from "../../model/gguf-write.ts";
import { CoreModel } from "../../model/model.ts";
import { isCoreFormat } from "../llamacpp.ts";
import { parseGgufHeader, readGgufHeader, validateTokenizer } from "./gguf-header.ts";

const dir = mkdtempSync(join(tmpdir(), "cogcore-gguf-header-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bytesOf = (input: GgufWriteInput) => Buffer.concat(encodeGguf({ ...input, checksum: false }));
const str = (value: string): GgufValue => ({ type: "string", value });

/** A one-tensor file: (2, 32) F32 at data offset 0. */
function oneTensor(extra: Array<[string, GgufValue]> = []): Buffer {
  return bytesOf({
    metadata: [["general.architecture", str("test")], ...extra],
    tensors: [{ name: "w", shape: [2, 32], type: "F32", data: new Float32Array(64) }],
  });
}

/** Offset of tensor `name`'s ggml type code in a file written by encodeGguf (name, n_dims, dims…, type). */
function typeCodeOffset(bytes: Buffer, name: string, dims: number): number {
  const at = bytes.indexOf(Buffer.from(name, "utf8"), 24);
  return at + name.length + 4 + 8 * dims;
}

describe("parseGgufHeader", () => {
  it("reads the metadata and places every tensor inside the file", () => {
    const bytes = oneTensor([
      ["tokenizer.ggml.tokens", { type: "array", itemType: "string", value: ["a", "b"] }],
    ]);
    const header = parseGgufHeader(bytes, bytes.length);
    expect(header.architecture).toBe("test");
    expect(header.metadata.get("tokenizer.ggml.tokens")).toEqual(["a", "b"]);
    expect(header.tensors).toEqual([
      { name: "w", dimensions: [32, 2], type: "F32", fileOffset: bytes.length - 256, byteLength: 256 },
    ]);
  });

  it("accepts quantised tensors and sizes them by block", () => {
    const bytes = oneTensor();
    bytes.writeUInt32LE(8, typeCodeOffset(bytes, "w", 2)); // Q8_0: 2 blocks of 32 values, 34 bytes each
    expect(parseGgufHeader(bytes, bytes.length).tensors[0]).toMatchObject({ type: "Q8_0", byteLength: 68 });
  });

  it("refuses rows that are not whole blocks, unknown types, and data outside the file", () => {
    const bytes = oneTensor();
    bytes.writeUInt32LE(12, typeCodeOffset(bytes, "w", 2)); // Q4_K needs rows of 256 values
    expect(() => parseGgufHeader(bytes, bytes.length)).toThrow(/rows of 32 Q4_K values/);
    bytes.writeUInt32LE(99, typeCodeOffset(bytes, "w", 2));
    expect(() => parseGgufHeader(bytes, bytes.length)).toThrow(InvalidInputError);
    const whole = oneTensor();
    expect(() => parseGgufHeader(whole.subarray(0, whole.length - 1), whole.length - 1)).toThrow(
      /lies outside the file/,
    );
  });

  it("refuses a bad magic, absurd counts and a truncated header, as CorruptFileError", () => {
    const bytes = oneTensor();
    const badMagic = Buffer.from(bytes);
    badMagic.write("GGUX", 0);
    expect(() => parseGgufHeader(badMagic, bytes.length)).toThrow(/bad magic/);
    const hugeCount = Buffer.from(bytes);
    hugeCount.writeBigUInt64LE(2n ** 60n, 16);
    expect(() => parseGgufHeader(hugeCount, bytes.length)).toThrow(CorruptFileError);
    expect(() => parseGgufHeader(bytes.subarray(0, 40), bytes.length)).toThrow(CorruptFileError);
  });

  it("reads a file from disk, growing its read until the header is whole", () => {
    const path = join(dir, "one.gguf");
    writeFileSync(path, oneTensor([["big", str("x".repeat(3 << 20))]]));
    expect(readGgufHeader(path).tensors).toHaveLength(1);
    expect(() => readGgufHeader(join(dir, "missing.gguf"))).toThrow(NotFoundError);
  });
});

describe("validateTokenizer and isCoreFormat", () => {
  const tokenizer = trainTokenizer(["hello world"], { vocabSize: 270, progress: false });
  const config = resolveModelConfig({
    dim: 8,
    nLayers: 1,
    nHeads: 1,
    ffnDim: 16,
    vocabSize: tokenizer.vocabSize,
    contextLength: 16,
  });
  const contents = llamaGgufContents({ config, params: CoreModel.init(config, 1).params, tokenizer });

  it("tells our core export from a chat-template model", () => {
    const core = bytesOf(contents);
    expect(isCoreFormat(parseGgufHeader(core, core.length))).toBe(true);
    const template: [string, GgufValue] = ["tokenizer.chat_template", str("{{ messages }}")];
    const chat = bytesOf({ ...contents, metadata: [...contents.metadata, template] });
    const header = parseGgufHeader(chat, chat.length);
    expect(isCoreFormat(header)).toBe(false);
    expect(validateTokenizer(header)).toHaveLength(tokenizer.vocabSize);
  });

  it("refuses a vocabulary that does not match the embedding rows", () => {
    const metadata = [...contents.metadata].map(([key, value]): [string, GgufValue] =>
      key === "tokenizer.ggml.tokens" && value.type === "array" && value.itemType === "string"
        ? [key, { ...value, value: value.value.slice(0, -1) }]
        : [key, value],
    );
    const bytes = bytesOf({ ...contents, metadata });
    expect(() => validateTokenizer(parseGgufHeader(bytes, bytes.length))).toThrow(/token types|rows/);
  });
});
