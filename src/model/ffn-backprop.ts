/**
 * Dense SwiGLU feed-forward for training, forward beside backward: xNext += down(silu(gate·x) ⊙ up·x).
 * ffn_gate and ffn_up are adjacent in the parameter layout, so one product computes both (and one computes
 * both gradients). Same interface as MoeLayer.
 */
import type { ModelConfig } from "./config.ts";
import { matmul, matmulInputGrad, matmulWeightGrad, swiglu, swigluBackward } from "./kernels.ts";
import type { CoreModel } from "./model.ts";
import { allocFloats, type Floats, freeFloats } from "./wasm/runtime.ts";

/** Gradient buffers shared by every dense layer (they are used one layer at a time). */
export interface DenseFfnScratch {
  dGateUp: Floats; // (N, 2·ffnDim)
  dHidden: Floats; // (N, ffnDim)
}

export class DenseFfnLayer {
  private readonly config: ModelConfig;
  private readonly rows: number;
  private readonly gateUp: Floats; // (N, 2·ffnDim) gate | up before the activation
  private readonly hidden: Floats; // (N, ffnDim) silu(gate) ⊙ up
  private readonly scratch: DenseFfnScratch;

  constructor(config: ModelConfig, rows: number, scratch: DenseFfnScratch | null) {
    this.config = config;
    this.rows = rows;
    this.gateUp = allocFloats(rows * 2 * config.ffnDim);
    this.hidden = allocFloats(rows * config.ffnDim);
    if (!scratch) throw new Error("a dense layer needs gradient scratch");
    this.scratch = scratch;
  }

  dispose(): void {
    freeFloats(this.gateUp);
    freeFloats(this.hidden);
  }

  /** xNext (N, dim) += FFN(normed); returns 0 (no auxiliary loss). */
  forward(model: CoreModel, layer: number, normed: Floats, xNext: Floats): number {
    const { dim, ffnDim } = this.config;
    const n = this.rows;
    const gateUp = this.gateUp.ptr;
    matmul(gateUp, normed.ptr, model.address(`blk.${layer}.ffn_gate.weight`), n, 2 * ffnDim, dim);
    swiglu(this.hidden.ptr, gateUp, gateUp + ffnDim * 4, n, ffnDim, 2 * ffnDim);
    matmul(xNext.ptr, this.hidden.ptr, model.address(`blk.${layer}.ffn_down.weight`), n, dim, ffnDim, true);
    return 0;
  }

  /** Backward: dx (N, dim) is ∂loss/∂xNext; writes ∂loss/∂normed into dNormed, adds the weight gradients. */
  backward(
    model: CoreModel,
    layer: number,
    grads: Floats,
    offsets: Map<string, number>,
    normed: Floats,
    dx: Floats,
    dNormed: Floats,
  ): void {
    const { dim, ffnDim } = this.config;
    const n = this.rows;
    const down = `blk.${layer}.ffn_down.weight`;
    const gate = `blk.${layer}.ffn_gate.weight`;
    const { dGateUp, dHidden } = this.scratch;
    matmulInputGrad(dHidden.ptr, dx.ptr, model.address(down), n, dim, ffnDim);
    matmulWeightGrad(grads.ptr + offsets.get(down)!, dx.ptr, this.hidden.ptr, n, dim, ffnDim);
    const gateUp = this.gateUp.ptr;
    const dGate = dGateUp.ptr;
    swigluBackward(
      dGate,
      dGate + ffnDim * 4,
      dHidden.ptr,
      gateUp,
      gateUp + ffnDim * 4,
      n,
      ffnDim,
      2 * ffnDim,
    );
    matmulInputGrad(dNormed.ptr, dGate, model.address(gate), n, 2 * ffnDim, dim);
    matmulWeightGrad(grads.ptr + offsets.get(gate)!, dGate, normed.ptr, n, 2 * ffnDim, dim);
  }
}
