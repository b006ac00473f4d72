import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../errors.ts";
import { parameterCounts, parameterLayout, resolveModelConfig } from "./config.ts";

const small = { dim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, headSize: 16, ffnDim: 128, vocabSize: 100 };

describe("model config", () => {
  it("fills documented defaults", () => {
    const config = resolveModelConfig();
    expect(config).toMatchObject({ dim: 256, nLayers: 4, nHeads: 8, nKvHeads: 4, headSize: 32, ffnDim: 704 });
    expect(config).toMatchObject({ nExperts: 0, nExpertsUsed: 0, tieEmbeddings: true, ropeTheta: 10000 });
    expect(resolveModelConfig({ nExperts: 4 }).nExpertsUsed).toBe(2);
  });

  it("counts total and active parameters (counted by hand)", () => {
    expect(parameterCounts(resolveModelConfig(small))).toEqual({ total: 80448, activePerToken: 80448 });
    const moe = resolveModelConfig({ ...small, nExperts: 4, nExpertsUsed: 2 });
    expect(parameterCounts(moe)).toEqual({ total: 228416, activePerToken: 130112 });
    const untied = resolveModelConfig({ ...small, tieEmbeddings: false });
    expect(parameterCounts(untied).total).toBe(80448 + 6400);
  });

  it("lays tensors out back to back with GGUF names", () => {
    const layout = parameterLayout(resolveModelConfig(small));
    expect(layout[0]).toEqual({ name: "token_embd.weight", shape: [100, 64], offset: 0, size: 6400 });
    expect(layout[2]).toMatchObject({ name: "blk.0.attn_q.weight", shape: [64, 64], offset: 6464 });
    for (let i = 1; i < layout.length; i++)
      expect(layout[i].offset).toBe(layout[i - 1].offset + layout[i - 1].size);
    expect(layout.at(-1)?.name).toBe("output_norm.weight");
  });

  it("rejects inconsistent configs, naming the field", () => {
    expect(() => resolveModelConfig({ nHeads: 6, nKvHeads: 4 })).toThrow(
      /nKvHeads 4 does not divide nHeads 6/,
    );
    expect(() => resolveModelConfig({ dim: 0 })).toThrow(InvalidInputError);
    expect(() => resolveModelConfig({ nExperts: 1 })).toThrow(/nExperts is 1/);
    expect(() => resolveModelConfig({ nExperts: 4, nExpertsUsed: 5 })).toThrow(/nExpertsUsed is 5/);
    expect(() => resolveModelConfig({ headSize: 15 })).toThrow(/headSize/);
  });
});
