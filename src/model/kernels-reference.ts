/**
 * Plain-TypeScript reference kernels: the definition of every operation of the model, written for
 * clarity. Tests check the WASM SIMD kernels against these, and the float64 reference forward (used for
 * finite-difference gradient checks) is built from them. Each matches llama.cpp's `llama` architecture
 * (ggml CPU backend): see the comment on each.
 */

/** Float32 for the model; Float64 for the reference forward used by gradient checks. */
export type FloatArray = Float32Array | Float64Array;

/** out (n, d) = x (n, k) · w (d, k)ᵀ — a linear layer y = W x applied to n rows. */
export function matmulReference(
  out: FloatArray,
  x: FloatArray,
  w: FloatArray,
  n: number,
  d: number,
  k: number,
): void {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += x[i * k + p] * w[j * k + p];
      out[i * d + j] = sum;
    }
  }
}

/** RMSNorm, as ggml_rms_norm then a multiply by the weight: out = x / sqrt(mean(x²) + eps) · weight. */
export function rmsnormReference(
  out: FloatArray,
  x: FloatArray,
  weight: FloatArray,
  n: number,
  dim: number,
  eps: number,
): void {
  for (let i = 0; i < n; i++) {
    let sumSquares = 0;
    for (let j = 0; j < dim; j++) sumSquares += x[i * dim + j] * x[i * dim + j];
    const scale = 1 / Math.sqrt(sumSquares / dim + eps);
    for (let j = 0; j < dim; j++) out[i * dim + j] = x[i * dim + j] * scale * weight[j];
  }
}

/**
 * RoPE tables (position, headSize/2) of cos and sin, computed exactly as ggml's CPU rope cache:
 * theta_scale = powf(base, -2/headSize) in float32, and for each position p the angle starts at p and is
 * multiplied by theta_scale in float32, pair after pair.
 */
export function ropeTables(
  headSize: number,
  theta: number,
  positions: number,
): { cos: Float32Array; sin: Float32Array } {
  const half = headSize / 2;
  const cos = new Float32Array(positions * half); // (position, headSize/2)
  const sin = new Float32Array(positions * half); // (position, headSize/2)
  const thetaScale = Math.fround(theta ** (-2 / headSize));
  for (let p = 0; p < positions; p++) {
    let angle = Math.fround(p);
    for (let i = 0; i < half; i++) {
      cos[p * half + i] = Math.cos(angle);
      sin[p * half + i] = Math.sin(angle);
      angle = Math.fround(angle * thetaScale);
    }
  }
  return { cos, sin };
}

/**
 * RoPE in place, llama.cpp's "normal" mode for arch llama: within each head, the adjacent pairs
 * (2i, 2i+1) are rotated by the angle of pair i at the row's position.
 * x: (n, nHeads, headSize), row r at position startPos + r.
 */
export function ropeReference(
  x: FloatArray,
  n: number,
  nHeads: number,
  headSize: number,
  startPos: number,
  tables: { cos: Float32Array; sin: Float32Array },
): void {
  const half = headSize / 2;
  for (let r = 0; r < n; r++) {
    const table = (startPos + r) * half;
    for (let h = 0; h < nHeads; h++) {
      const base = (r * nHeads + h) * headSize;
      for (let i = 0; i < half; i++) {
        const c = tables.cos[table + i];
        const s = tables.sin[table + i];
        const x0 = x[base + 2 * i];
        const x1 = x[base + 2 * i + 1];
        x[base + 2 * i] = x0 * c - x1 * s;
        x[base + 2 * i + 1] = x0 * s + x1 * c;
      }
    }
  }
}

/** Softmax in place over x[offset .. offset+size), subtracting the maximum first. */
export function softmaxReference(x: FloatArray, offset: number, size: number): void {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < size; i++) max = Math.max(max, x[offset + i]);
  let sum = 0;
  for (let i = 0; i < size; i++) {
    const e = Math.exp(x[offset + i] - max);
    x[offset + i] = e;
    sum += e;
  }
  for (let i = 0; i < size; i++) x[offset + i] /= sum;
}

export function siluReference(x: number): number {
  return x / (1 + Math.exp(-x));
}

/** SwiGLU: hidden (n, ffnDim) = silu(gate) · up, in place into gate. */
export function swigluReference(gate: FloatArray, up: FloatArray, size: number): void {
  for (let i = 0; i < size; i++) gate[i] = siluReference(gate[i]) * up[i];
}

export interface AttentionShape {
  nHeads: number;
  nKvHeads: number;
  headSize: number;
}

/**
 * Causal grouped-query attention over a KV cache. Query row r sits at position startPos + r and attends
 * to cache positions 0..startPos+r; query head h reads KV head floor(h / (nHeads / nKvHeads)), as
 * llama.cpp broadcasts KV heads. Scores are scaled by 1/sqrt(headSize).
 * q: (n, nHeads, headSize); keys, values: (positions, nKvHeads, headSize); out: (n, nHeads, headSize).
 */
export function attentionReference(
  out: FloatArray,
  q: FloatArray,
  keys: FloatArray,
  values: FloatArray,
  n: number,
  startPos: number,
  shape: AttentionShape,
): void {
  const { nHeads, nKvHeads, headSize } = shape;
  const group = nHeads / nKvHeads;
  const scale = 1 / Math.sqrt(headSize);
  const kvStride = nKvHeads * headSize;
  const scores = new Float64Array(startPos + n);
  for (let r = 0; r < n; r++) {
    const length = startPos + r + 1;
    for (let h = 0; h < nHeads; h++) {
      const qBase = (r * nHeads + h) * headSize;
      const kvHead = Math.floor(h / group) * headSize;
      for (let p = 0; p < length; p++) {
        let dot = 0;
        for (let i = 0; i < headSize; i++) dot += q[qBase + i] * keys[p * kvStride + kvHead + i];
        scores[p] = dot * scale;
      }
      softmaxReference(scores, 0, length);
      for (let i = 0; i < headSize; i++) {
        let sum = 0;
        for (let p = 0; p < length; p++) sum += scores[p] * values[p * kvStride + kvHead + i];
        out[qBase + i] = sum;
      }
    }
  }
}

export interface Routing {
  /** The chosen experts, best first. */
  experts: number[];
  /** Their weights: softmax probabilities over all experts, renormalised to sum to 1 over the chosen. */
  weights: number[];
  /** Softmax over all experts (nExperts). */
  probabilities: Float64Array;
}

/**
 * MoE routing as llama.cpp's build_moe_ffn for arch llama: softmax over all router logits, top-k by
 * probability, then the k weights divided by their sum (norm_w = true), no extra scale.
 */
export function routeReference(logits: ArrayLike<number>, nExpertsUsed: number): Routing {
  const probabilities = Float64Array.from(logits);
  softmaxReference(probabilities, 0, probabilities.length);
  const order = Array.from(probabilities.keys()).sort((a, b) => probabilities[b] - probabilities[a] || a - b);
  const experts = order.slice(0, nExpertsUsed);
  const total = experts.reduce((sum, e) => sum + probabilities[e], 0);
  const weights = experts.map((e) => probabilities[e] / Math.max(total, 6.103515625e-5));
  return { experts, weights, probabilities };
}
