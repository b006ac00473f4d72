/**
 * 1,000 random mutations of valid GGUF and safetensors files — bit flips, truncations, byte insertions,
 * absurd counts, lengths and offsets, swapped types — through the same loaders the rest of cogcore uses
 * (parseGguf + llamaModelFromGguf, which guards llama.cpp; parseSafetensors + the checkpoint's tensor check).
 * Each mutated file either loads identically or fails with a typed CogcoreError; nothing else is thrown. The
 * files carry our whole-file checksum; copies without it check that the structural validation alone also
 * never lets an untyped error out (there, a flipped tensor value loads as the file now says).
 */
import { describe, expect, it } from "vitest";
import { attempt, concat, ggufFields, mutate } from "../../test/helpers/file-mutations.ts";
import { fixtureTokenizer } from "../../test/helpers/model-fixtures.ts";
import { seededRandom } from "../../test/helpers/seeded-random.ts";
import { CogcoreError } from "../errors.ts";
import { resolveModelConfig } from "./config.ts";
import { llamaGgufContents, llamaModelFromGguf } from "./gguf-llama.ts";
import { parseGguf } from "./gguf-read.ts";
import { encodeGguf } from "./gguf-write.ts";
import { CoreModel } from "./model.ts";
import { checkTensorSet, encodeSafetensors, parseSafetensors } from "./safetensors.ts";

const config = resolveModelConfig({
  dim: 8,
  nLayers: 1,
  nHeads: 2,
  nKvHeads: 1,
  ffnDim: 8,
  vocabSize: 420,
  contextLength: 16,
  nExperts: 2,
  nExpertsUsed: 1,
});
const model = CoreModel.init(config, 4);
const tokenizer = fixtureTokenizer();
const loadModel = (bytes: Uint8Array) => {
  const files = llamaModelFromGguf(parseGguf(bytes));
  return { config: files.config, params: files.params, tokenizer: files.tokenizer.toJSON() };
};
const tensors = [
  { name: "a", shape: [3, 4], data: Float32Array.from({ length: 12 }, (_, i) => i / 7) },
  { name: "b", shape: [5], data: Float32Array.from({ length: 5 }, (_, i) => -i) },
  { name: "c", shape: [2, 1, 2], data: Float32Array.from({ length: 4 }, (_, i) => i * 1e-3) },
];
const loadTensors = (bytes: Uint8Array) => {
  const file = parseSafetensors(bytes);
  checkTensorSet(file, tensors);
  return file;
};

const SUBJECTS = [
  {
    name: "GGUF model with checksum",
    bytes: concat(encodeGguf(llamaGgufContents({ config, params: model.params, tokenizer }))),
    load: loadModel,
    safetensors: false,
    identical: true,
  },
  {
    name: "GGUF model without checksum",
    bytes: concat(
      encodeGguf({ ...llamaGgufContents({ config, params: model.params, tokenizer }), checksum: false }),
    ),
    load: loadModel,
    safetensors: false,
    identical: false,
  },
  {
    name: "safetensors with checksum",
    bytes: concat(encodeSafetensors(tensors, { step: "3" })),
    load: loadTensors,
    safetensors: true,
    identical: true,
  },
  {
    name: "safetensors without checksum",
    bytes: concat(encodeSafetensors(tensors, { step: "3" }, { checksum: false })),
    load: loadTensors,
    safetensors: true,
    identical: false,
  },
];

describe("fuzzing the file readers", () => {
  for (const [index, subject] of SUBJECTS.entries()) {
    const promise = subject.identical
      ? "load identically or fail with a typed error"
      : "fail with a typed error or load (a changed tensor value is undetectable without the checksum)";
    it(`${subject.name}: 250 mutations each ${promise}`, () => {
      const original = attempt(() => subject.load(subject.bytes));
      expect(original.error).toBeUndefined();
      const { fields, headerEnd } = subject.safetensors
        ? { fields: [], headerEnd: 0 }
        : ggufFields(subject.bytes);
      if (!subject.safetensors) {
        // The field walk is right: it ends where the aligned tensor data begins, after zero padding only.
        expect(fields.length).toBeGreaterThan(100);
        expect(
          subject.bytes.subarray(headerEnd, Math.ceil(headerEnd / 32) * 32).every((byte) => byte === 0),
        ).toBe(true);
        expect(headerEnd % 32).not.toBe(0);
      }
      const random = seededRandom(1000 + index);
      const outcomes: Record<string, number> = {};
      const problems: string[] = [];
      for (let trial = 0; trial < 250; trial++) {
        const { bytes, kind } = mutate(subject.bytes, fields, random, subject.safetensors);
        const result = attempt(() => subject.load(bytes));
        const outcome =
          result.error === undefined
            ? result.value === original.value
              ? "identical"
              : "different"
            : result.error instanceof CogcoreError
              ? "typed error"
              : "untyped error";
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        if (outcome === "untyped error")
          problems.push(`${kind}: ${(result.error as Error).stack?.split("\n").slice(0, 3).join(" ")}`);
        if (outcome === "different" && (subject.identical || kind === "truncate"))
          problems.push(`${kind} loaded different contents`);
      }
      expect(problems).toEqual([]);
      expect(outcomes["typed error"]).toBeGreaterThan(100);
    });
  }
});
