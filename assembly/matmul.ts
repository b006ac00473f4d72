// Matrix multiplication kernels (WASM SIMD, f32). Pointers are byte addresses into the shared memory;
// strides are in floats. Each kernel computes a range of output rows or columns so that a thread pool
// can split one product between threads with no two threads writing the same element.

// [sum(a0), sum(a1), sum(a2), sum(a3)]: the four horizontal sums in one vector.
function horizontalSums(a0: v128, a1: v128, a2: v128, a3: v128): v128 {
  const t0 = f32x4.add(v128.shuffle<f32>(a0, a1, 0, 4, 1, 5), v128.shuffle<f32>(a0, a1, 2, 6, 3, 7));
  const t1 = f32x4.add(v128.shuffle<f32>(a2, a3, 0, 4, 1, 5), v128.shuffle<f32>(a2, a3, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(t0, t1, 0, 1, 4, 5), v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
}

function storeResult(address: usize, value: v128, accumulate: i32): void {
  v128.store(address, accumulate ? f32x4.add(value, v128.load(address)) : value);
}

function storeScalar(address: usize, value: f32, accumulate: i32): void {
  store<f32>(address, accumulate ? value + load<f32>(address) : value);
}

// Dot product of two float vectors of length k (k4 = k rounded down to 4).
function dot(a: usize, b: usize, k: i32): f32 {
  let acc0 = f32x4.splat(0);
  let acc1 = f32x4.splat(0);
  const k8 = (<usize>(k & ~7)) << 2;
  let p: usize = 0;
  for (; p < k8; p += 32) {
    acc0 = f32x4.add(acc0, f32x4.mul(v128.load(a + p), v128.load(b + p)));
    acc1 = f32x4.add(acc1, f32x4.mul(v128.load(a + p, 16), v128.load(b + p, 16)));
  }
  if ((k & 4) !== 0) {
    acc0 = f32x4.add(acc0, f32x4.mul(v128.load(a + p), v128.load(b + p)));
    p += 16;
  }
  acc0 = f32x4.add(acc0, acc1);
  let sum =
    f32x4.extract_lane(acc0, 0) +
    f32x4.extract_lane(acc0, 1) +
    (f32x4.extract_lane(acc0, 2) + f32x4.extract_lane(acc0, 3));
  const end = (<usize>k) << 2;
  for (; p < end; p += 4) sum += load<f32>(a + p) * load<f32>(b + p);
  return sum;
}

// Rows of x per cache block of matmul_nt: the block of x stays in L1 while every w row passes over it.
const NT_ROWS = 32;

// out (n, ·) (+)= x (n, k) · w (·, k)ᵀ for the columns j in [j0, j1) of out (rows of w).
export function matmul_nt(
  out: usize,
  x: usize,
  w: usize,
  n: i32,
  k: i32,
  ldo: i32,
  ldx: i32,
  ldw: i32,
  j0: i32,
  j1: i32,
  accumulate: i32,
): void {
  for (let i = 0; i < n; i += NT_ROWS) {
    const rows = min(NT_ROWS, n - i);
    const xBlock = x + ((<usize>i * <usize>ldx) << 2);
    const oBlock = out + ((<usize>i * <usize>ldo) << 2);
    matmulNtBlock(oBlock, xBlock, w, rows, k, ldo, ldx, ldw, j0, j1, accumulate);
  }
}

// The register-blocked core of matmul_nt: 2 rows of x by 4 rows of w, 8 accumulators, dot products along k.
function matmulNtBlock(
  out: usize,
  x: usize,
  w: usize,
  n: i32,
  k: i32,
  ldo: i32,
  ldx: i32,
  ldw: i32,
  j0: i32,
  j1: i32,
  accumulate: i32,
): void {
  const kBytes4 = (<usize>(k & ~3)) << 2;
  const kBytes = (<usize>k) << 2;
  const wRow = (<usize>ldw) << 2;
  const xRow = (<usize>ldx) << 2;
  const oRow = (<usize>ldo) << 2;
  let j = j0;
  for (; j + 4 <= j1; j += 4) {
    const w0 = w + <usize>j * wRow;
    const w1 = w0 + wRow;
    const w2 = w1 + wRow;
    const w3 = w2 + wRow;
    let i = 0;
    for (; i + 2 <= n; i += 2) {
      const x0 = x + <usize>i * xRow;
      const x1 = x0 + xRow;
      let a00 = f32x4.splat(0);
      let a01 = f32x4.splat(0);
      let a02 = f32x4.splat(0);
      let a03 = f32x4.splat(0);
      let a10 = f32x4.splat(0);
      let a11 = f32x4.splat(0);
      let a12 = f32x4.splat(0);
      let a13 = f32x4.splat(0);
      for (let p: usize = 0; p < kBytes4; p += 16) {
        const v0 = v128.load(x0 + p);
        const v1 = v128.load(x1 + p);
        let u = v128.load(w0 + p);
        a00 = f32x4.add(a00, f32x4.mul(v0, u));
        a10 = f32x4.add(a10, f32x4.mul(v1, u));
        u = v128.load(w1 + p);
        a01 = f32x4.add(a01, f32x4.mul(v0, u));
        a11 = f32x4.add(a11, f32x4.mul(v1, u));
        u = v128.load(w2 + p);
        a02 = f32x4.add(a02, f32x4.mul(v0, u));
        a12 = f32x4.add(a12, f32x4.mul(v1, u));
        u = v128.load(w3 + p);
        a03 = f32x4.add(a03, f32x4.mul(v0, u));
        a13 = f32x4.add(a13, f32x4.mul(v1, u));
      }
      let r0 = horizontalSums(a00, a01, a02, a03);
      let r1 = horizontalSums(a10, a11, a12, a13);
      if (kBytes4 < kBytes) {
        let t0 = f32x4.splat(0);
        let t1 = f32x4.splat(0);
        for (let p = kBytes4; p < kBytes; p += 4) {
          const u = f32x4(load<f32>(w0 + p), load<f32>(w1 + p), load<f32>(w2 + p), load<f32>(w3 + p));
          t0 = f32x4.add(t0, f32x4.mul(v128.load32_splat(x0 + p), u));
          t1 = f32x4.add(t1, f32x4.mul(v128.load32_splat(x1 + p), u));
        }
        r0 = f32x4.add(r0, t0);
        r1 = f32x4.add(r1, t1);
      }
      const o = out + <usize>i * oRow + ((<usize>j) << 2);
      storeResult(o, r0, accumulate);
      storeResult(o + oRow, r1, accumulate);
    }
    if (i < n) {
      const x0 = x + <usize>i * xRow;
      let a00 = f32x4.splat(0);
      let a01 = f32x4.splat(0);
      let a02 = f32x4.splat(0);
      let a03 = f32x4.splat(0);
      for (let p: usize = 0; p < kBytes4; p += 16) {
        const v0 = v128.load(x0 + p);
        a00 = f32x4.add(a00, f32x4.mul(v0, v128.load(w0 + p)));
        a01 = f32x4.add(a01, f32x4.mul(v0, v128.load(w1 + p)));
        a02 = f32x4.add(a02, f32x4.mul(v0, v128.load(w2 + p)));
        a03 = f32x4.add(a03, f32x4.mul(v0, v128.load(w3 + p)));
      }
      let r0 = horizontalSums(a00, a01, a02, a03);
      for (let p = kBytes4; p < kBytes; p += 4) {
        const u = f32x4(load<f32>(w0 + p), load<f32>(w1 + p), load<f32>(w2 + p), load<f32>(w3 + p));
        r0 = f32x4.add(r0, f32x4.mul(v128.load32_splat(x0 + p), u));
      }
      storeResult(out + <usize>i * oRow + ((<usize>j) << 2), r0, accumulate);
    }
  }
  for (; j < j1; j++) {
    const w0 = w + <usize>j * wRow;
    for (let i = 0; i < n; i++) {
      storeScalar(out + <usize>i * oRow + ((<usize>j) << 2), dot(x + <usize>i * xRow, w0, k), accumulate);
    }
  }
}

// Cache blocking of matmul_nn: NN_ROWS rows of A by NN_DEPTH of k stay in L1/L2 while the column
// strips of B (NN_DEPTH × 8 floats) pass over them. A read transposed (a weight gradient: each step of
// k jumps a whole row of dy) takes a shallower block, NN_DEPTH_STRIDED, so that it spans fewer pages:
// the core's training step runs about 4 % faster (the weight-gradient products 73 → 64 ms).
const NN_ROWS = 64;
const NN_DEPTH = 256;
const NN_DEPTH_STRIDED = 64;

// out (·, n) (+)= A (·, k) · B (k, n) for the rows i in [i0, i1) of out, where A(i, p) is the float at
// a + (i·ars + p·acs)·4 (so A may be read transposed: ars = 1, acs = its row stride) and B is row-major.
export function matmul_nn(
  out: usize,
  a: usize,
  b: usize,
  n: i32,
  k: i32,
  ldo: i32,
  ars: i32,
  acs: i32,
  ldb: i32,
  i0: i32,
  i1: i32,
  accumulate: i32,
): void {
  for (let i = i0; i < i1; i += NN_ROWS) {
    const iEnd = min(i + NN_ROWS, i1);
    const step = acs === 1 ? NN_DEPTH : NN_DEPTH_STRIDED;
    for (let p = 0; p < k; p += step) {
      const depth = min(step, k - p);
      const aBlock = a + ((<usize>p * <usize>acs) << 2);
      const bBlock = b + ((<usize>p * <usize>ldb) << 2);
      matmulNnBlock(out, aBlock, bBlock, n, depth, ldo, ars, acs, ldb, i, iEnd, accumulate | (p > 0 ? 1 : 0));
    }
  }
}

// The register-blocked core of matmul_nn: 4 rows by 8 columns, 8 accumulators, A broadcast one element at
// a time; columns outer so that a strip of B stays in L1 across the rows.
function matmulNnBlock(
  out: usize,
  a: usize,
  b: usize,
  n: i32,
  k: i32,
  ldo: i32,
  ars: i32,
  acs: i32,
  ldb: i32,
  i0: i32,
  i1: i32,
  accumulate: i32,
): void {
  const aRow = (<usize>ars) << 2;
  const aCol = (<usize>acs) << 2;
  const bRow = (<usize>ldb) << 2;
  const oRow = (<usize>ldo) << 2;
  const i4 = i0 + ((i1 - i0) & ~3);
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    for (let i = i0; i < i4; i += 4) {
      const o = out + <usize>i * oRow + ((<usize>j) << 2);
      let c00 = f32x4.splat(0);
      let c01 = f32x4.splat(0);
      let c10 = f32x4.splat(0);
      let c11 = f32x4.splat(0);
      let c20 = f32x4.splat(0);
      let c21 = f32x4.splat(0);
      let c30 = f32x4.splat(0);
      let c31 = f32x4.splat(0);
      let pa = a + <usize>i * aRow;
      let pb = b + ((<usize>j) << 2);
      for (let p = 0; p < k; p++) {
        const b0 = v128.load(pb);
        const b1 = v128.load(pb, 16);
        let s = v128.load32_splat(pa);
        c00 = f32x4.add(c00, f32x4.mul(s, b0));
        c01 = f32x4.add(c01, f32x4.mul(s, b1));
        s = v128.load32_splat(pa + aRow);
        c10 = f32x4.add(c10, f32x4.mul(s, b0));
        c11 = f32x4.add(c11, f32x4.mul(s, b1));
        s = v128.load32_splat(pa + 2 * aRow);
        c20 = f32x4.add(c20, f32x4.mul(s, b0));
        c21 = f32x4.add(c21, f32x4.mul(s, b1));
        s = v128.load32_splat(pa + 3 * aRow);
        c30 = f32x4.add(c30, f32x4.mul(s, b0));
        c31 = f32x4.add(c31, f32x4.mul(s, b1));
        pa += aCol;
        pb += bRow;
      }
      storeResult(o, c00, accumulate);
      storeResult(o + 16, c01, accumulate);
      storeResult(o + oRow, c10, accumulate);
      storeResult(o + oRow + 16, c11, accumulate);
      storeResult(o + 2 * oRow, c20, accumulate);
      storeResult(o + 2 * oRow + 16, c21, accumulate);
      storeResult(o + 3 * oRow, c30, accumulate);
      storeResult(o + 3 * oRow + 16, c31, accumulate);
    }
  }
  for (; j + 4 <= n; j += 4) {
    for (let i = i0; i < i4; i += 4) {
      let c0 = f32x4.splat(0);
      let c1 = f32x4.splat(0);
      let c2 = f32x4.splat(0);
      let c3 = f32x4.splat(0);
      let pa = a + <usize>i * aRow;
      let pb = b + ((<usize>j) << 2);
      for (let p = 0; p < k; p++) {
        const b0 = v128.load(pb);
        c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(pa), b0));
        c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(pa + aRow), b0));
        c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(pa + 2 * aRow), b0));
        c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(pa + 3 * aRow), b0));
        pa += aCol;
        pb += bRow;
      }
      const o = out + <usize>i * oRow + ((<usize>j) << 2);
      storeResult(o, c0, accumulate);
      storeResult(o + oRow, c1, accumulate);
      storeResult(o + 2 * oRow, c2, accumulate);
      storeResult(o + 3 * oRow, c3, accumulate);
    }
  }
  for (; j < n; j++) {
    for (let i = i0; i < i4; i++) {
      let s: f32 = 0;
      let pa = a + <usize>i * aRow;
      let pb = b + ((<usize>j) << 2);
      for (let p = 0; p < k; p++) {
        s += load<f32>(pa) * load<f32>(pb);
        pa += aCol;
        pb += bRow;
      }
      storeScalar(out + <usize>i * oRow + ((<usize>j) << 2), s, accumulate);
    }
  }
  for (let i = i4; i < i1; i++)
    matmulRow(out + <usize>i * oRow, a + <usize>i * aRow, b, n, k, aCol, bRow, accumulate);
}

// One output row: out (n) (+)= Σ_p A(p) · B(p, ·).
function matmulRow(
  out: usize,
  a: usize,
  b: usize,
  n: i32,
  k: i32,
  aCol: usize,
  bRow: usize,
  accumulate: i32,
): void {
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    let c0 = f32x4.splat(0);
    let c1 = f32x4.splat(0);
    let pa = a;
    let pb = b + ((<usize>j) << 2);
    for (let p = 0; p < k; p++) {
      const s = v128.load32_splat(pa);
      c0 = f32x4.add(c0, f32x4.mul(s, v128.load(pb)));
      c1 = f32x4.add(c1, f32x4.mul(s, v128.load(pb, 16)));
      pa += aCol;
      pb += bRow;
    }
    storeResult(out + ((<usize>j) << 2), c0, accumulate);
    storeResult(out + ((<usize>j) << 2) + 16, c1, accumulate);
  }
  for (; j < n; j++) {
    let s: f32 = 0;
    let pa = a;
    let pb = b + ((<usize>j) << 2);
    for (let p = 0; p < k; p++) {
      s += load<f32>(pa) * load<f32>(pb);
      pa += aCol;
      pb += bRow;
    }
    storeScalar(out + ((<usize>j) << 2), s, accumulate);
  }
}
