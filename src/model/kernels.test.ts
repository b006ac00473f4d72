import { afterAll, describe, expect, it } from "vitest";
import { finiteDifferences } from "./gradient-check.ts";
import {
  attention,
  attentionBackward,
  crossEntropy,
  matmul,
  matmulInputGrad,
  matmulWeightGrad,
  rmsnorm,
  rmsnormBackward,
  rope,
  ropeKernelTables,
  swiglu,
  swigluBackward,
} from "./kernels.ts";
import {
  attentionReference,
  matmulReference,
  rmsnormReference,
  ropeReference,
  ropeTables,
  siluReference,
  softmaxReference,
} from "./kernels-reference.ts";
import { Random } from "./random.ts";
import { allocFloats, type Floats, floatsFrom, freeFloats, runtime } from "./wasm/runtime.ts";

const random = new Random(1234);
const buffers: Floats[] = [];
afterAll(() => {
  for (const buffer of buffers) freeFloats(buffer);
});

function randomFloats(length: number, scale = 1): Floats {
  const buffer = allocFloats(length);
  for (let i = 0; i < length; i++) buffer.array[i] = random.nextNormal() * scale;
  buffers.push(buffer);
  return buffer;
}

function zeros(length: number): Floats {
  const buffer = allocFloats(length);
  buffers.push(buffer);
  return buffer;
}

/** max |a − b| / (1 + |b|): relative for large values, absolute near zero. */
function maxError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / (1 + Math.abs(expected[i])));
  }
  return worst;
}

function transpose(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c];
  return out;
}

// Odd sizes on purpose: every tail of the register blocks (rows, columns and k not multiples of the block)
// and sizes large enough to split between threads and cross the cache blocks.
const shapes: Array<[number, number, number]> = [
  [1, 1, 1],
  [1, 7, 5],
  [3, 5, 9],
  [2, 4, 4],
  [5, 13, 11],
  [17, 33, 70],
  [70, 37, 300],
  [65, 130, 257],
  [128, 96, 64],
];

describe("matmul kernels against the reference", () => {
  for (const [n, d, k] of shapes) {
    it(`forward, input and weight gradients at n=${n} d=${d} k=${k}`, () => {
      // float32 sums of k products: allow rounding that grows like sqrt(k)
      const tolerance = 4e-6 * Math.sqrt(Math.max(k, n));
      const x = randomFloats(n * k);
      const w = randomFloats(d * k);
      const out = zeros(n * d);
      const expected = new Float32Array(n * d);
      matmulReference(expected, x.array, w.array, n, d, k);
      matmul(out.ptr, x.ptr, w.ptr, n, d, k);
      expect(maxError(out.array, expected)).toBeLessThan(tolerance);
      // accumulate adds to what is there
      matmul(out.ptr, x.ptr, w.ptr, n, d, k, true);
      expect(
        maxError(
          out.array,
          expected.map((v) => 2 * v),
        ),
      ).toBeLessThan(tolerance);

      const dy = randomFloats(n * d);
      const dx = zeros(n * k);
      const dxExpected = new Float32Array(n * k);
      matmulReference(dxExpected, dy.array, transpose(w.array, d, k), n, k, d);
      matmulInputGrad(dx.ptr, dy.ptr, w.ptr, n, d, k);
      expect(maxError(dx.array, dxExpected)).toBeLessThan(tolerance);

      const dw = randomFloats(d * k);
      const dwExpected = new Float32Array(d * k);
      matmulReference(dwExpected, transpose(dy.array, n, d), transpose(x.array, n, k), d, k, n);
      for (let i = 0; i < dwExpected.length; i++) dwExpected[i] += dw.array[i];
      matmulWeightGrad(dw.ptr, dy.ptr, x.ptr, n, d, k);
      expect(maxError(dw.array, dwExpected)).toBeLessThan(tolerance);
    });
  }

  it("respects row strides (a column block of a wider matrix)", () => {
    const [n, d, k, ldx, ldo] = [9, 10, 7, 12, 15];
    const x = randomFloats(n * ldx);
    const w = randomFloats(d * k);
    const out = randomFloats(n * ldo);
    const before = out.array.slice();
    const dense = new Float32Array(n * k);
    for (let r = 0; r < n; r++) dense.set(x.array.subarray(r * ldx, r * ldx + k), r * k);
    const expected = new Float32Array(n * d);
    matmulReference(expected, dense, w.array, n, d, k);
    matmul(out.ptr, x.ptr, w.ptr, n, d, k, false, { ldo, ldx });
    for (let r = 0; r < n; r++) {
      expect(
        maxError(out.array.subarray(r * ldo, r * ldo + d), expected.subarray(r * d, (r + 1) * d)),
      ).toBeLessThan(1e-5);
      expect(out.array.subarray(r * ldo + d, (r + 1) * ldo)).toEqual(
        before.subarray(r * ldo + d, (r + 1) * ldo),
      );
    }
  });
});

describe("row kernels against the reference", () => {
  it("exp is within 2e-7 relative of Math.exp over the float range", () => {
    const n = 1001;
    const x = zeros(n);
    for (let i = 0; i < n; i++) x.array[i] = -87 + (175 * i) / (n - 1);
    const out = zeros(n);
    runtime().kernels.exp_array(out.ptr, x.ptr, n);
    for (let i = 0; i < n; i++) {
      expect(Math.abs(out.array[i] - Math.exp(x.array[i])) / Math.exp(x.array[i])).toBeLessThan(2.5e-7);
    }
  });

  it("rmsnorm forward and backward", () => {
    const [n, dim] = [7, 37];
    const x = randomFloats(n * dim, 3);
    const weight = randomFloats(dim);
    const out = zeros(n * dim);
    const rstd = zeros(n);
    rmsnorm(out.ptr, x.ptr, weight.ptr, rstd.ptr, n, dim, 1e-5);
    const expected = new Float32Array(n * dim);
    rmsnormReference(expected, x.array, weight.array, n, dim, 1e-5);
    expect(maxError(out.array, expected)).toBeLessThan(1e-6);
    // backward against central differences of the float64 reference on loss = Σ out ⊙ g
    const g = randomFloats(n * dim);
    const dx = zeros(n * dim);
    const dweight = zeros(dim);
    rmsnormBackward(dx.ptr, dweight.ptr, g.ptr, x.ptr, weight.ptr, rstd.ptr, n, dim);
    const loss = (xs: Float64Array, ws: Float64Array) => {
      const y = new Float64Array(n * dim);
      rmsnormReference(y, xs, ws, n, dim, 1e-5);
      return y.reduce((sum, v, i) => sum + v * g.array[i], 0);
    };
    const xs = Float64Array.from(x.array);
    const ws = Float64Array.from(weight.array);
    expect(
      maxError(
        dx.array,
        finiteDifferences(xs, () => loss(xs, ws)),
      ),
    ).toBeLessThan(1e-4);
    expect(
      maxError(
        dweight.array,
        finiteDifferences(ws, () => loss(xs, ws)),
      ),
    ).toBeLessThan(1e-4);
  });

  it("rope forward, and its inverse rotation, at an offset position", () => {
    const [n, nHeads, headSize, ldx, startPos] = [5, 3, 10, 34, 7];
    const tables = ropeTables(headSize, 10000, 32);
    const expanded = ropeKernelTables(tables, headSize);
    const cos = floatsFrom(expanded.cos);
    const sin = floatsFrom(expanded.sin);
    buffers.push(cos, sin);
    const x = randomFloats(n * ldx);
    const original = x.array.slice();
    const options = {
      ldx,
      nHeads,
      headSize,
      seqLen: n,
      startPos,
      cos: cos.ptr,
      sin: sin.ptr,
      direction: 1 as const,
    };
    rope(x.ptr, n, options);
    const heads = new Float32Array(n * nHeads * headSize);
    for (let r = 0; r < n; r++)
      heads.set(original.subarray(r * ldx, r * ldx + nHeads * headSize), r * nHeads * headSize);
    ropeReference(heads, n, nHeads, headSize, startPos, tables);
    for (let r = 0; r < n; r++) {
      const row = x.array.subarray(r * ldx, r * ldx + nHeads * headSize);
      expect(maxError(row, heads.subarray(r * nHeads * headSize, (r + 1) * nHeads * headSize))).toBeLessThan(
        1e-6,
      );
      expect(x.array.subarray(r * ldx + nHeads * headSize, (r + 1) * ldx)).toEqual(
        original.subarray(r * ldx + nHeads * headSize, (r + 1) * ldx),
      );
    }
    rope(x.ptr, n, { ...options, direction: -1 });
    expect(maxError(x.array, original)).toBeLessThan(1e-6);
  });

  it("swiglu forward and backward", () => {
    const [n, ffn, ldg] = [6, 19, 40];
    const gu = randomFloats(n * ldg, 3);
    const dh = randomFloats(n * ffn);
    const h = zeros(n * ffn);
    swiglu(h.ptr, gu.ptr, gu.ptr + ffn * 4, n, ffn, ldg);
    const dgu = zeros(n * ldg);
    swigluBackward(dgu.ptr, dgu.ptr + ffn * 4, dh.ptr, gu.ptr, gu.ptr + ffn * 4, n, ffn, ldg);
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < ffn; i++) {
        const g = gu.array[r * ldg + i];
        const u = gu.array[r * ldg + ffn + i];
        expect(h.array[r * ffn + i]).toBeCloseTo(siluReference(g) * u, 5);
        const eps = 1e-4;
        const dSilu = (siluReference(g + eps) - siluReference(g - eps)) / (2 * eps);
        expect(dgu.array[r * ldg + i]).toBeCloseTo(dh.array[r * ffn + i] * u * dSilu, 3);
        expect(dgu.array[r * ldg + ffn + i]).toBeCloseTo(dh.array[r * ffn + i] * siluReference(g), 5);
      }
    }
  });

  it("cross-entropy: loss and gradient (softmax − onehot)·weight·scale", () => {
    const [n, vocab] = [5, 23];
    const logits = randomFloats(n * vocab, 4);
    const original = logits.array.slice();
    const targets = zeros(n);
    const targetIds = new Int32Array(targets.array.buffer, targets.ptr, n);
    targetIds.set([0, 22, 5, 5, 11]);
    const weights = floatsFrom([1, 0.5, 0, 2, 1]);
    const losses = zeros(n);
    buffers.push(weights);
    crossEntropy(logits.ptr, targets.ptr, weights.ptr, losses.ptr, n, vocab, 0.25);
    for (let r = 0; r < n; r++) {
      const row = Float64Array.from(original.subarray(r * vocab, (r + 1) * vocab));
      softmaxReference(row, 0, vocab);
      expect(losses.array[r]).toBeCloseTo(-Math.log(row[targetIds[r]]), 5);
      const scale = weights.array[r] * 0.25;
      for (let j = 0; j < vocab; j++) {
        const expected = (row[j] - (j === targetIds[r] ? 1 : 0)) * scale;
        expect(logits.array[r * vocab + j]).toBeCloseTo(expected, 6);
      }
    }
  });
});

describe("attention kernels against the reference", () => {
  const shape = { nHeads: 4, nKvHeads: 2, headSize: 6 };
  const qDim = shape.nHeads * shape.headSize;
  const kvDim = shape.nKvHeads * shape.headSize;

  it("forward over a KV cache: later rows at an offset, grouped KV heads", () => {
    for (const [n, startPos] of [
      [1, 0],
      [1, 20],
      [37, 0],
      [5, 11],
    ]) {
      const positions = startPos + n;
      const q = randomFloats(n * qDim, 2);
      const keys = randomFloats(positions * kvDim, 2);
      const values = randomFloats(positions * kvDim);
      const out = zeros(n * qDim);
      const probs = zeros(shape.nHeads * n * positions);
      const layout = {
        ...shape,
        n,
        startPos,
        sequences: 1,
        ldq: qDim,
        ldkv: kvDim,
        ldo: qDim,
        ldp: positions,
        seqRows: n,
        kvRows: positions,
      };
      attention(out.ptr, q.ptr, keys.ptr, values.ptr, probs.ptr, layout);
      const expected = new Float64Array(n * qDim);
      attentionReference(expected, q.array, keys.array, values.array, n, startPos, shape);
      expect(maxError(out.array, expected)).toBeLessThan(1e-5);
    }
  });

  it("forward and backward over a batch of training sequences (fused q|k|v rows)", () => {
    const [sequences, n] = [2, 21];
    const ld = qDim + 2 * kvDim;
    const qkv = randomFloats(sequences * n * ld, 1.5);
    const out = zeros(sequences * n * qDim);
    const probs = zeros(sequences * shape.nHeads * n * n);
    const layout = {
      ...shape,
      n,
      startPos: 0,
      sequences,
      ldq: ld,
      ldkv: ld,
      ldo: qDim,
      ldp: n,
      seqRows: n,
      kvRows: n,
    };
    const [q, k, v] = [qkv.ptr, qkv.ptr + qDim * 4, qkv.ptr + (qDim + kvDim) * 4];
    attention(out.ptr, q, k, v, probs.ptr, layout);
    const dout = randomFloats(sequences * n * qDim);
    const dqkv = randomFloats(sequences * n * ld);
    const dscores = zeros(sequences * shape.nKvHeads * n * n);
    const grads = {
      dq: dqkv.ptr,
      dk: dqkv.ptr + qDim * 4,
      dv: dqkv.ptr + (qDim + kvDim) * 4,
      dout: dout.ptr,
      dscores: dscores.ptr,
    };
    attentionBackward(grads, q, k, v, probs.ptr, layout);
    // reference: per sequence, split q|k|v; loss = Σ out ⊙ dout; gradients by central differences
    const all = Float64Array.from(qkv.array);
    const loss = () => {
      let total = 0;
      for (let b = 0; b < sequences; b++) {
        const split = (from: number, width: number) => {
          const part = new Float64Array(n * width);
          for (let r = 0; r < n; r++)
            for (let c = 0; c < width; c++) part[r * width + c] = all[(b * n + r) * ld + from + c];
          return part;
        };
        const o = new Float64Array(n * qDim);
        attentionReference(o, split(0, qDim), split(qDim, kvDim), split(qDim + kvDim, kvDim), n, 0, shape);
        for (let i = 0; i < n * qDim; i++) total += o[i] * dout.array[b * n * qDim + i];
      }
      return total;
    };
    const expectedOut = new Float64Array(n * qDim);
    expect(out.array.length).toBe(sequences * n * qDim);
    expect(expectedOut.length).toBe(n * qDim);
    expect(maxError(dqkv.array, finiteDifferences(all, loss))).toBeLessThan(1e-4);
  });
});
