/**
 * The core model's configuration: one typed object, a documented default per field, derived values
 * computed in one place, and the parameter layout shared by training, checkpoints and GGUF export.
 *
 * Tensor names are llama.cpp's GGUF names for the llama architecture; shapes are row-major
 * (rows, cols) as in PyTorch: a weight W of shape (out, in) computes y = W x. (GGUF lists dimensions
 * the other way round, ne0 = cols; the GGUF writer reverses them.)
 */
import { InvalidInputError } from "../errors.ts";

export interface ModelConfig {
  /** Width of the residual stream. Default 256. */
  dim: number;
  /** Transformer blocks. Default 4. */
  nLayers: number;
  /** Query heads. Default 8. */
  nHeads: number;
  /** Key/value heads (grouped-query attention when < nHeads; must divide nHeads). Default 4. */
  nKvHeads: number;
  /** Width of one head. Default dim / nHeads. */
  headSize: number;
  /** Hidden width of the SwiGLU feed-forward (of each expert, for MoE). Default 4 · dim · 2/3, rounded up to 32. */
  ffnDim: number;
  /** Tokenizer vocabulary size, special tokens included. Default 1024. */
  vocabSize: number;
  /** Longest sequence the model is trained and run on. Default 512. */
  contextLength: number;
  /** RoPE base frequency. Default 10000. */
  ropeTheta: number;
  /** RMSNorm epsilon. Default 1e-5. */
  normEps: number;
  /** Experts per feed-forward layer; 0 means a dense model. Default 0. */
  nExperts: number;
  /** Experts each token is routed to (MoE only). Default 0 (dense), 2 when nExperts > 0. */
  nExpertsUsed: number;
  /** Output projection shares the token embedding. Default true. */
  tieEmbeddings: boolean;
}

export function defaultFfnDim(dim: number): number {
  return Math.ceil((dim * 8) / 3 / 32) * 32;
}

/** Fills defaults and checks every constraint; throws InvalidInputError naming the field. */
export function resolveModelConfig(partial: Partial<ModelConfig> = {}): ModelConfig {
  const dim = partial.dim ?? 256;
  const nHeads = partial.nHeads ?? 8;
  const nExperts = partial.nExperts ?? 0;
  const config: ModelConfig = {
    dim,
    nLayers: partial.nLayers ?? 4,
    nHeads,
    nKvHeads: partial.nKvHeads ?? Math.min(4, nHeads),
    headSize: partial.headSize ?? Math.floor(dim / nHeads),
    ffnDim: partial.ffnDim ?? defaultFfnDim(dim),
    vocabSize: partial.vocabSize ?? 1024,
    contextLength: partial.contextLength ?? 512,
    ropeTheta: partial.ropeTheta ?? 10000,
    normEps: partial.normEps ?? 1e-5,
    nExperts,
    nExpertsUsed: partial.nExpertsUsed ?? (nExperts > 0 ? 2 : 0),
    tieEmbeddings: partial.tieEmbeddings ?? true,
  };
  validateModelConfig(config);
  return config;
}

export function validateModelConfig(config: ModelConfig): void {
  const positive = [
    "dim",
    "nLayers",
    "nHeads",
    "nKvHeads",
    "headSize",
    "ffnDim",
    "vocabSize",
    "contextLength",
  ] as const;
  for (const field of positive) {
    const value = config[field];
    if (!Number.isInteger(value) || value <= 0 || value > 1 << 24) {
      throw new InvalidInputError(`model config ${field} is ${value}`, {
        expected: "a positive integer below 2^24",
      });
    }
  }
  if (config.nHeads % config.nKvHeads !== 0) {
    throw new InvalidInputError(
      `model config nKvHeads ${config.nKvHeads} does not divide nHeads ${config.nHeads}`,
      {
        expected: "nHeads to be a multiple of nKvHeads",
      },
    );
  }
  if (config.headSize % 2 !== 0) {
    throw new InvalidInputError(`model config headSize is ${config.headSize}`, {
      expected: "an even head size (RoPE rotates pairs)",
    });
  }
  if (!(config.ropeTheta > 0) || !(config.normEps > 0)) {
    throw new InvalidInputError("model config ropeTheta and normEps must be positive", {
      expected: "ropeTheta > 0 and normEps > 0",
    });
  }
  if (
    !Number.isInteger(config.nExperts) ||
    config.nExperts < 0 ||
    config.nExperts === 1 ||
    config.nExperts > 256
  ) {
    throw new InvalidInputError(`model config nExperts is ${config.nExperts}`, {
      expected: "0 (dense) or 2..256 experts",
    });
  }
  const usedOk =
    config.nExperts === 0
      ? config.nExpertsUsed === 0
      : config.nExpertsUsed >= 1 && config.nExpertsUsed <= config.nExperts;
  if (!Number.isInteger(config.nExpertsUsed) || !usedOk) {
    throw new InvalidInputError(
      `model config nExpertsUsed is ${config.nExpertsUsed} with nExperts ${config.nExperts}`,
      {
        expected: "0 for a dense model, else 1..nExperts",
      },
    );
  }
}

export function isMoe(config: ModelConfig): boolean {
  return config.nExperts > 0;
}

/** One tensor of the flat parameter buffer. */
export interface TensorLayout {
  /** llama.cpp GGUF name, e.g. "blk.0.attn_q.weight". */
  name: string;
  /** Row-major shape, e.g. (out, in). */
  shape: number[];
  /** Offset in floats into the flat parameter buffer. */
  offset: number;
  /** Number of floats. */
  size: number;
}

/** Every parameter tensor in a fixed order, laid out back to back in one Float32Array. */
export function parameterLayout(config: ModelConfig): TensorLayout[] {
  const { dim, headSize, nHeads, nKvHeads, ffnDim, vocabSize, nExperts } = config;
  const tensors: Array<[string, number[]]> = [["token_embd.weight", [vocabSize, dim]]];
  for (let layer = 0; layer < config.nLayers; layer++) {
    const block = `blk.${layer}`;
    tensors.push(
      [`${block}.attn_norm.weight`, [dim]],
      [`${block}.attn_q.weight`, [nHeads * headSize, dim]],
      [`${block}.attn_k.weight`, [nKvHeads * headSize, dim]],
      [`${block}.attn_v.weight`, [nKvHeads * headSize, dim]],
      [`${block}.attn_output.weight`, [dim, nHeads * headSize]],
      [`${block}.ffn_norm.weight`, [dim]],
    );
    if (nExperts > 0) {
      tensors.push(
        [`${block}.ffn_gate_inp.weight`, [nExperts, dim]],
        [`${block}.ffn_gate_exps.weight`, [nExperts, ffnDim, dim]],
        [`${block}.ffn_up_exps.weight`, [nExperts, ffnDim, dim]],
        [`${block}.ffn_down_exps.weight`, [nExperts, dim, ffnDim]],
      );
    } else {
      tensors.push(
        [`${block}.ffn_gate.weight`, [ffnDim, dim]],
        [`${block}.ffn_up.weight`, [ffnDim, dim]],
        [`${block}.ffn_down.weight`, [dim, ffnDim]],
      );
    }
  }
  tensors.push(["output_norm.weight", [dim]]);
  if (!config.tieEmbeddings) tensors.push(["output.weight", [vocabSize, dim]]);
  let offset = 0;
  return tensors.map(([name, shape]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const layout = { name, shape, offset, size };
    offset += size;
    return layout;
  });
}

export interface ParameterCounts {
  /** Every parameter stored. */
  total: number;
  /** Parameters used for one token: for MoE, only nExpertsUsed of the experts. */
  activePerToken: number;
}

export function parameterCounts(config: ModelConfig): ParameterCounts {
  const layout = parameterLayout(config);
  const total = layout.reduce((sum, tensor) => sum + tensor.size, 0);
  if (!isMoe(config)) return { total, activePerToken: total };
  const expertTensors = layout.filter((tensor) => tensor.name.endsWith("_exps.weight"));
  const expertParameters = expertTensors.reduce((sum, tensor) => sum + tensor.size, 0);
  const unused = (expertParameters * (config.nExperts - config.nExpertsUsed)) / config.nExperts;
  return { total, activePerToken: total - unused };
}
