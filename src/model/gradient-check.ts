/**
 * Finite differences for gradient checks. Central differences on a float64 function have truncation
 * error O(step²·f''') and rounding error O(ε·|f|/step); with step 1e-6 and ε = 2⁻⁵² both are far below the
 * 1e-3 relative error that the checks allow, so the float64 differences are a sound yardstick for the
 * float32 analytic gradients.
 */

/** Central differences of f with respect to each entry of x (modified in place and restored). */
export function finiteDifferences(
  x: Float64Array,
  f: () => number,
  step = 1e-6,
  indices?: number[],
): Float64Array {
  const gradient = new Float64Array(x.length);
  for (const i of indices ?? x.keys()) {
    const saved = x[i];
    x[i] = saved + step;
    const plus = f();
    x[i] = saved - step;
    const minus = f();
    x[i] = saved;
    gradient[i] = (plus - minus) / (2 * step);
  }
  return gradient;
}

/** ‖a − b‖ / max(‖a‖, ‖b‖, tiny) over the given indices (all by default). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>, indices?: number[]): number {
  let difference = 0;
  let normA = 0;
  let normB = 0;
  for (const i of indices ?? Array.from({ length: a.length }, (_, k) => k)) {
    difference += (a[i] - b[i]) ** 2;
    normA += a[i] ** 2;
    normB += b[i] ** 2;
  }
  return Math.sqrt(difference) / Math.max(Math.sqrt(normA), Math.sqrt(normB), 1e-30);
}
