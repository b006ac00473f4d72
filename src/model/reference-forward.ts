/**
 * The reference forward pass: the whole llama-architecture model (dense or MoE) written plainly from the
 * reference kernels, for any float type. Run on Float64Array parameters it is the exact-arithmetic
 * yardstick for finite-difference gradient checks; on Float32Array it is the plain-TypeScript forward
 * that the fast engine is tested against.
 */
import { type ModelConfig, parameterLayout } from "./config.ts";
import {
  attentionReference,
  type FloatArray,
  matmulReference,
  rmsnormReference,
  ropeReference,
  ropeTables,
  routeReference,
  swigluReference,
} from "./kernels-reference.ts";

/** Views of every parameter tensor by GGUF name. */
export function tensorViews<T extends FloatArray>(config: ModelConfig, params: T): Map<string, T> {
  const views = new Map<string, T>();
  for (const tensor of parameterLayout(config)) {
    views.set(tensor.name, params.subarray(tensor.offset, tensor.offset + tensor.size) as T);
  }
  return views;
}

export interface ReferenceOutput<T extends FloatArray> {
  /** (T, vocabSize): row t predicts token t+1. */
  logits: T;
  /** (nLayers, T, nExperts) router softmax probabilities, MoE only (else empty). */
  routerProbabilities: Float64Array;
  /** (nLayers, T, nExperts) 1 where the expert was chosen for the token, MoE only (else empty). */
  routerChosen: Float64Array;
}

/** Full-sequence forward from position 0. */
export function referenceForward<T extends FloatArray>(
  config: ModelConfig,
  params: T,
  tokens: ArrayLike<number>,
): ReferenceOutput<T> {
  const { dim, nHeads, nKvHeads, headSize, ffnDim, vocabSize, nExperts, normEps } = config;
  const n = tokens.length;
  const make = (size: number) => new (params.constructor as { new (size: number): T })(size);
  const w = tensorViews(config, params);
  const tables = ropeTables(headSize, config.ropeTheta, n);
  const qDim = nHeads * headSize;
  const kvDim = nKvHeads * headSize;
  const x = make(n * dim); // (T, dim) residual stream
  const normed = make(n * dim); // (T, dim)
  const q = make(n * qDim); // (T, nHeads, headSize)
  const k = make(n * kvDim); // (T, nKvHeads, headSize)
  const v = make(n * kvDim); // (T, nKvHeads, headSize)
  const attention = make(n * qDim); // (T, nHeads, headSize)
  const projected = make(n * dim); // (T, dim)
  const routerProbabilities = new Float64Array(config.nLayers * n * nExperts);
  const routerChosen = new Float64Array(config.nLayers * n * nExperts);
  const embedding = w.get("token_embd.weight")!;
  for (let t = 0; t < n; t++) x.set(embedding.subarray(tokens[t] * dim, (tokens[t] + 1) * dim), t * dim);

  for (let layer = 0; layer < config.nLayers; layer++) {
    const block = (name: string) => w.get(`blk.${layer}.${name}.weight`)!;
    rmsnormReference(normed, x, block("attn_norm"), n, dim, normEps);
    matmulReference(q, normed, block("attn_q"), n, qDim, dim);
    matmulReference(k, normed, block("attn_k"), n, kvDim, dim);
    matmulReference(v, normed, block("attn_v"), n, kvDim, dim);
    ropeReference(q, n, nHeads, headSize, 0, tables);
    ropeReference(k, n, nKvHeads, headSize, 0, tables);
    attentionReference(attention, q, k, v, n, 0, config);
    matmulReference(projected, attention, block("attn_output"), n, dim, qDim);
    for (let i = 0; i < n * dim; i++) x[i] += projected[i];

    rmsnormReference(normed, x, block("ffn_norm"), n, dim, normEps);
    if (nExperts === 0) {
      denseFfnReference(
        projected,
        normed,
        block("ffn_gate"),
        block("ffn_up"),
        block("ffn_down"),
        n,
        dim,
        ffnDim,
        make,
      );
    } else {
      const offset = layer * n * nExperts;
      const routing = { probabilities: routerProbabilities, chosen: routerChosen, offset };
      moeFfnReference(projected, normed, block, n, config, make, routing);
    }
    for (let i = 0; i < n * dim; i++) x[i] += projected[i];
  }

  rmsnormReference(normed, x, w.get("output_norm.weight")!, n, dim, normEps);
  const output = config.tieEmbeddings ? embedding : w.get("output.weight")!;
  const logits = make(n * vocabSize);
  matmulReference(logits, normed, output, n, vocabSize, dim);
  return { logits, routerProbabilities, routerChosen };
}

/** out (n, dim) = down(silu(gate x) · up x). */
function denseFfnReference<T extends FloatArray>(
  out: T,
  x: T,
  gate: T,
  up: T,
  down: T,
  n: number,
  dim: number,
  ffnDim: number,
  make: (size: number) => T,
): void {
  const hidden = make(n * ffnDim); // (n, ffnDim)
  const upOut = make(n * ffnDim); // (n, ffnDim)
  matmulReference(hidden, x, gate, n, ffnDim, dim);
  matmulReference(upOut, x, up, n, ffnDim, dim);
  swigluReference(hidden, upOut, n * ffnDim);
  matmulReference(out, hidden, down, n, dim, ffnDim);
}

/** Each token: softmax router over all experts, top-k, renormalised weights, weighted sum of expert FFNs. */
function moeFfnReference<T extends FloatArray>(
  out: T,
  x: T,
  block: (name: string) => T,
  n: number,
  config: ModelConfig,
  make: (size: number) => T,
  routing: { probabilities: Float64Array; chosen: Float64Array; offset: number },
): void {
  const { dim, ffnDim, nExperts } = config;
  const logits = make(n * nExperts); // (n, nExperts)
  matmulReference(logits, x, block("ffn_gate_inp"), n, nExperts, dim);
  const expertOut = make(dim);
  out.fill(0);
  for (let t = 0; t < n; t++) {
    const route = routeReference(logits.subarray(t * nExperts, (t + 1) * nExperts), config.nExpertsUsed);
    routing.probabilities.set(route.probabilities, routing.offset + t * nExperts);
    const row = x.subarray(t * dim, (t + 1) * dim) as T;
    for (let slot = 0; slot < route.experts.length; slot++) {
      const e = route.experts[slot];
      routing.chosen[routing.offset + t * nExperts + e] = 1;
      const expert = (name: string, rows: number, cols: number) =>
        block(name).subarray(e * rows * cols, (e + 1) * rows * cols) as T;
      denseFfnReference(
        expertOut,
        row,
        expert("ffn_gate_exps", ffnDim, dim),
        expert("ffn_up_exps", ffnDim, dim),
        expert("ffn_down_exps", dim, ffnDim),
        1,
        dim,
        ffnDim,
        make,
      );
      for (let i = 0; i < dim; i++) out[t * dim + i] += route.weights[slot] * expertOut[i];
    }
  }
}
