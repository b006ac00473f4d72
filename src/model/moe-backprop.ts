/**
 * MoE feed-forward for training, forward beside backward. Tokens are routed as at inference (moe.ts),
 * grouped by expert so each expert runs matrix products over all its rows, and the router learns through
 * its renormalised top-k weights plus a Switch-Transformer load-balancing loss
 *   aux = nExperts · Σ_e f_e · P_e,
 * f_e = share of the N·k token-to-expert assignments that went to e (no gradient), P_e = mean router
 * probability of e. aux is 1 when the load is perfectly balanced.
 */
import type { ModelConfig } from "./config.ts";
import { matmul, matmulInputGrad, matmulWeightGrad, swiglu, swigluBackward } from "./kernels.ts";
import type { CoreModel } from "./model.ts";
import { expertWeights, routeToken } from "./moe.ts";
import { allocFloats, type Floats, freeFloats } from "./wasm/runtime.ts";

export class MoeLayer {
  private readonly config: ModelConfig;
  private readonly rows: number;
  private readonly buffers: Floats[] = [];
  private readonly routerLogits: Floats; // (N, nExperts), then ∂loss/∂logits in backward
  private readonly probabilities: Float32Array; // (N, nExperts) router softmax
  private readonly experts: Int32Array; // (N, k) chosen experts
  private readonly weights: Float32Array; // (N, k) renormalised weights
  private readonly rowToken: Int32Array; // (N·k) token of each expert-major row
  private readonly rowSlot: Int32Array; // (N·k) slot of each expert-major row
  private readonly expertStart: Int32Array; // (nExperts + 1) first row of each expert
  private readonly fraction: Float64Array; // (nExperts) f_e
  private readonly gathered: Floats; // (N·k, dim) expert inputs, expert-major
  private readonly gateUp: Floats; // (N·k, 2·ffnDim)
  private readonly hidden: Floats; // (N·k, ffnDim)
  private readonly out: Floats; // (N·k, dim) expert outputs (unweighted)
  private readonly dOut: Floats; // (N·k, dim)
  private readonly dHidden: Floats; // (N·k, ffnDim)
  private readonly dGateUp: Floats; // (N·k, 2·ffnDim)
  private readonly dGathered: Floats; // (N·k, dim)

  constructor(config: ModelConfig, rows: number) {
    const { dim, ffnDim, nExperts, nExpertsUsed } = config;
    this.config = config;
    this.rows = rows;
    const slots = rows * nExpertsUsed;
    const alloc = (length: number) => {
      const buffer = allocFloats(length);
      this.buffers.push(buffer);
      return buffer;
    };
    this.routerLogits = alloc(rows * nExperts);
    this.probabilities = new Float32Array(rows * nExperts);
    this.experts = new Int32Array(slots);
    this.weights = new Float32Array(slots);
    this.rowToken = new Int32Array(slots);
    this.rowSlot = new Int32Array(slots);
    this.expertStart = new Int32Array(nExperts + 1);
    this.fraction = new Float64Array(nExperts);
    this.gathered = alloc(slots * dim);
    this.gateUp = alloc(slots * 2 * ffnDim);
    this.hidden = alloc(slots * ffnDim);
    this.out = alloc(slots * dim);
    this.dOut = alloc(slots * dim);
    this.dHidden = alloc(slots * ffnDim);
    this.dGateUp = alloc(slots * 2 * ffnDim);
    this.dGathered = alloc(slots * dim);
  }

  dispose(): void {
    for (const buffer of this.buffers.splice(0)) freeFloats(buffer);
  }

  /** xNext (N, dim) += Σ_chosen w · expert(normed); returns this layer's aux loss. */
  forward(model: CoreModel, layer: number, normed: Floats, xNext: Floats): number {
    const { dim, ffnDim, nExperts } = this.config;
    const n = this.rows;
    matmul(
      this.routerLogits.ptr,
      normed.ptr,
      model.address(`blk.${layer}.ffn_gate_inp.weight`),
      n,
      nExperts,
      dim,
    );
    this.route();
    for (let r = 0; r < this.rowToken.length; r++) {
      const t = this.rowToken[r];
      this.gathered.array.set(normed.array.subarray(t * dim, (t + 1) * dim), r * dim);
    }
    this.forEachExpert((e, base, rows) => {
      const w = expertWeights(model, layer, e);
      const x = this.gathered.ptr + base * dim * 4;
      const gateUp = this.gateUp.ptr + base * 2 * ffnDim * 4;
      const hidden = this.hidden.ptr + base * ffnDim * 4;
      matmul(gateUp, x, w.gate, rows, ffnDim, dim, false, { ldo: 2 * ffnDim });
      matmul(gateUp + ffnDim * 4, x, w.up, rows, ffnDim, dim, false, { ldo: 2 * ffnDim });
      swiglu(hidden, gateUp, gateUp + ffnDim * 4, rows, ffnDim, 2 * ffnDim);
      matmul(this.out.ptr + base * dim * 4, hidden, w.down, rows, dim, ffnDim);
    });
    const xs = xNext.array;
    const out = this.out.array;
    for (let r = 0; r < this.rowToken.length; r++) {
      const t = this.rowToken[r];
      const weight = this.weights[t * this.config.nExpertsUsed + this.rowSlot[r]];
      for (let i = 0; i < dim; i++) xs[t * dim + i] += weight * out[r * dim + i];
    }
    let aux = 0;
    for (let e = 0; e < nExperts; e++) {
      let meanProbability = 0;
      for (let t = 0; t < n; t++) meanProbability += this.probabilities[t * nExperts + e];
      aux += this.fraction[e] * (meanProbability / n);
    }
    return nExperts * aux;
  }

  /**
   * Backward: dx (N, dim) is ∂loss/∂xNext; writes ∂loss/∂normed into dNormed and adds the parameter
   * gradients. auxGradScale multiplies the gradient of this layer's aux loss.
   */
  backward(
    model: CoreModel,
    layer: number,
    grads: Floats,
    offsets: Map<string, number>,
    normed: Floats,
    dx: Floats,
    dNormed: Floats,
    auxGradScale: number,
  ): void {
    const { dim, ffnDim, nExperts, nExpertsUsed } = this.config;
    const n = this.rows;
    const k = nExpertsUsed;
    const dWeights = new Float64Array(n * k); // ∂loss/∂(renormalised weight) per (token, slot)
    const dxs = dx.array;
    const out = this.out.array;
    const dOut = this.dOut.array;
    for (let r = 0; r < this.rowToken.length; r++) {
      const t = this.rowToken[r];
      const slot = t * k + this.rowSlot[r];
      const weight = this.weights[slot];
      let dot = 0;
      for (let i = 0; i < dim; i++) {
        dot += dxs[t * dim + i] * out[r * dim + i];
        dOut[r * dim + i] = weight * dxs[t * dim + i];
      }
      dWeights[slot] = dot;
    }
    const grad = (name: string, e: number, size: number) =>
      grads.ptr + offsets.get(`blk.${layer}.${name}`)! + e * size * 4;
    this.forEachExpert((e, base, rows) => {
      const w = expertWeights(model, layer, e);
      const x = this.gathered.ptr + base * dim * 4;
      const gateUp = this.gateUp.ptr + base * 2 * ffnDim * 4;
      const dGateUp = this.dGateUp.ptr + base * 2 * ffnDim * 4;
      const dHidden = this.dHidden.ptr + base * ffnDim * 4;
      const dOutE = this.dOut.ptr + base * dim * 4;
      const dX = this.dGathered.ptr + base * dim * 4;
      matmulInputGrad(dHidden, dOutE, w.down, rows, dim, ffnDim);
      matmulWeightGrad(
        grad("ffn_down_exps.weight", e, dim * ffnDim),
        dOutE,
        this.hidden.ptr + base * ffnDim * 4,
        rows,
        dim,
        ffnDim,
      );
      swigluBackward(
        dGateUp,
        dGateUp + ffnDim * 4,
        dHidden,
        gateUp,
        gateUp + ffnDim * 4,
        rows,
        ffnDim,
        2 * ffnDim,
      );
      matmulInputGrad(dX, dGateUp, w.gate, rows, ffnDim, dim, false, 2 * ffnDim);
      matmulInputGrad(dX, dGateUp + ffnDim * 4, w.up, rows, ffnDim, dim, true, 2 * ffnDim);
      matmulWeightGrad(
        grad("ffn_gate_exps.weight", e, ffnDim * dim),
        dGateUp,
        x,
        rows,
        ffnDim,
        dim,
        2 * ffnDim,
      );
      matmulWeightGrad(
        grad("ffn_up_exps.weight", e, ffnDim * dim),
        dGateUp + ffnDim * 4,
        x,
        rows,
        ffnDim,
        dim,
        2 * ffnDim,
      );
    });
    const dn = dNormed.array;
    dn.fill(0, 0, n * dim);
    const dGathered = this.dGathered.array;
    for (let r = 0; r < this.rowToken.length; r++) {
      const t = this.rowToken[r];
      for (let i = 0; i < dim; i++) dn[t * dim + i] += dGathered[r * dim + i];
    }
    this.routerBackward(dWeights, auxGradScale);
    const router = `blk.${layer}.ffn_gate_inp.weight`;
    matmulInputGrad(dNormed.ptr, this.routerLogits.ptr, model.address(router), n, nExperts, dim, true);
    matmulWeightGrad(grads.ptr + offsets.get(router)!, this.routerLogits.ptr, normed.ptr, n, nExperts, dim);
  }

  /** Router softmax → top-k → renormalise, backward: writes ∂loss/∂logits over routerLogits. */
  private routerBackward(dWeights: Float64Array, auxGradScale: number): void {
    const { nExperts, nExpertsUsed: k } = this.config;
    const n = this.rows;
    const dLogits = this.routerLogits.array;
    const dProbabilities = new Float64Array(nExperts);
    for (let t = 0; t < n; t++) {
      for (let e = 0; e < nExperts; e++) dProbabilities[e] = (auxGradScale * nExperts * this.fraction[e]) / n;
      let total = 0;
      for (let s = 0; s < k; s++) total += this.probabilities[t * nExperts + this.experts[t * k + s]];
      const clamped = total < 6.103515625e-5;
      const sum = Math.max(total, 6.103515625e-5);
      let weighted = 0;
      for (let s = 0; s < k; s++)
        weighted += dWeights[t * k + s] * this.probabilities[t * nExperts + this.experts[t * k + s]];
      for (let s = 0; s < k; s++) {
        const e = this.experts[t * k + s];
        dProbabilities[e] += dWeights[t * k + s] / sum - (clamped ? 0 : weighted / (sum * sum));
      }
      let dot = 0;
      for (let e = 0; e < nExperts; e++) dot += this.probabilities[t * nExperts + e] * dProbabilities[e];
      for (let e = 0; e < nExperts; e++) {
        const p = this.probabilities[t * nExperts + e];
        dLogits[t * nExperts + e] = p * (dProbabilities[e] - dot);
      }
    }
  }

  /** Routes every token and lays the (token, slot) rows out expert by expert. */
  private route(): void {
    const { nExperts, nExpertsUsed: k } = this.config;
    const n = this.rows;
    const counts = new Int32Array(nExperts);
    for (let t = 0; t < n; t++) {
      const route = {
        experts: this.experts.subarray(t * k, (t + 1) * k),
        weights: this.weights.subarray(t * k, (t + 1) * k),
      };
      routeToken(
        this.routerLogits.array,
        t * nExperts,
        this.config,
        route,
        this.probabilities.subarray(t * nExperts, (t + 1) * nExperts),
      );
      for (let s = 0; s < k; s++) counts[route.experts[s]]++;
    }
    this.expertStart[0] = 0;
    for (let e = 0; e < nExperts; e++) {
      this.expertStart[e + 1] = this.expertStart[e] + counts[e];
      this.fraction[e] = counts[e] / (n * k);
    }
    const next = this.expertStart.slice(0, nExperts);
    for (let t = 0; t < n; t++) {
      for (let s = 0; s < k; s++) {
        const r = next[this.experts[t * k + s]]++;
        this.rowToken[r] = t;
        this.rowSlot[r] = s;
      }
    }
  }

  private forEachExpert(body: (e: number, base: number, rows: number) => void): void {
    for (let e = 0; e < this.config.nExperts; e++) {
      const rows = this.expertStart[e + 1] - this.expertStart[e];
      if (rows > 0) body(e, this.expertStart[e], rows);
    }
  }
}
