/**
 * Applying BPE merges inside one word, exactly as llama.cpp's `llm_tokenizer_bpe_session` does: start from
 * one symbol per byte, repeatedly merge the adjacent pair with the lowest merge rank (the leftmost pair on a
 * tie), until no adjacent pair has a merge. A priority queue keeps long words O(n log n).
 */

/** Merge table: (left id, right id) → rank, and rank → merged id. */ import { PairHeap } from "./pair-heap.ts";

export interface MergeTable {
  /** Rank of the merge of (left, right), or undefined. Key: left * 2^21 + right. */
  rankOf: Map<number, number>;
  /** (merges) the token id each merge produces, by rank. */
  resultOf: Int32Array;
}

export const MAX_VOCAB = 1 << 21;

export function pairKey(left: number, right: number): number {
  return left * MAX_VOCAB + right;
}

/** Candidate merges come out lowest rank first, then leftmost. */
const mergeOrder = (rankA: number, leftA: number, rankB: number, leftB: number) =>
  rankA < rankB || (rankA === rankB && leftA < leftB);

/** BPE-encodes one word given as bytes (byte b is token id b); appends the token ids to `out`. */
export function bpeWord(bytes: Uint8Array, merges: MergeTable, out: number[]): void {
  const length = bytes.length;
  if (length === 1) {
    out.push(bytes[0]);
    return;
  }
  const ids = Int32Array.from(bytes); // (length) current token of each live symbol
  const next = new Int32Array(length); // index of the next live symbol, -1 at the end
  const previous = new Int32Array(length); // index of the previous live symbol, -1 at the start
  const alive = new Uint8Array(length).fill(1);
  for (let index = 0; index < length; index++) {
    next[index] = index + 1 < length ? index + 1 : -1;
    previous[index] = index - 1;
  }
  const queue = new PairHeap(mergeOrder); // (rank, left symbol index)
  const consider = (left: number) => {
    if (left < 0 || next[left] < 0) return;
    const rank = merges.rankOf.get(pairKey(ids[left], ids[next[left]]));
    if (rank !== undefined) queue.push(rank, left);
  };
  for (let index = 0; index + 1 < length; index++) consider(index);
  while (queue.size > 0) {
    const [rank, left] = queue.pop();
    const right = next[left];
    // Skip entries made stale by an earlier merge: the pair at `left` must still be the one ranked `rank`.
    if (!alive[left] || right < 0 || merges.rankOf.get(pairKey(ids[left], ids[right])) !== rank) continue;
    ids[left] = merges.resultOf[rank];
    alive[right] = 0;
    next[left] = next[right];
    if (next[right] >= 0) previous[next[right]] = left;
    consider(previous[left]);
    consider(left);
  }
  for (let index = 0; index >= 0; index = next[index]) out.push(ids[index]);
}
