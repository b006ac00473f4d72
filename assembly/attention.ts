// Causal grouped-query attention, forward and backward, one work item (sequence, head) at a time so a
// thread pool can split the heads. Scores are computed in chunks of CHUNK query rows; each chunk only
// computes the key columns up to its last row, so the causal half is skipped (up to a CHUNK-wide band).
import { matmul_nn, matmul_nt } from "./matmul";
import { softmaxScaled } from "./ops";

const CHUNK = 16;

function zero(x: usize, from: i32, to: i32): void {
  for (let j = from; j < to; j++) store<f32>(x + ((<usize>j) << 2), 0);
}

// One head: out (n, headSize) = softmax(q·kᵀ·scale, causal) · v for n query rows at positions
// startPos.., over keys/values 0..startPos+n−1. probs (n, ldp) receives the probabilities (zero above the
// diagonal up to the chunk edge). Row strides: ldq, ldkv, ldo, ldp (floats).
function attentionHead(
  out: usize,
  q: usize,
  keys: usize,
  values: usize,
  probs: usize,
  n: i32,
  startPos: i32,
  headSize: i32,
  ldq: i32,
  ldkv: i32,
  ldo: i32,
  ldp: i32,
  scale: f32,
): void {
  for (let r0 = 0; r0 < n; r0 += CHUNK) {
    const rows = min(CHUNK, n - r0);
    const cols = startPos + r0 + rows;
    const p0 = probs + ((<usize>r0 * <usize>ldp) << 2);
    matmul_nt(p0, q + ((<usize>r0 * <usize>ldq) << 2), keys, rows, headSize, ldp, ldq, ldkv, 0, cols, 0);
    for (let r = 0; r < rows; r++) {
      const length = startPos + r0 + r + 1;
      const row = p0 + ((<usize>r * <usize>ldp) << 2);
      softmaxScaled(row, length, scale);
      zero(row, length, cols);
    }
    matmul_nn(
      out + ((<usize>r0 * <usize>ldo) << 2),
      p0,
      values,
      headSize,
      cols,
      ldo,
      ldp,
      1,
      ldkv,
      0,
      rows,
      0,
    );
  }
}

// Items [item0, item1) of (sequence b, query head h), item = b·nHeads + h. Sequence b's query rows start
// at row b·seqRows of q and out; its keys and values at row b·kvRows. Query head h reads KV head
// h / (nHeads / nKvHeads). Item i's probabilities go to probs + i·probsStride floats, (n, ldp).
export function attention_forward(
  out: usize,
  q: usize,
  keys: usize,
  values: usize,
  probs: usize,
  nHeads: i32,
  nKvHeads: i32,
  headSize: i32,
  n: i32,
  startPos: i32,
  seqRows: i32,
  kvRows: i32,
  ldq: i32,
  ldkv: i32,
  ldo: i32,
  ldp: i32,
  probsStride: i32,
  scale: f32,
  item0: i32,
  item1: i32,
): void {
  const group = nHeads / nKvHeads;
  for (let item = item0; item < item1; item++) {
    const b = item / nHeads;
    const h = item % nHeads;
    const kvOffset = (<usize>b * <usize>kvRows * <usize>ldkv + <usize>(h / group) * <usize>headSize) << 2;
    attentionHead(
      out + ((<usize>b * <usize>seqRows * <usize>ldo + <usize>h * <usize>headSize) << 2),
      q + ((<usize>b * <usize>seqRows * <usize>ldq + <usize>h * <usize>headSize) << 2),
      keys + kvOffset,
      values + kvOffset,
      probs + ((<usize>item * <usize>probsStride) << 2),
      n,
      startPos,
      headSize,
      ldq,
      ldkv,
      ldo,
      ldp,
      scale,
    );
  }
}

// dS = P ⊙ (dP − Σ P ⊙ dP) · scale in place over one row of `length` floats (dRow holds dP).
function softmaxBackwardRow(dRow: usize, pRow: usize, length: i32, scale: f32): void {
  const end = (<usize>length) << 2;
  const end4 = (<usize>(length & ~3)) << 2;
  let acc = f32x4.splat(0);
  let at: usize = 0;
  for (; at < end4; at += 16) acc = f32x4.add(acc, f32x4.mul(v128.load(pRow + at), v128.load(dRow + at)));
  let dot: f32 =
    f32x4.extract_lane(acc, 0) +
    f32x4.extract_lane(acc, 1) +
    (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  for (; at < end; at += 4) dot += load<f32>(pRow + at) * load<f32>(dRow + at);
  const dots = f32x4.splat(dot);
  const scales = f32x4.splat(scale);
  for (at = 0; at < end4; at += 16)
    v128.store(
      dRow + at,
      f32x4.mul(f32x4.mul(v128.load(pRow + at), f32x4.sub(v128.load(dRow + at), dots)), scales),
    );
  for (; at < end; at += 4)
    store<f32>(dRow + at, load<f32>(pRow + at) * (load<f32>(dRow + at) - dot) * scale);
}

// Backward of one query head of a training sequence (startPos 0, n = T rows). Given probs P (T, ldp) and
// dout (T, headSize): dq = dS·k, dk += dSᵀ·q, dv += Pᵀ·dout with dS = P ⊙ (dP − rowsum(P ⊙ dP))·scale and
// dP = dout·vᵀ. dscores (T, ldp) is scratch.
function attentionHeadBackward(
  dq: usize,
  dk: usize,
  dv: usize,
  dout: usize,
  q: usize,
  keys: usize,
  values: usize,
  probs: usize,
  dscores: usize,
  n: i32,
  headSize: i32,
  ldq: i32,
  ldkv: i32,
  ldo: i32,
  ldp: i32,
  scale: f32,
): void {
  for (let r0 = 0; r0 < n; r0 += CHUNK) {
    const rows = min(CHUNK, n - r0);
    const cols = r0 + rows;
    const d0 = dscores + ((<usize>r0 * <usize>ldp) << 2);
    matmul_nt(d0, dout + ((<usize>r0 * <usize>ldo) << 2), values, rows, headSize, ldp, ldo, ldkv, 0, cols, 0);
    for (let r = 0; r < rows; r++) {
      const length = r0 + r + 1;
      const dRow = d0 + ((<usize>r * <usize>ldp) << 2);
      const pRow = probs + ((<usize>(r0 + r) * <usize>ldp) << 2);
      softmaxBackwardRow(dRow, pRow, length, scale);
      zero(dRow, length, cols);
    }
    matmul_nn(dq + ((<usize>r0 * <usize>ldq) << 2), d0, keys, headSize, cols, ldq, ldp, 1, ldkv, 0, rows, 0);
  }
  for (let c0 = 0; c0 < n; c0 += CHUNK) {
    const rows = min(CHUNK, n - c0);
    const diagonal = (<usize>c0 * <usize>ldp + <usize>c0) << 2;
    const kvRow = (<usize>c0 * <usize>ldkv) << 2;
    const qRow = (<usize>c0 * <usize>ldq) << 2;
    const oRow = (<usize>c0 * <usize>ldo) << 2;
    matmul_nn(dk + kvRow, dscores + diagonal, q + qRow, headSize, n - c0, ldkv, 1, ldp, ldq, 0, rows, 1);
    matmul_nn(dv + kvRow, probs + diagonal, dout + oRow, headSize, n - c0, ldkv, 1, ldp, ldo, 0, rows, 1);
  }
}

// Items [item0, item1) of (sequence b, KV head g), item = b·nKvHeads + g: every query head of the group.
// Layout as attention_forward with n = seqRows = kvRows = T; dq shares q's row stride (ldq), dk and dv the
// keys' (ldkv), dout has its own (ldo). dk and dv rows of the item are zeroed first. dscores: T·ldp floats
// per item.
export function attention_backward(
  dq: usize,
  dk: usize,
  dv: usize,
  dout: usize,
  q: usize,
  keys: usize,
  values: usize,
  probs: usize,
  dscores: usize,
  nHeads: i32,
  nKvHeads: i32,
  headSize: i32,
  n: i32,
  ldq: i32,
  ldkv: i32,
  ldo: i32,
  ldp: i32,
  probsStride: i32,
  scale: f32,
  item0: i32,
  item1: i32,
): void {
  const group = nHeads / nKvHeads;
  for (let item = item0; item < item1; item++) {
    const b = item / nKvHeads;
    const g = item % nKvHeads;
    const kvOffset = (<usize>b * <usize>n * <usize>ldkv + <usize>g * <usize>headSize) << 2;
    for (let r = 0; r < n; r++) {
      zero(dk + kvOffset + ((<usize>r * <usize>ldkv) << 2), 0, headSize);
      zero(dv + kvOffset + ((<usize>r * <usize>ldkv) << 2), 0, headSize);
    }
    const scratch = dscores + ((<usize>item * <usize>n * <usize>ldp) << 2);
    for (let h = g * group; h < (g + 1) * group; h++) {
      const qOffset = (<usize>b * <usize>n * <usize>ldq + <usize>h * <usize>headSize) << 2;
      const oOffset = (<usize>b * <usize>n * <usize>ldo + <usize>h * <usize>headSize) << 2;
      const head = b * nHeads + h;
      attentionHeadBackward(
        dq + qOffset,
        dk + kvOffset,
        dv + kvOffset,
        dout + oOffset,
        q + qOffset,
        keys + kvOffset,
        values + kvOffset,
        probs + ((<usize>head * <usize>probsStride) << 2),
        scratch,
        n,
        headSize,
        ldq,
        ldkv,
        ldo,
        ldp,
        scale,
      );
    }
  }
}
