import { describe, expect, it } from "vitest";
import { seededRandom } from "../../test/helpers/seeded-random.ts";
import { bpeWord, type MergeTable, pairKey } from "./bpe.ts";

/** Reference BPE: repeatedly merge the lowest-ranked adjacent pair, the leftmost one on a tie. O(n²). */
function referenceBpe(bytes: Uint8Array, merges: Array<[number, number]>, results: number[]): number[] {
  const symbols = Array.from(bytes);
  const rankOf = new Map<number, number>();
  merges.forEach(([left, right], rank) => {
    if (!rankOf.has(pairKey(left, right))) rankOf.set(pairKey(left, right), rank);
  });
  for (;;) {
    let best = Number.POSITIVE_INFINITY;
    let at = -1;
    for (let index = 0; index + 1 < symbols.length; index++) {
      const rank = rankOf.get(pairKey(symbols[index], symbols[index + 1]));
      if (rank !== undefined && rank < best) {
        best = rank;
        at = index;
      }
    }
    if (at < 0) return symbols;
    symbols.splice(at, 2, results[best]);
  }
}

describe("bpeWord", () => {
  it("matches the reference merge order on random words and merge tables", () => {
    const next = seededRandom(3);
    for (let trial = 0; trial < 200; trial++) {
      // Alphabet of 4 bytes (97..100), 30 random merges over existing tokens; result ids from 256 upwards.
      const merges: Array<[number, number]> = [];
      const results: number[] = [];
      const tokens = [97, 98, 99, 100];
      for (let rank = 0; rank < 30; rank++) {
        const left = tokens[Math.floor(next() * tokens.length)];
        const right = tokens[Math.floor(next() * tokens.length)];
        merges.push([left, right]);
        results.push(256 + rank);
        tokens.push(256 + rank);
      }
      const table: MergeTable = { rankOf: new Map(), resultOf: Int32Array.from(results) };
      merges.forEach(([left, right], rank) => {
        if (!table.rankOf.has(pairKey(left, right))) table.rankOf.set(pairKey(left, right), rank);
      });
      const length = 1 + Math.floor(next() * (trial < 190 ? 12 : 3000));
      const word = Uint8Array.from({ length }, () => 97 + Math.floor(next() * 4));
      const ids: number[] = [];
      bpeWord(word, table, ids);
      expect(ids).toEqual(referenceBpe(word, merges, results));
    }
  });
});
