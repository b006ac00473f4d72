// Elementwise and row-wise kernels (WASM SIMD, f32): exp, RMSNorm, RoPE, SwiGLU, cross-entropy, AdamW.
// Pointers are byte addresses; sizes and strides are in floats. Each forward has its backward beside it.

// exp(x) for four lanes: Cephes expf (range reduction by ln 2, degree-6 polynomial), within 2 ulp.
export function exp4(x: v128): v128 {
  x = f32x4.min(f32x4.max(x, f32x4.splat(-87.3)), f32x4.splat(88.3));
  const fx = f32x4.nearest(f32x4.mul(x, f32x4.splat(<f32>Math.LOG2E)));
  x = f32x4.sub(x, f32x4.mul(fx, f32x4.splat(0.693359375)));
  x = f32x4.sub(x, f32x4.mul(fx, f32x4.splat(-2.1219444e-4)));
  const z = f32x4.mul(x, x);
  let y = f32x4.splat(1.98756915e-4);
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(1.3981999507e-3));
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(8.3334519073e-3));
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(4.1665795894e-2));
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(1.6666665459e-1));
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(5.0000001201e-1));
  y = f32x4.add(f32x4.add(f32x4.mul(y, z), x), f32x4.splat(1));
  const n = i32x4.trunc_sat_f32x4_s(fx);
  const scale = i32x4.shl(i32x4.add(n, i32x4.splat(127)), 23);
  return f32x4.mul(y, scale);
}

export function exp1(x: f32): f32 {
  return f32x4.extract_lane(exp4(f32x4.splat(x)), 0);
}

// out (n) = exp(x (n)) — exposed for tests of exp4.
export function exp_array(out: usize, x: usize, n: i32): void {
  const n4 = (<usize>(n & ~3)) << 2;
  let p: usize = 0;
  for (; p < n4; p += 16) v128.store(out + p, exp4(v128.load(x + p)));
  for (; p < (<usize>n) << 2; p += 4) store<f32>(out + p, exp1(load<f32>(x + p)));
}

// Σ x² over a row of dim floats.
function sumSquares(x: usize, dim: i32): f32 {
  let acc = f32x4.splat(0);
  const d4 = (<usize>(dim & ~3)) << 2;
  let p: usize = 0;
  for (; p < d4; p += 16) {
    const v = v128.load(x + p);
    acc = f32x4.add(acc, f32x4.mul(v, v));
  }
  let sum =
    f32x4.extract_lane(acc, 0) +
    f32x4.extract_lane(acc, 1) +
    (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  for (; p < (<usize>dim) << 2; p += 4) sum += load<f32>(x + p) * load<f32>(x + p);
  return sum;
}

// RMSNorm rows [r0, r1): out = x · rstd · weight with rstd = 1/sqrt(mean(x²) + eps), saved in rstd (n) if
// rstd != 0. x, out: (n, dim).
export function rmsnorm_forward(
  out: usize,
  x: usize,
  weight: usize,
  rstd: usize,
  dim: i32,
  eps: f32,
  r0: i32,
  r1: i32,
): void {
  const row = (<usize>dim) << 2;
  const d4 = (<usize>(dim & ~3)) << 2;
  for (let r = r0; r < r1; r++) {
    const xr = x + <usize>r * row;
    const or = out + <usize>r * row;
    const scale: f32 = 1 / Mathf.sqrt(sumSquares(xr, dim) / <f32>dim + eps);
    if (rstd !== 0) store<f32>(rstd + ((<usize>r) << 2), scale);
    const s = f32x4.splat(scale);
    let p: usize = 0;
    for (; p < d4; p += 16)
      v128.store(or + p, f32x4.mul(f32x4.mul(v128.load(xr + p), s), v128.load(weight + p)));
    for (; p < row; p += 4) store<f32>(or + p, load<f32>(xr + p) * scale * load<f32>(weight + p));
  }
}

// RMSNorm backward for all n rows: dx (n, dim) += ∂loss/∂x, dweight (dim) += ∂loss/∂weight.
// With y = x·r·w: dx = r·(dy⊙w) − x·r³/dim·Σ(dy⊙w⊙x), dw = Σ_rows dy⊙x·r.
export function rmsnorm_backward(
  dx: usize,
  dweight: usize,
  dy: usize,
  x: usize,
  weight: usize,
  rstd: usize,
  n: i32,
  dim: i32,
): void {
  const row = (<usize>dim) << 2;
  for (let r = 0; r < n; r++) {
    const xr = x + <usize>r * row;
    const dyr = dy + <usize>r * row;
    const dxr = dx + <usize>r * row;
    const scale = load<f32>(rstd + ((<usize>r) << 2));
    let dot: f32 = 0;
    for (let p: usize = 0; p < row; p += 4) {
      const g = load<f32>(dyr + p);
      dot += g * load<f32>(weight + p) * load<f32>(xr + p);
      store<f32>(dweight + p, load<f32>(dweight + p) + g * load<f32>(xr + p) * scale);
    }
    const c = (dot * scale * scale * scale) / <f32>dim;
    for (let p: usize = 0; p < row; p += 4) {
      const g = load<f32>(dyr + p) * load<f32>(weight + p);
      store<f32>(dxr + p, load<f32>(dxr + p) + scale * g - c * load<f32>(xr + p));
    }
  }
}

// RoPE in place on rows [r0, r1) of x (rows, ·) with row stride ldx, nHeads heads of headSize at the start
// of each row. Row r is at position startPos + r % seqLen. cos, sin: (positions, headSize), each pair's
// value repeated twice, sin with signs (−s, +s). direction 1 rotates forward, −1 backward (for gradients).
export function rope(
  x: usize,
  ldx: i32,
  nHeads: i32,
  headSize: i32,
  seqLen: i32,
  startPos: i32,
  cos: usize,
  sin: usize,
  direction: i32,
  r0: i32,
  r1: i32,
): void {
  const hs = (<usize>headSize) << 2;
  const sign = f32x4.splat(<f32>direction);
  for (let r = r0; r < r1; r++) {
    const position = startPos + (r % seqLen);
    const c = cos + <usize>position * hs;
    const s = sin + <usize>position * hs;
    const row = x + ((<usize>r * <usize>ldx) << 2);
    for (let h = 0; h < nHeads; h++) {
      const head = row + <usize>h * hs;
      let p: usize = 0;
      for (; p + 16 <= hs; p += 16) {
        const v = v128.load(head + p);
        const swapped = v128.shuffle<f32>(v, v, 1, 0, 3, 2);
        const rotated = f32x4.mul(swapped, f32x4.mul(v128.load(s + p), sign));
        v128.store(head + p, f32x4.add(f32x4.mul(v, v128.load(c + p)), rotated));
      }
      if (p < hs) {
        const x0 = load<f32>(head + p);
        const x1 = load<f32>(head + p + 4);
        const sn = load<f32>(s + p + 4) * <f32>direction;
        const cs = load<f32>(c + p);
        store<f32>(head + p, x0 * cs - x1 * sn);
        store<f32>(head + p + 4, x1 * cs + x0 * sn);
      }
    }
  }
}

function silu4(g: v128): v128 {
  return f32x4.div(g, f32x4.add(f32x4.splat(1), exp4(f32x4.neg(g))));
}

// SwiGLU rows [r0, r1): h (n, ffn) = silu(gate) ⊙ up, where gate and up are at gate + r·ldg and up + r·ldg.
export function swiglu_forward(h: usize, gate: usize, up: usize, ffn: i32, ldg: i32, r0: i32, r1: i32): void {
  const row = (<usize>ffn) << 2;
  const f4 = (<usize>(ffn & ~3)) << 2;
  const gRow = (<usize>ldg) << 2;
  for (let r = r0; r < r1; r++) {
    const hr = h + <usize>r * row;
    const gr = gate + <usize>r * gRow;
    const ur = up + <usize>r * gRow;
    let p: usize = 0;
    for (; p < f4; p += 16) v128.store(hr + p, f32x4.mul(silu4(v128.load(gr + p)), v128.load(ur + p)));
    for (; p < row; p += 4) {
      const g = load<f32>(gr + p);
      store<f32>(hr + p, (g / (1 + exp1(-g))) * load<f32>(ur + p));
    }
  }
}

// SwiGLU backward rows [r0, r1): dgate = dh ⊙ up ⊙ σ(g)(1 + g(1 − σ(g))), dup = dh ⊙ silu(g), written (not
// accumulated) at dgate + r·ldg and dup + r·ldg.
export function swiglu_backward(
  dgate: usize,
  dup: usize,
  dh: usize,
  gate: usize,
  up: usize,
  ffn: i32,
  ldg: i32,
  r0: i32,
  r1: i32,
): void {
  const row = (<usize>ffn) << 2;
  const gRow = (<usize>ldg) << 2;
  const f4 = (<usize>(ffn & ~3)) << 2;
  const one = f32x4.splat(1);
  for (let r = r0; r < r1; r++) {
    const dhr = dh + <usize>r * row;
    const gr = gate + <usize>r * gRow;
    const ur = up + <usize>r * gRow;
    const dgr = dgate + <usize>r * gRow;
    const dur = dup + <usize>r * gRow;
    let p: usize = 0;
    for (; p < f4; p += 16) {
      const g = v128.load(gr + p);
      const d = v128.load(dhr + p);
      const sig = f32x4.div(one, f32x4.add(one, exp4(f32x4.neg(g))));
      const silu = f32x4.mul(g, sig);
      const dsilu = f32x4.mul(sig, f32x4.add(one, f32x4.mul(g, f32x4.sub(one, sig))));
      v128.store(dgr + p, f32x4.mul(f32x4.mul(d, v128.load(ur + p)), dsilu));
      v128.store(dur + p, f32x4.mul(d, silu));
    }
    for (; p < row; p += 4) {
      const g = load<f32>(gr + p);
      const d = load<f32>(dhr + p);
      const sig: f32 = 1 / (1 + exp1(-g));
      store<f32>(dgr + p, d * load<f32>(ur + p) * sig * (1 + g * (1 - sig)));
      store<f32>(dur + p, d * g * sig);
    }
  }
}

// Below this many nats under the row's maximum a probability is written as 0: e^−30 ≈ 1e−13 is lost in
// f32 sums next to the maximum's 1 anyway, and the probabilities kept stay far from the subnormal range
// (< 1.2e−38), whose arithmetic is tens of times slower on x86. Sharp attention heads of a trained model
// produced such probabilities and, through the products with them, halved the speed of training.
const SOFTMAX_FLOOR: f32 = -30;

// Softmax in place over x (n) after multiplying by scale (as ggml_soft_max_ext: x·scale, then softmax,
// subtracting the maximum first); returns log Σ exp(x·scale).
export function softmaxScaled(x: usize, n: i32, scale: f32): f32 {
  const end = (<usize>n) << 2;
  const n4 = (<usize>(n & ~3)) << 2;
  const s = f32x4.splat(scale);
  let maxv = f32x4.splat(-Infinity);
  let p: usize = 0;
  for (; p < n4; p += 16) {
    const v = f32x4.mul(v128.load(x + p), s);
    v128.store(x + p, v);
    maxv = f32x4.max(maxv, v);
  }
  let m = Mathf.max(
    Mathf.max(f32x4.extract_lane(maxv, 0), f32x4.extract_lane(maxv, 1)),
    Mathf.max(f32x4.extract_lane(maxv, 2), f32x4.extract_lane(maxv, 3)),
  );
  for (; p < end; p += 4) {
    const v = load<f32>(x + p) * scale;
    store<f32>(x + p, v);
    m = Mathf.max(m, v);
  }
  const mv = f32x4.splat(m);
  let acc = f32x4.splat(0);
  p = 0;
  const floor = f32x4.splat(SOFTMAX_FLOOR);
  for (; p < n4; p += 16) {
    const d = f32x4.sub(v128.load(x + p), mv);
    const e = v128.and(exp4(d), f32x4.ge(d, floor));
    v128.store(x + p, e);
    acc = f32x4.add(acc, e);
  }
  let sum =
    f32x4.extract_lane(acc, 0) +
    f32x4.extract_lane(acc, 1) +
    (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  for (; p < end; p += 4) {
    const d = load<f32>(x + p) - m;
    const e: f32 = d < SOFTMAX_FLOOR ? 0 : exp1(d);
    store<f32>(x + p, e);
    sum += e;
  }
  const inverse: f32 = 1 / sum;
  const inv = f32x4.splat(inverse);
  p = 0;
  for (; p < n4; p += 16) v128.store(x + p, f32x4.mul(v128.load(x + p), inv));
  for (; p < end; p += 4) store<f32>(x + p, load<f32>(x + p) * inverse);
  return m + Mathf.log(sum);
}

// Softmax in place over one row of n floats at x; returns log Σ exp(x).
export function softmax_row(x: usize, n: i32): f32 {
  return softmaxScaled(x, n, 1);
}

// Cross-entropy rows [r0, r1) of logits (n, vocab), targets (n) i32, weights (n): writes loss_r =
// log Σ exp(logits_r) − logits_r[target] (unweighted) to losses (n), and replaces the logits by
// ∂(Σ_r w_r·loss_r·gradScale)/∂logits = (softmax − onehot(target))·w·gradScale.
export function cross_entropy(
  logits: usize,
  targets: usize,
  weights: usize,
  losses: usize,
  vocab: i32,
  gradScale: f32,
  r0: i32,
  r1: i32,
): void {
  const row = (<usize>vocab) << 2;
  const v4 = (<usize>(vocab & ~3)) << 2;
  for (let r = r0; r < r1; r++) {
    const lr = logits + <usize>r * row;
    const target = (<usize>load<i32>(targets + ((<usize>r) << 2))) << 2;
    const targetLogit = load<f32>(lr + target);
    const logSumExp = softmax_row(lr, vocab);
    store<f32>(losses + ((<usize>r) << 2), logSumExp - targetLogit);
    const scale: f32 = load<f32>(weights + ((<usize>r) << 2)) * gradScale;
    const s4 = f32x4.splat(scale);
    let p: usize = 0;
    for (; p < v4; p += 16) v128.store(lr + p, f32x4.mul(v128.load(lr + p), s4));
    for (; p < row; p += 4) store<f32>(lr + p, load<f32>(lr + p) * scale);
    store<f32>(lr + target, load<f32>(lr + target) - scale);
  }
}

// AdamW on parameters [start, end) with decoupled weight decay: m = β1·m + (1−β1)·g, v = β2·v + (1−β2)·g²,
// p −= lr·(m/bias1 / (sqrt(v/bias2) + eps) + weightDecay·p), where bias1 = 1 − β1^t, bias2 = 1 − β2^t and
// g = grads·gradScale (global-norm clipping).
export function adamw(
  params: usize,
  grads: usize,
  m: usize,
  v: usize,
  lr: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  weightDecay: f32,
  bias1: f32,
  bias2: f32,
  gradScale: f32,
  start: i32,
  end: i32,
): void {
  for (let p: usize = (<usize>start) << 2; p < (<usize>end) << 2; p += 4) {
    const g = load<f32>(grads + p) * gradScale;
    const mt = beta1 * load<f32>(m + p) + (1 - beta1) * g;
    const vt = beta2 * load<f32>(v + p) + (1 - beta2) * g * g;
    store<f32>(m + p, mt);
    store<f32>(v + p, vt);
    const w = load<f32>(params + p);
    store<f32>(params + p, w - lr * (mt / bias1 / (Mathf.sqrt(vt / bias2) + eps) + weightDecay * w));
  }
}

// Σ x² over n floats, in f64.
export function sum_squares(x: usize, n: i32): f64 {
  let sum: f64 = 0;
  for (let p: usize = 0; p < (<usize>n) << 2; p += 4) {
    const value = <f64>load<f32>(x + p);
    sum += value * value;
  }
  return sum;
}

// x (n) ·= s.
export function scale(x: usize, n: i32, s: f32): void {
  for (let p: usize = 0; p < (<usize>n) << 2; p += 4) store<f32>(x + p, load<f32>(x + p) * s);
}
