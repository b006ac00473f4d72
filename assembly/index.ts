// The cogcore WASM SIMD kernels. Built by scripts/build-kernels.ts into src/model/wasm/kernels-binary.ts.
export { attention_backward, attention_forward } from "./attention";
export { matmul_nn, matmul_nt } from "./matmul";
export {
  adamw,
  cross_entropy,
  exp_array,
  rmsnorm_backward,
  rmsnorm_forward,
  rope,
  scale,
  softmax_row,
  sum_squares,
  swiglu_backward,
  swiglu_forward,
} from "./ops";
