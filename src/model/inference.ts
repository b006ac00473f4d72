/**
 * KV-cached inference: an InferenceSession holds the key/value cache of one sequence. `feed` runs a batch
 * of tokens at the current position (a prompt is one batch: every projection is a matrix product over
 * all its rows) and returns logits; generation then feeds one token at a time.
 */
import { InvalidInputError } from "../errors.ts";
import type { ModelConfig } from "./config.ts";
import { attention, matmul, rmsnorm, rope, ropeKernelTables, swiglu } from "./kernels.ts";
import { ropeTables } from "./kernels-reference.ts";
import type { CoreModel } from "./model.ts";
import { moeForward } from "./moe.ts";
import { allocFloats, type Floats, floatsFrom, freeFloats } from "./wasm/runtime.ts";

export interface InferenceOptions {
  /** Most tokens the session holds (KV cache size). Default: the model's contextLength. */
  maxTokens?: number;
  /** Most tokens run through the model at once; longer inputs are fed in chunks. Default 256. */
  batchSize?: number;
}

export interface FeedOptions {
  /** Return logits for every fed token (T, vocab) instead of only the last (vocab). Default false. */
  allLogits?: boolean;
}

const release = new FinalizationRegistry<Floats[]>((buffers) => {
  for (const buffer of buffers) freeFloats(buffer);
});

export class InferenceSession {
  readonly model: CoreModel;
  readonly maxTokens: number;
  readonly batchSize: number;
  /** Tokens in the cache: the position of the next token fed. */
  position = 0;
  private readonly buffers: Floats[] = [];
  private readonly keyCache: Floats[]; // per layer (maxTokens, nKvHeads, headSize)
  private readonly valueCache: Floats[]; // per layer (maxTokens, nKvHeads, headSize)
  private readonly x: Floats; // (batch, dim) residual stream
  private readonly normed: Floats; // (batch, dim)
  private readonly qkv: Floats; // (batch, qDim + 2·kvDim)
  private readonly attended: Floats; // (batch, qDim)
  private readonly probs: Floats; // (nHeads, batch, maxTokens)
  private readonly gateUp: Floats; // (batch, 2·ffnDim)
  private readonly hidden: Floats; // (batch, ffnDim)
  private readonly logits: Floats; // (batch, vocab)
  private readonly cos: Floats; // (maxTokens, headSize)
  private readonly sin: Floats; // (maxTokens, headSize)
  /** Byte addresses of each layer's weights, looked up once. */
  private readonly weights: LayerWeights[];

  constructor(model: CoreModel, options: InferenceOptions = {}) {
    const config = model.config;
    this.model = model;
    this.maxTokens = options.maxTokens ?? config.contextLength;
    this.batchSize = Math.min(options.batchSize ?? 256, this.maxTokens);
    if (!Number.isInteger(this.maxTokens) || this.maxTokens < 1 || this.maxTokens > config.contextLength) {
      throw new InvalidInputError(`maxTokens ${this.maxTokens}`, {
        expected: `an integer from 1 to contextLength ${config.contextLength}`,
      });
    }
    const { dim, vocabSize, ffnDim, nHeads } = config;
    const { qDim, kvDim } = dims(config);
    const alloc = (length: number) => this.track(allocFloats(length));
    const batch = this.batchSize;
    this.keyCache = Array.from({ length: config.nLayers }, () => alloc(this.maxTokens * kvDim));
    this.valueCache = Array.from({ length: config.nLayers }, () => alloc(this.maxTokens * kvDim));
    this.x = alloc(batch * dim);
    this.normed = alloc(batch * dim);
    this.qkv = alloc(batch * (qDim + 2 * kvDim));
    this.attended = alloc(batch * qDim);
    this.probs = alloc(nHeads * batch * this.maxTokens);
    this.gateUp = alloc(batch * 2 * ffnDim);
    this.hidden = alloc(batch * ffnDim);
    this.logits = alloc(batch * vocabSize);
    const tables = ropeKernelTables(
      ropeTables(config.headSize, config.ropeTheta, this.maxTokens),
      config.headSize,
    );
    this.cos = this.track(floatsFrom(tables.cos));
    this.sin = this.track(floatsFrom(tables.sin));
    this.weights = Array.from({ length: config.nLayers }, (_, layer) => layerWeights(model, layer));
    release.register(this, this.buffers, this);
  }

  /** Forgets every token: the next feed starts at position 0. */
  reset(): void {
    this.position = 0;
  }

  /** Drops the last tokens from the cache, keeping the first `position` (e.g. to reuse a shared prefix). */
  truncate(position: number): void {
    if (!Number.isInteger(position) || position < 0 || position > this.position) {
      throw new InvalidInputError(`truncate to ${position}`, { expected: `0..${this.position}` });
    }
    this.position = position;
  }

  /** Frees the cache now instead of at garbage collection. */
  dispose(): void {
    release.unregister(this);
    for (const buffer of this.buffers.splice(0)) freeFloats(buffer);
  }

  /**
   * Runs tokens at the current position and appends them to the cache. Returns a new array: the last
   * token's logits (vocab), or with allLogits every token's (T, vocab).
   */
  feed(tokens: ArrayLike<number>, options: FeedOptions = {}): Float32Array {
    const vocab = this.model.config.vocabSize;
    if (this.buffers.length === 0)
      throw new InvalidInputError("session was disposed", { expected: "a live session" });
    if (tokens.length === 0)
      throw new InvalidInputError("no tokens to feed", { expected: "at least one token" });
    if (this.position + tokens.length > this.maxTokens) {
      throw new InvalidInputError(`${this.position + tokens.length} tokens in the session`, {
        expected: `at most ${this.maxTokens} (maxTokens)`,
      });
    }
    checkIds(tokens, vocab);
    const result = new Float32Array(options.allLogits ? tokens.length * vocab : vocab);
    for (let start = 0; start < tokens.length; start += this.batchSize) {
      const end = Math.min(tokens.length, start + this.batchSize);
      const chunk = Array.prototype.slice.call(tokens, start, end) as number[];
      const logitRows = options.allLogits ? chunk.length : end === tokens.length ? 1 : 0;
      this.forwardChunk(chunk, logitRows);
      if (options.allLogits) result.set(this.logits.array.subarray(0, chunk.length * vocab), start * vocab);
      else if (logitRows === 1) result.set(this.logits.array.subarray(0, vocab));
    }
    return result;
  }

  /** One chunk of n tokens at this.position; computes logits for the last `logitRows` rows. */
  private forwardChunk(tokens: number[], logitRows: number): void {
    const model = this.model;
    const config = model.config;
    const { dim, nLayers, normEps, vocabSize } = config;
    const n = tokens.length;
    const embedding = model.tensor("token_embd.weight");
    for (let t = 0; t < n; t++)
      this.x.array.set(embedding.subarray(tokens[t] * dim, (tokens[t] + 1) * dim), t * dim);
    for (let layer = 0; layer < nLayers; layer++) {
      this.attentionBlock(layer, n);
      rmsnorm(this.normed.ptr, this.x.ptr, this.weights[layer].ffnNorm, 0, n, dim, normEps);
      if (config.nExperts > 0) moeForward(model, layer, this.normed, this.x, n, this.gateUp, this.hidden);
      else this.denseFfn(layer, n);
    }
    if (logitRows === 0) {
      this.position += n;
      return;
    }
    const first = n - logitRows;
    const normed = this.normed.ptr + first * dim * 4;
    rmsnorm(
      normed,
      this.x.ptr + first * dim * 4,
      model.address("output_norm.weight"),
      0,
      logitRows,
      dim,
      normEps,
    );
    const output = model.address(config.tieEmbeddings ? "token_embd.weight" : "output.weight");
    matmul(this.logits.ptr, normed, output, logitRows, vocabSize, dim);
    this.position += n;
  }

  /** x += attention_output(attention(rope(q), rope(k), v)) for n rows at this.position. */
  private attentionBlock(layer: number, n: number): void {
    const model = this.model;
    const config = model.config;
    const { dim, nHeads, nKvHeads, headSize, normEps } = config;
    const { qDim, kvDim, qkvDim } = dims(config);
    const weights = this.weights[layer];
    rmsnorm(this.normed.ptr, this.x.ptr, weights.attnNorm, 0, n, dim, normEps);
    // attn_q, attn_k, attn_v are adjacent in the layout: one product gives q|k|v per row
    matmul(this.qkv.ptr, this.normed.ptr, weights.attnQkv, n, qkvDim, dim);
    const ropeOptions = {
      ldx: qkvDim,
      headSize,
      seqLen: n,
      startPos: this.position,
      cos: this.cos.ptr,
      sin: this.sin.ptr,
    };
    rope(this.qkv.ptr, n, { ...ropeOptions, nHeads: nHeads + nKvHeads, direction: 1 });
    const qkv = this.qkv.array;
    const keys = this.keyCache[layer];
    const values = this.valueCache[layer];
    const keyArray = keys.array;
    const valueArray = values.array;
    for (let t = 0; t < n; t++) {
      const row = t * qkvDim + qDim;
      const at = (this.position + t) * kvDim;
      for (let i = 0; i < kvDim; i++) {
        keyArray[at + i] = qkv[row + i];
        valueArray[at + i] = qkv[row + kvDim + i];
      }
    }
    const positions = this.position + n;
    attention(this.attended.ptr, this.qkv.ptr, keys.ptr, values.ptr, this.probs.ptr, {
      nHeads,
      nKvHeads,
      headSize,
      n,
      startPos: this.position,
      sequences: 1,
      ldq: qkvDim,
      ldkv: kvDim,
      ldo: qDim,
      ldp: positions,
      seqRows: n,
      kvRows: positions,
    });
    matmul(this.x.ptr, this.attended.ptr, weights.attnOutput, n, dim, qDim, true);
  }

  /** x += down(silu(gate·normed) ⊙ up·normed); ffn_gate and ffn_up are adjacent: one product. */
  private denseFfn(layer: number, n: number): void {
    const model = this.model;
    const { dim, ffnDim } = model.config;
    const weights = this.weights[layer];
    matmul(this.gateUp.ptr, this.normed.ptr, weights.ffnGateUp, n, 2 * ffnDim, dim);
    swiglu(this.hidden.ptr, this.gateUp.ptr, this.gateUp.ptr + ffnDim * 4, n, ffnDim, 2 * ffnDim);
    matmul(this.x.ptr, this.hidden.ptr, weights.ffnDown, n, dim, ffnDim, true);
  }

  private track(buffer: Floats): Floats {
    this.buffers.push(buffer);
    return buffer;
  }
}

/** Byte addresses of a layer's dense weights (ffn ones are 0 for MoE layers). */
interface LayerWeights {
  attnNorm: number;
  /** attn_q, then attn_k and attn_v right after it. */
  attnQkv: number;
  attnOutput: number;
  ffnNorm: number;
  /** ffn_gate, then ffn_up right after it. */
  ffnGateUp: number;
  ffnDown: number;
}

function layerWeights(model: CoreModel, layer: number): LayerWeights {
  const address = (name: string) => model.address(`blk.${layer}.${name}.weight`);
  const dense = model.config.nExperts === 0;
  return {
    attnNorm: address("attn_norm"),
    attnQkv: address("attn_q"),
    attnOutput: address("attn_output"),
    ffnNorm: address("ffn_norm"),
    ffnGateUp: dense ? address("ffn_gate") : 0,
    ffnDown: dense ? address("ffn_down") : 0,
  };
}

/** Widths derived from the config: query, key/value and fused q|k|v rows. */
export function dims(config: ModelConfig): { qDim: number; kvDim: number; qkvDim: number } {
  const qDim = config.nHeads * config.headSize;
  const kvDim = config.nKvHeads * config.headSize;
  return { qDim, kvDim, qkvDim: qDim + 2 * kvDim };
}

function checkIds(tokens: ArrayLike<number>, vocab: number): void {
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (!Number.isInteger(token) || token < 0 || token >= vocab) {
      throw new InvalidInputError(`token id ${token} at position ${i}`, {
        expected: `an integer in [0, ${vocab})`,
      });
    }
  }
}
