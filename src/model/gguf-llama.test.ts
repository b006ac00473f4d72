import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fixtureConfig, fixtureModel, fixtureTokenizer } from "../../test/helpers/model-fixtures.ts";
import { firstDifference } from "../../test/helpers/seeded-random.ts";
import { CorruptFileError, InvalidInputError } from "../errors.ts";
import type { ModelConfig } from "./config.ts";
import { float16BitsToFloat32, float32ToFloat16Bits } from "./float16.ts";
import type { GgufValue } from "./gguf.ts";
import { exportGguf, importGguf, llamaGgufContents, type ModelFiles } from "./gguf-llama.ts";
import { readGguf } from "./gguf-read.ts";
import { type GgufWriteInput, writeGguf } from "./gguf-write.ts";

const directory = mkdtempSync(join(tmpdir(), "cogcore-gguf-llama-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function modelFiles(moe: boolean, overrides: Partial<ModelConfig> = {}): ModelFiles {
  const config = fixtureConfig({ moe, overrides });
  const model = fixtureModel(config, 7);
  return { config: model.config, params: model.params, tokenizer: fixtureTokenizer() };
}

/** Config as stored in GGUF: the two float fields are float32 there. */
function asStored(config: ModelConfig): ModelConfig {
  return { ...config, ropeTheta: Math.fround(config.ropeTheta), normEps: Math.fround(config.normEps) };
}

describe("llama GGUF export and import", () => {
  for (const moe of [false, true]) {
    it(`round-trips a ${moe ? "MoE" : "dense"} model, its configuration and tokenizer exactly in F32`, () => {
      const files = modelFiles(moe);
      const path = join(directory, `${moe ? "moe" : "dense"}.gguf`);
      exportGguf(path, files);
      const imported = importGguf(path);
      expect(imported.config).toEqual(asStored(files.config));
      expect(firstDifference(imported.params, files.params)).toBe(-1);
      expect(imported.tokenizer.toJSON()).toEqual(files.tokenizer.toJSON());
      const metadata = readGguf(path).metadata;
      expect(metadata.get("general.architecture")?.value).toBe("llama");
      expect(metadata.get("tokenizer.ggml.model")?.value).toBe("gpt2");
      expect(metadata.get("tokenizer.ggml.pre")?.value).toBe("qwen2");
      expect(metadata.get("tokenizer.ggml.pretokenizer")?.value).toMatch(/\|\\p\{N\}\|/); // single digits
      expect(metadata.get("llama.expert_count")?.value).toBe(moe ? 4 : undefined);
    });
  }

  it("stores matrices as F16 (norms stay F32) when asked", () => {
    const files = modelFiles(false);
    const path = join(directory, "half.gguf");
    exportGguf(path, files, { type: "F16" });
    const file = readGguf(path);
    expect(file.tensors.find((t) => t.name === "blk.0.attn_q.weight")?.type).toBe("F16");
    expect(file.tensors.find((t) => t.name === "blk.0.attn_norm.weight")?.type).toBe("F32");
    const imported = importGguf(path);
    const rounded = files.params.map((x) => float16BitsToFloat32(float32ToFloat16Bits(x)));
    expect(firstDifference(imported.params, rounded)).toBe(-1);
  });

  it("pads the vocabulary with unused tokens when the model's is larger than the tokenizer's", () => {
    const files = modelFiles(false, { vocabSize: fixtureTokenizer().vocabSize + 12 });
    const path = join(directory, "padded.gguf");
    exportGguf(path, files);
    const tokens = readGguf(path).metadata.get("tokenizer.ggml.tokens")?.value as string[];
    expect(tokens).toHaveLength(files.config.vocabSize);
    expect(tokens.at(-1)).toBe("<|unused_11|>");
    expect(importGguf(path).tokenizer.vocabSize).toBe(fixtureTokenizer().vocabSize);
    expect(() => llamaGgufContents(modelFiles(false, { vocabSize: 300 }))).toThrow(InvalidInputError);
  });
});

/** Writes the model's GGUF after `edit` changed its contents; returns the path. */
function editedGguf(
  name: string,
  edit: (contents: GgufWriteInput & { metadata: Array<[string, GgufValue]> }) => void,
): string {
  const contents = llamaGgufContents(modelFiles(true)) as GgufWriteInput & {
    metadata: Array<[string, GgufValue]>;
  };
  contents.metadata = [...contents.metadata];
  edit(contents);
  const path = join(directory, `${name}.gguf`);
  writeGguf(path, contents);
  return path;
}

const drop = (key: string) => (contents: { metadata: Array<[string, GgufValue]> }) => {
  contents.metadata = contents.metadata.filter(([k]) => k !== key);
};
const replace = (key: string, value: GgufValue) => (contents: { metadata: Array<[string, GgufValue]> }) => {
  contents.metadata = contents.metadata.map(([k, v]) => [k, k === key ? value : v]);
};

describe("llama GGUF validation (what would otherwise reach llama.cpp)", () => {
  const cases: Array<
    [string, (contents: GgufWriteInput & { metadata: Array<[string, GgufValue]> }) => void, RegExp]
  > = [
    [
      "missing feed_forward_length",
      drop("llama.feed_forward_length"),
      /'llama.feed_forward_length' is missing/,
    ],
    ["missing head_count", drop("llama.attention.head_count"), /'llama.attention.head_count' is missing/],
    [
      "missing rms epsilon",
      drop("llama.attention.layer_norm_rms_epsilon"),
      /layer_norm_rms_epsilon' is missing/,
    ],
    [
      "head count as a string",
      replace("llama.attention.head_count", { type: "string", value: "4" }),
      /head_count' is a string/,
    ],
    ["zero layers", replace("llama.block_count", { type: "uint32", value: 0 }), /block_count' is 0/],
    ["600 layers", replace("llama.block_count", { type: "uint32", value: 600 }), /block_count' is 600/],
    [
      "kv heads not dividing heads",
      replace("llama.attention.head_count_kv", { type: "uint32", value: 3 }),
      /does not divide/,
    ],
    [
      "more experts used than exist",
      replace("llama.expert_used_count", { type: "uint32", value: 5 }),
      /expert_used_count' is 5/,
    ],
    [
      "negative epsilon",
      replace("llama.attention.layer_norm_rms_epsilon", { type: "float32", value: -1 }),
      /positive/,
    ],
    [
      "RoPE dimension unlike head size",
      replace("llama.rope.dimension_count", { type: "uint32", value: 4 }),
      /differs from the head size/,
    ],
    ["another architecture", replace("general.architecture", { type: "string", value: "qwen2" }), /"llama"/],
    ["another pre-tokenizer", replace("tokenizer.ggml.pre", { type: "string", value: "llama3" }), /"qwen2"/],
    [
      "another pre-tokenizer regex",
      replace("tokenizer.ggml.pretokenizer", { type: "string", value: "\\p{N}{1,3}" }),
      /tokenizer.ggml.pretokenizer/,
    ],
    [
      "an unknown llama key",
      (c) => c.metadata.push(["llama.rope.scaling.type", { type: "string", value: "yarn" }]),
      /unexpected metadata 'llama.rope.scaling.type'/,
    ],
    [
      "bos out of range",
      replace("tokenizer.ggml.bos_token_id", { type: "uint32", value: 100000 }),
      /bos_token_id' is 100000/,
    ],
    [
      "token types of the wrong length",
      replace("tokenizer.ggml.token_type", { type: "array", itemType: "int32", value: [1, 1] }),
      /token types/,
    ],
    [
      "a merge that is not a token",
      (c) => {
        const merges = c.metadata.find(([k]) => k === "tokenizer.ggml.merges")![1] as { value: string[] };
        merges.value = ["Ġ Ġ", ...merges.value.slice(1)];
      },
      /does not join two known tokens/,
    ],
    [
      "a renamed token",
      (c) => {
        const tokens = c.metadata.find(([k]) => k === "tokenizer.ggml.tokens")![1] as { value: string[] };
        tokens.value = tokens.value.map((token, id) => (id === 300 ? "zzz" : token));
      },
      /token 300 "zzz"/,
    ],
    [
      "a missing tensor",
      (c) => {
        c.tensors = c.tensors.filter((t) => t.name !== "blk.1.ffn_up_exps.weight");
      },
      /tensors/,
    ],
    [
      "a transposed tensor",
      (c) => {
        c.tensors = c.tensors.map((t) =>
          t.name === "blk.0.attn_k.weight" ? { ...t, shape: [...t.shape].reverse() } : t,
        );
      },
      /'blk.0.attn_k.weight' is shape \(32, 16\)/,
    ],
  ];
  for (const [name, edit, message] of cases) {
    it(`rejects ${name} with a CorruptFileError`, () => {
      const path = editedGguf(name.replaceAll(" ", "-"), edit);
      expect(() => importGguf(path)).toThrow(CorruptFileError);
      expect(() => importGguf(path)).toThrow(message);
    });
  }
});
