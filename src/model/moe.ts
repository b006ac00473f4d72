/**
 * Mixture-of-experts feed-forward, as llama.cpp's build_moe_ffn for arch llama: router logits =
 * ffn_gate_inp · x, softmax over all experts, the top nExpertsUsed by probability, their probabilities
 * renormalised to sum to 1, and the weighted sum of those experts' SwiGLU outputs. Tokens are grouped by
 * expert so each expert runs one matrix product over all its tokens.
 */
import type { ModelConfig } from "./config.ts";
import { matmul, swiglu } from "./kernels.ts";
import type { CoreModel } from "./model.ts";
import { allocFloats, type Floats, freeFloats } from "./wasm/runtime.ts";

/** One token's routing: chosen experts (best first) and renormalised weights. */
export interface TokenRoute {
  experts: Int32Array;
  weights: Float32Array;
}

/**
 * Routes one token from its router logits (nExperts at offset): softmax over all experts (float32, as
 * ggml), top-k by probability (ties to the lower index), weights = p / Σ p_chosen. probabilities (nExperts)
 * receives the softmax when given.
 */
export function routeToken(
  logits: Float32Array,
  offset: number,
  config: ModelConfig,
  route: TokenRoute,
  probabilities?: Float32Array,
): void {
  const { nExperts, nExpertsUsed } = config;
  const probs = probabilities ?? new Float32Array(nExperts);
  let max = Number.NEGATIVE_INFINITY;
  for (let e = 0; e < nExperts; e++) max = Math.max(max, logits[offset + e]);
  let sum = 0;
  for (let e = 0; e < nExperts; e++) {
    probs[e] = Math.exp(logits[offset + e] - max);
    sum += probs[e];
  }
  for (let e = 0; e < nExperts; e++) probs[e] /= sum;
  let total = 0;
  for (let slot = 0; slot < nExpertsUsed; slot++) {
    let best = -1;
    for (let e = 0; e < nExperts; e++) {
      if (best >= 0 && probs[e] <= probs[best]) continue;
      let taken = false;
      for (let s = 0; s < slot; s++) taken ||= route.experts[s] === e;
      if (!taken) best = e;
    }
    route.experts[slot] = best;
    route.weights[slot] = probs[best];
    total += probs[best];
  }
  const norm = Math.max(total, 6.103515625e-5);
  for (let slot = 0; slot < nExpertsUsed; slot++) route.weights[slot] /= norm;
}

/** Addresses of expert e's gate, up (ffnDim, dim) and down (dim, ffnDim) matrices in layer `layer`. */
export function expertWeights(
  model: CoreModel,
  layer: number,
  e: number,
): { gate: number; up: number; down: number } {
  const { dim, ffnDim } = model.config;
  const size = dim * ffnDim * 4;
  const block = `blk.${layer}`;
  return {
    gate: model.address(`${block}.ffn_gate_exps.weight`) + e * size,
    up: model.address(`${block}.ffn_up_exps.weight`) + e * size,
    down: model.address(`${block}.ffn_down_exps.weight`) + e * size,
  };
}

/** Tokens routed to each expert, with their slot weights. */
export function groupByExpert(
  routes: TokenRoute[],
  nExperts: number,
): Array<{ tokens: number[]; weights: number[] }> {
  const groups = Array.from({ length: nExperts }, () => ({
    tokens: [] as number[],
    weights: [] as number[],
  }));
  routes.forEach((route, t) => {
    route.experts.forEach((e, slot) => {
      groups[e].tokens.push(t);
      groups[e].weights.push(route.weights[slot]);
    });
  });
  return groups;
}

/**
 * Inference MoE: x (n, dim) += Σ_chosen w_e · expert_e(normed). gateUp (n, 2·ffnDim) and hidden
 * (n, ffnDim) are scratch.
 */
export function moeForward(
  model: CoreModel,
  layer: number,
  normed: Floats,
  x: Floats,
  n: number,
  gateUp: Floats,
  hidden: Floats,
): void {
  const config = model.config;
  const { dim, ffnDim, nExperts, nExpertsUsed } = config;
  const logits = allocFloats(n * nExperts); // (n, nExperts)
  const gathered = allocFloats(n * dim); // (tokens of one expert, dim)
  const expertOut = allocFloats(n * dim); // (tokens of one expert, dim)
  try {
    matmul(logits.ptr, normed.ptr, model.address(`blk.${layer}.ffn_gate_inp.weight`), n, nExperts, dim);
    const routes = Array.from({ length: n }, (_, t) => {
      const route = { experts: new Int32Array(nExpertsUsed), weights: new Float32Array(nExpertsUsed) };
      routeToken(logits.array, t * nExperts, config, route);
      return route;
    });
    const groups = groupByExpert(routes, nExperts);
    for (let e = 0; e < nExperts; e++) {
      const { tokens, weights } = groups[e];
      if (tokens.length === 0) continue;
      const rows = tokens.length;
      for (let r = 0; r < rows; r++) {
        gathered.array.set(normed.array.subarray(tokens[r] * dim, (tokens[r] + 1) * dim), r * dim);
      }
      const w = expertWeights(model, layer, e);
      matmul(gateUp.ptr, gathered.ptr, w.gate, rows, ffnDim, dim, false, { ldo: 2 * ffnDim });
      matmul(gateUp.ptr + ffnDim * 4, gathered.ptr, w.up, rows, ffnDim, dim, false, { ldo: 2 * ffnDim });
      swiglu(hidden.ptr, gateUp.ptr, gateUp.ptr + ffnDim * 4, rows, ffnDim, 2 * ffnDim);
      matmul(expertOut.ptr, hidden.ptr, w.down, rows, dim, ffnDim);
      const out = expertOut.array;
      const xs = x.array;
      tokens.forEach((t, r) => {
        const weight = weights[r];
        for (let i = 0; i < dim; i++) xs[t * dim + i] += weight * out[r * dim + i];
      });
    }
  } finally {
    freeFloats(logits);
    freeFloats(gathered);
    freeFloats(expertOut);
  }
}
