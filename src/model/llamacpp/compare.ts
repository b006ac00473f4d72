/** Comparing our logits with llama.cpp's log-probabilities. */

/** Log-softmax of each row of (T, V) logits, in float64: (T, V). */
export function logSoftmaxRows(logits: ArrayLike<number>, vocabSize: number): Float64Array {
  const out = new Float64Array(logits.length);
  for (let row = 0; row < logits.length / vocabSize; row++) {
    const offset = row * vocabSize;
    let max = Number.NEGATIVE_INFINITY;
    for (let v = 0; v < vocabSize; v++) max = Math.max(max, logits[offset + v]);
    let sum = 0;
    for (let v = 0; v < vocabSize; v++) sum += Math.exp(logits[offset + v] - max);
    const logSum = max + Math.log(sum);
    for (let v = 0; v < vocabSize; v++) out[offset + v] = logits[offset + v] - logSum;
  }
  return out;
}

/**
 * max |Δ log-probability| over every position and vocabulary entry between our logits (T, V) and llama.cpp's
 * log-probabilities (T, V) from llamaCppLogProbabilities.
 */
export function maxAbsLogprobDiff(
  ourLogits: ArrayLike<number>,
  llamaCppLogprobs: Float64Array,
  vocabSize: number,
): number {
  if (ourLogits.length !== llamaCppLogprobs.length) {
    throw new RangeError(
      `${ourLogits.length} logits but ${llamaCppLogprobs.length} llama.cpp log-probabilities`,
    );
  }
  const ours = logSoftmaxRows(ourLogits, vocabSize);
  let max = 0;
  for (let index = 0; index < ours.length; index++)
    max = Math.max(max, Math.abs(ours[index] - llamaCppLogprobs[index]));
  return max;
}
