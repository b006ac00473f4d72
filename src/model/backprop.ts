/**
 * Training forward and backward over a batch of B sequences of T tokens (N = B·T rows): the activations
 * each backward needs are kept per layer, and gradients are added into a buffer laid out like the
 * parameters. Each block's forward sits beside its backward. MoE feed-forward lives in moe-backprop.ts.
 */
import { InvalidInputError } from "../errors.ts";
import { type Batch, checkBatch } from "./batches.ts";
import { parameterLayout } from "./config.ts";
import { DenseFfnLayer } from "./ffn-backprop.ts";
import { dims } from "./inference.ts";
import {
  type AttentionLayout,
  attention,
  attentionBackward,
  crossEntropy,
  matmul,
  matmulInputGrad,
  matmulWeightGrad,
  rmsnorm,
  rmsnormBackward,
  rope,
  ropeKernelTables,
} from "./kernels.ts";
import { ropeTables } from "./kernels-reference.ts";
import type { CoreModel } from "./model.ts";
import { MoeLayer } from "./moe-backprop.ts";
import { allocFloats, type Floats, floatsFrom, freeFloats } from "./wasm/runtime.ts";

export interface BackpropOptions {
  /** Sequences per batch (B). */
  batchSize: number;
  /** Tokens per sequence (T ≤ contextLength). */
  seqLen: number;
  /** Weight of the MoE load-balancing loss (Switch Transformer), averaged over layers. Default 0.01. */
  auxLossCoefficient?: number;
}

export interface BatchLoss {
  /** Σ weight · cross-entropy over the batch's targets (nats). */
  lossSum: number;
  /** Σ weight. */
  weightSum: number;
  /** MoE load-balancing loss of this batch, mean over layers, without the coefficient (0 for dense). */
  auxLoss: number;
}

interface LayerActivations {
  xIn: Floats; // (N, dim) residual stream entering the layer
  rstd1: Floats; // (N)
  normed1: Floats; // (N, dim)
  qkv: Floats; // (N, qDim + 2·kvDim), q and k after RoPE
  probs: Floats; // (B, nHeads, T, T)
  attended: Floats; // (N, qDim)
  xMid: Floats; // (N, dim) residual after attention
  rstd2: Floats; // (N)
  normed2: Floats; // (N, dim)
  ffn: DenseFfnLayer | MoeLayer;
}

export class Backprop {
  readonly model: CoreModel;
  readonly batchSize: number;
  readonly seqLen: number;
  readonly auxLossCoefficient: number;
  private readonly rows: number;
  private readonly buffers: Floats[] = [];
  private readonly layers: LayerActivations[];
  private readonly xOut: Floats; // (N, dim) residual after the last layer
  private readonly rstdOut: Floats; // (N)
  private readonly normedOut: Floats; // (N, dim)
  private readonly logits: Floats; // (N, vocab), then its gradient
  private readonly losses: Floats; // (N)
  private readonly targets: Floats; // (N) int32
  private readonly weights: Floats; // (N)
  private readonly dx: Floats; // (N, dim) gradient of the residual stream
  private readonly dNormed: Floats; // (N, dim)
  private readonly dAttended: Floats; // (N, qDim)
  private readonly dQkv: Floats; // (N, qkvDim)
  private readonly dScores: Floats; // (B, nKvHeads, T, T)
  private readonly cos: Floats; // (T, headSize)
  private readonly sin: Floats; // (T, headSize)
  private readonly offsets: Map<string, number>;

  constructor(model: CoreModel, options: BackpropOptions) {
    const config = model.config;
    const { batchSize, seqLen } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1 || !Number.isInteger(seqLen) || seqLen < 1) {
      throw new InvalidInputError(`batch shape ${batchSize}×${seqLen}`, { expected: "positive integers" });
    }
    if (seqLen > config.contextLength) {
      throw new InvalidInputError(`seqLen ${seqLen}`, {
        expected: `at most contextLength ${config.contextLength}`,
      });
    }
    this.model = model;
    this.batchSize = batchSize;
    this.seqLen = seqLen;
    this.auxLossCoefficient = options.auxLossCoefficient ?? 0.01;
    const n = batchSize * seqLen;
    this.rows = n;
    const { dim, ffnDim, vocabSize, nHeads, nKvHeads } = config;
    const { qDim, qkvDim } = dims(config);
    const alloc = (length: number) => this.track(allocFloats(length));
    const dense = config.nExperts === 0;
    // gradient scratch shared by the dense layers: ∂/∂(gate|up) (N, 2·ffnDim) and ∂/∂hidden (N, ffnDim)
    const ffnScratch = dense ? { dGateUp: alloc(n * 2 * ffnDim), dHidden: alloc(n * ffnDim) } : null;
    this.layers = Array.from({ length: config.nLayers }, () => ({
      xIn: alloc(n * dim),
      rstd1: alloc(n),
      normed1: alloc(n * dim),
      qkv: alloc(n * qkvDim),
      probs: alloc(batchSize * nHeads * seqLen * seqLen),
      attended: alloc(n * qDim),
      xMid: alloc(n * dim),
      rstd2: alloc(n),
      normed2: alloc(n * dim),
      ffn: dense ? new DenseFfnLayer(config, n, ffnScratch) : new MoeLayer(config, n),
    }));
    this.xOut = alloc(n * dim);
    this.rstdOut = alloc(n);
    this.normedOut = alloc(n * dim);
    this.logits = alloc(n * vocabSize);
    this.losses = alloc(n);
    this.targets = alloc(n);
    this.weights = alloc(n);
    this.dx = alloc(n * dim);
    this.dNormed = alloc(n * dim);
    this.dAttended = alloc(n * qDim);
    this.dQkv = alloc(n * qkvDim);
    this.dScores = alloc(batchSize * nKvHeads * seqLen * seqLen);
    const tables = ropeKernelTables(ropeTables(config.headSize, config.ropeTheta, seqLen), config.headSize);
    this.cos = this.track(floatsFrom(tables.cos));
    this.sin = this.track(floatsFrom(tables.sin));
    this.offsets = new Map(parameterLayout(config).map((tensor) => [tensor.name, tensor.offset * 4]));
  }

  /** Frees every buffer. */
  dispose(): void {
    for (const layer of this.layers) layer.ffn.dispose();
    for (const buffer of this.buffers.splice(0)) freeFloats(buffer);
  }

  /**
   * Forward and backward of one batch. Adds into grads (parameter layout) the gradient of
   * gradScale · Σ weight·CE + auxScale · auxLoss, and returns the batch's loss sums.
   */
  accumulateGradients(batch: Batch, grads: Floats, gradScale: number, auxScale: number): BatchLoss {
    const loss = this.forward(batch, gradScale);
    this.backward(batch, grads, auxScale);
    return loss;
  }

  /** Forward only: the batch's loss sums (the logits buffer is left holding gradients, unused). */
  evaluate(batch: Batch): BatchLoss {
    return this.forward(batch, 1);
  }

  private forward(batch: Batch, gradScale: number): BatchLoss {
    checkBatch(batch, this.model.config.vocabSize, this.batchSize, this.seqLen);
    const model = this.model;
    const config = model.config;
    const { dim, normEps, vocabSize } = config;
    const n = this.rows;
    const embedding = model.tensor("token_embd.weight");
    const x0 = this.layers[0].xIn.array;
    for (let t = 0; t < n; t++)
      x0.set(embedding.subarray(batch.inputs[t] * dim, (batch.inputs[t] + 1) * dim), t * dim);
    let auxLoss = 0;
    for (let l = 0; l < config.nLayers; l++) {
      const layer = this.layers[l];
      const xNext = l + 1 < config.nLayers ? this.layers[l + 1].xIn : this.xOut;
      this.attentionForward(l, layer);
      rmsnorm(
        layer.normed2.ptr,
        layer.xMid.ptr,
        this.param(`blk.${l}.ffn_norm.weight`),
        layer.rstd2.ptr,
        n,
        dim,
        normEps,
      );
      xNext.array.set(layer.xMid.array);
      auxLoss += layer.ffn.forward(model, l, layer.normed2, xNext) / config.nLayers;
    }
    rmsnorm(
      this.normedOut.ptr,
      this.xOut.ptr,
      this.param("output_norm.weight"),
      this.rstdOut.ptr,
      n,
      dim,
      normEps,
    );
    matmul(this.logits.ptr, this.normedOut.ptr, this.outputWeight(), n, vocabSize, dim);
    new Int32Array(this.targets.array.buffer, this.targets.ptr, n).set(batch.targets);
    this.weights.array.set(batch.weights);
    crossEntropy(
      this.logits.ptr,
      this.targets.ptr,
      this.weights.ptr,
      this.losses.ptr,
      n,
      vocabSize,
      gradScale,
    );
    let lossSum = 0;
    let weightSum = 0;
    for (let t = 0; t < n; t++) {
      lossSum += batch.weights[t] * this.losses.array[t];
      weightSum += batch.weights[t];
    }
    return { lossSum, weightSum, auxLoss };
  }

  private backward(batch: Batch, grads: Floats, auxScale: number): void {
    const config = this.model.config;
    const { dim, vocabSize } = config;
    const n = this.rows;
    const g = (name: string) => grads.ptr + this.offsets.get(name)!;
    const outputName = config.tieEmbeddings ? "token_embd.weight" : "output.weight";
    // logits = normedOut · Wᵀ; the logits buffer holds ∂loss/∂logits
    matmulInputGrad(this.dNormed.ptr, this.logits.ptr, this.outputWeight(), n, vocabSize, dim);
    matmulWeightGrad(g(outputName), this.logits.ptr, this.normedOut.ptr, n, vocabSize, dim);
    this.dx.array.fill(0);
    rmsnormBackward(
      this.dx.ptr,
      g("output_norm.weight"),
      this.dNormed.ptr,
      this.xOut.ptr,
      this.param("output_norm.weight"),
      this.rstdOut.ptr,
      n,
      dim,
    );
    for (let l = config.nLayers - 1; l >= 0; l--) {
      const layer = this.layers[l];
      const auxGradScale = (auxScale * this.auxLossCoefficient) / config.nLayers;
      layer.ffn.backward(
        this.model,
        l,
        grads,
        this.offsets,
        layer.normed2,
        this.dx,
        this.dNormed,
        auxGradScale,
      );
      const weight = `blk.${l}.ffn_norm.weight`;
      rmsnormBackward(
        this.dx.ptr,
        g(weight),
        this.dNormed.ptr,
        layer.xMid.ptr,
        this.param(weight),
        layer.rstd2.ptr,
        n,
        dim,
      );
      this.attentionBackward(l, layer, g);
    }
    const dEmbedding = new Float32Array(grads.array.buffer, g("token_embd.weight"), vocabSize * dim);
    const dx = this.dx.array;
    for (let t = 0; t < n; t++) {
      const row = batch.inputs[t] * dim;
      for (let i = 0; i < dim; i++) dEmbedding[row + i] += dx[t * dim + i];
    }
  }

  /** xMid = xIn + Wo · attention(rope(Wq·x̂), rope(Wk·x̂), Wv·x̂), x̂ = rmsnorm(xIn). */
  private attentionForward(l: number, layer: LayerActivations): void {
    const config = this.model.config;
    const { dim, nHeads, nKvHeads, normEps } = config;
    const { qDim, kvDim, qkvDim } = dims(config);
    const n = this.rows;
    rmsnorm(
      layer.normed1.ptr,
      layer.xIn.ptr,
      this.param(`blk.${l}.attn_norm.weight`),
      layer.rstd1.ptr,
      n,
      dim,
      normEps,
    );
    // attn_q, attn_k, attn_v are adjacent in the layout: one product gives q|k|v per row
    matmul(layer.qkv.ptr, layer.normed1.ptr, this.param(`blk.${l}.attn_q.weight`), n, qkvDim, dim);
    rope(layer.qkv.ptr, n, this.ropeOptions(nHeads + nKvHeads, 1));
    const q = layer.qkv.ptr;
    attention(
      layer.attended.ptr,
      q,
      q + qDim * 4,
      q + (qDim + kvDim) * 4,
      layer.probs.ptr,
      this.attentionLayout(),
    );
    layer.xMid.array.set(layer.xIn.array);
    matmul(layer.xMid.ptr, layer.attended.ptr, this.param(`blk.${l}.attn_output.weight`), n, dim, qDim, true);
  }

  /** Backward of attentionForward: dx holds ∂/∂xMid on entry and ∂/∂xIn on return. */
  private attentionBackward(l: number, layer: LayerActivations, g: (name: string) => number): void {
    const config = this.model.config;
    const { dim, nHeads, nKvHeads } = config;
    const { qDim, kvDim, qkvDim } = dims(config);
    const n = this.rows;
    const output = `blk.${l}.attn_output.weight`;
    matmulInputGrad(this.dAttended.ptr, this.dx.ptr, this.param(output), n, dim, qDim);
    matmulWeightGrad(g(output), this.dx.ptr, layer.attended.ptr, n, dim, qDim);
    const q = layer.qkv.ptr;
    const dq = this.dQkv.ptr;
    const grads = {
      dq,
      dk: dq + qDim * 4,
      dv: dq + (qDim + kvDim) * 4,
      dout: this.dAttended.ptr,
      dscores: this.dScores.ptr,
    };
    attentionBackward(
      grads,
      q,
      q + qDim * 4,
      q + (qDim + kvDim) * 4,
      layer.probs.ptr,
      this.attentionLayout(),
    );
    rope(dq, n, this.ropeOptions(nHeads + nKvHeads, -1));
    // q|k|v weights are adjacent, and so are their gradients
    matmulInputGrad(this.dNormed.ptr, dq, this.param(`blk.${l}.attn_q.weight`), n, qkvDim, dim);
    matmulWeightGrad(g(`blk.${l}.attn_q.weight`), dq, layer.normed1.ptr, n, qkvDim, dim);
    const weight = `blk.${l}.attn_norm.weight`;
    rmsnormBackward(
      this.dx.ptr,
      g(weight),
      this.dNormed.ptr,
      layer.xIn.ptr,
      this.param(weight),
      layer.rstd1.ptr,
      n,
      dim,
    );
  }

  private attentionLayout(): AttentionLayout {
    const config = this.model.config;
    const { qDim, qkvDim } = dims(config);
    const T = this.seqLen;
    return {
      nHeads: config.nHeads,
      nKvHeads: config.nKvHeads,
      headSize: config.headSize,
      n: T,
      startPos: 0,
      sequences: this.batchSize,
      ldq: qkvDim,
      ldkv: qkvDim,
      ldo: qDim,
      ldp: T,
      seqRows: T,
      kvRows: T,
    };
  }

  private ropeOptions(heads: number, direction: 1 | -1) {
    const config = this.model.config;
    const { qkvDim } = dims(config);
    return {
      ldx: qkvDim,
      nHeads: heads,
      headSize: config.headSize,
      seqLen: this.seqLen,
      startPos: 0,
      cos: this.cos.ptr,
      sin: this.sin.ptr,
      direction,
    };
  }

  private param(name: string): number {
    return this.model.buffer.ptr + this.offsets.get(name)!;
  }

  private outputWeight(): number {
    return this.param(this.model.config.tieEmbeddings ? "token_embd.weight" : "output.weight");
  }

  private track(buffer: Floats): Floats {
    this.buffers.push(buffer);
    return buffer;
  }
}
