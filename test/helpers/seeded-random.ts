/** A deterministic pseudo-random generator for tests (mulberry32): numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random string of `length` items drawn from `alphabet` (items may be several characters long). */
export function randomText(next: () => number, alphabet: readonly string[], length: number): string {
  let text = "";
  for (let index = 0; index < length; index++) text += alphabet[Math.floor(next() * alphabet.length)];
  return text;
}

/** Index of the first element where two float arrays differ (bitwise, NaN-safe), -1 if identical. */
export function firstDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Math.min(actual.length, expected.length);
  for (let index = 0; index < actual.length; index++) {
    if (!Object.is(actual[index], expected[index])) return index;
  }
  return -1;
}
