/**
 * The model's kernels on shared-memory buffers: thin wrappers that split each WASM kernel between the
 * threads of the pool. Arguments are byte addresses (Floats.ptr) and sizes in floats. Every kernel here has
 * a plain-TypeScript reference in kernels-reference.ts, and kernels.test.ts checks one against the other.
 */
import { runtime } from "./wasm/runtime.ts";
import { threadPool } from "./wasm/thread-pool.ts";

/** Products smaller than this many FLOPs run on one thread: waking the pool costs more than it saves. */
const PARALLEL_MIN_FLOPS = 400_000;

export interface MatmulStrides {
  /** Row stride of out in floats. Default: its column count. */
  ldo?: number;
  /** Row stride of the left operand. Default: k. */
  ldx?: number;
  /** Row stride of the right operand. Default: k (forward) or its column count. */
  ldw?: number;
}

/** out (n, d) (+)= x (n, k) · w (d, k)ᵀ: a linear layer y = W x on n rows. Split over the d outputs. */
export function matmul(
  out: number,
  x: number,
  w: number,
  n: number,
  d: number,
  k: number,
  accumulate = false,
  strides: MatmulStrides = {},
): void {
  const args = [
    out,
    x,
    w,
    n,
    k,
    strides.ldo ?? d,
    strides.ldx ?? k,
    strides.ldw ?? k,
    0,
    0,
    accumulate ? 1 : 0,
  ];
  const minParallel = 2 * n * d * k < PARALLEL_MIN_FLOPS ? Number.POSITIVE_INFINITY : 8;
  threadPool().run("matmul_nt", args, 8, 0, d, 4, minParallel);
}

/**
 * dx (n, k) (+)= dy (n, d) · w (d, k): the input gradient of y = W x. Split over the n rows. ldy: row
 * stride of dy (default d).
 */
export function matmulInputGrad(
  dx: number,
  dy: number,
  w: number,
  n: number,
  d: number,
  k: number,
  accumulate = false,
  ldy = d,
): void {
  const args = [dx, dy, w, k, d, k, ldy, 1, k, 0, 0, accumulate ? 1 : 0];
  const minParallel = 2 * n * d * k < PARALLEL_MIN_FLOPS ? Number.POSITIVE_INFINITY : 8;
  threadPool().run("matmul_nn", args, 9, 0, n, 4, minParallel);
}

/**
 * dw (d, k) += dy (n, d)ᵀ · x (n, k): the weight gradient of y = W x, accumulated. Split over the d rows.
 * ldy: row stride of dy (default d).
 */
export function matmulWeightGrad(
  dw: number,
  dy: number,
  x: number,
  n: number,
  d: number,
  k: number,
  ldy = d,
): void {
  const args = [dw, dy, x, k, n, k, 1, ldy, k, 0, 0, 1];
  const minParallel = 2 * n * d * k < PARALLEL_MIN_FLOPS ? Number.POSITIVE_INFINITY : 8;
  threadPool().run("matmul_nn", args, 9, 0, d, 4, minParallel);
}

/** RMSNorm of n rows: out = x · rstd · weight; rstd (n) saved when given (non-zero address). */
export function rmsnorm(
  out: number,
  x: number,
  weight: number,
  rstd: number,
  n: number,
  dim: number,
  eps: number,
): void {
  threadPool().run("rmsnorm_forward", [out, x, weight, rstd, dim, eps, 0, 0], 6, 0, n, 1, 64);
}

/** RMSNorm backward: dx (n, dim) += ∂/∂x, dweight (dim) += ∂/∂weight. One thread (dweight is shared). */
export function rmsnormBackward(
  dx: number,
  dweight: number,
  dy: number,
  x: number,
  weight: number,
  rstd: number,
  n: number,
  dim: number,
): void {
  runtime().kernels.rmsnorm_backward(dx, dweight, dy, x, weight, rstd, n, dim);
}

export interface RopeOptions {
  /** Row stride of x in floats. */
  ldx: number;
  nHeads: number;
  headSize: number;
  /** Rows per sequence: row r is at position startPos + r % seqLen. */
  seqLen: number;
  startPos: number;
  /** Expanded tables from ropeKernelTables: (positions, headSize). */
  cos: number;
  sin: number;
  /** 1 forward; −1 applies the inverse rotation (the backward of RoPE). */
  direction: 1 | -1;
}

/** RoPE in place on n rows. */
export function rope(x: number, n: number, options: RopeOptions): void {
  const { ldx, nHeads, headSize, seqLen, startPos, cos, sin, direction } = options;
  threadPool().run(
    "rope",
    [x, ldx, nHeads, headSize, seqLen, startPos, cos, sin, direction, 0, 0],
    9,
    0,
    n,
    1,
    64,
  );
}

/** RoPE tables for the kernel: per position, each pair's cos twice and its sin as (−s, +s). */
export function ropeKernelTables(
  tables: { cos: Float32Array; sin: Float32Array },
  headSize: number,
): { cos: Float32Array; sin: Float32Array } {
  const half = headSize / 2;
  const positions = tables.cos.length / half;
  const cos = new Float32Array(positions * headSize); // (positions, headSize)
  const sin = new Float32Array(positions * headSize); // (positions, headSize)
  for (let p = 0; p < positions; p++) {
    for (let i = 0; i < half; i++) {
      cos[p * headSize + 2 * i] = tables.cos[p * half + i];
      cos[p * headSize + 2 * i + 1] = tables.cos[p * half + i];
      sin[p * headSize + 2 * i] = -tables.sin[p * half + i];
      sin[p * headSize + 2 * i + 1] = tables.sin[p * half + i];
    }
  }
  return { cos, sin };
}

/** h (n, ffn) = silu(gate) ⊙ up, gate and up rows at stride ldg. */
export function swiglu(h: number, gate: number, up: number, n: number, ffn: number, ldg: number): void {
  threadPool().run("swiglu_forward", [h, gate, up, ffn, ldg, 0, 0], 5, 0, n, 1, 16);
}

/** SwiGLU backward: dgate, dup (rows at stride ldg) from dh (n, ffn). */
export function swigluBackward(
  dgate: number,
  dup: number,
  dh: number,
  gate: number,
  up: number,
  n: number,
  ffn: number,
  ldg: number,
): void {
  threadPool().run("swiglu_backward", [dgate, dup, dh, gate, up, ffn, ldg, 0, 0], 7, 0, n, 1, 16);
}

/**
 * Cross-entropy of n rows of logits (n, vocab) against targets (i32 addresses): losses (n) receives each
 * row's −log p(target); logits are replaced by (softmax − onehot)·weight·gradScale.
 */
export function crossEntropy(
  logits: number,
  targets: number,
  weights: number,
  losses: number,
  n: number,
  vocab: number,
  gradScale: number,
): void {
  threadPool().run(
    "cross_entropy",
    [logits, targets, weights, losses, vocab, gradScale, 0, 0],
    6,
    0,
    n,
    1,
    8,
  );
}

/** Shapes and strides of causal attention over `sequences` sequences of n query rows each. */
export interface AttentionLayout {
  nHeads: number;
  nKvHeads: number;
  headSize: number;
  /** Query rows per sequence. */
  n: number;
  /** Position of the first query row (keys/values cover positions 0..startPos+n−1). */
  startPos: number;
  sequences: number;
  /** Row strides in floats of q (and dq, dout), keys/values (and dk, dv), out, probabilities. */
  ldq: number;
  ldkv: number;
  ldo: number;
  ldp: number;
  /** Rows between consecutive sequences in q/out and in keys/values. */
  seqRows: number;
  kvRows: number;
}

/**
 * out = softmax(q·kᵀ/sqrt(headSize), causal)·v per (sequence, head); probs receives each head's
 * probabilities, (n, ldp) per head, heads back to back: sequences·nHeads·n·ldp floats.
 */
export function attention(
  out: number,
  q: number,
  keys: number,
  values: number,
  probs: number,
  layout: AttentionLayout,
): void {
  const { nHeads, nKvHeads, headSize, n, startPos, sequences, ldq, ldkv, ldo, ldp, seqRows, kvRows } = layout;
  const scale = 1 / Math.sqrt(headSize);
  const args = [out, q, keys, values, probs, nHeads, nKvHeads, headSize, n, startPos, seqRows, kvRows];
  args.push(ldq, ldkv, ldo, ldp, n * ldp, scale, 0, 0);
  const work = n * (startPos + n) * headSize * 4;
  threadPool().run(
    "attention_forward",
    args,
    18,
    0,
    sequences * nHeads,
    1,
    work < PARALLEL_MIN_FLOPS ? Infinity : 2,
  );
}

/**
 * Backward of attention over training sequences (startPos 0, n = seqRows = kvRows): dq written, dk and dv
 * written (zeroed first, then summed over each KV group's query heads). dscores: sequences·nKvHeads·n·ldp
 * floats of scratch. dq has q's layout, dout out's (ldo), dk and dv the keys'.
 */
export function attentionBackward(
  grads: { dq: number; dk: number; dv: number; dout: number; dscores: number },
  q: number,
  keys: number,
  values: number,
  probs: number,
  layout: AttentionLayout,
): void {
  const { nHeads, nKvHeads, headSize, n, sequences, ldq, ldkv, ldo, ldp } = layout;
  const scale = 1 / Math.sqrt(headSize);
  const args = [grads.dq, grads.dk, grads.dv, grads.dout, q, keys, values, probs, grads.dscores];
  args.push(nHeads, nKvHeads, headSize, n, ldq, ldkv, ldo, ldp, n * ldp, scale, 0, 0);
  threadPool().run("attention_backward", args, 19, 0, sequences * nKvHeads, 1, 2);
}
