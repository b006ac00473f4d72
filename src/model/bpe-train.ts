/**
 * Learning BPE merges from a corpus: count the pre-tokenised words, then repeatedly merge the most frequent
 * adjacent token pair (ties: the smaller pair key, so training is deterministic) until the vocabulary has the
 * requested size. Pair counts are updated incrementally, only in the words that contain the merged pair, and
 * the best pair comes from a lazy max-heap, so a few MB of text train in seconds.
 */
import { InvalidInputError } from "../errors.ts";
import { createProgress } from "../progress.ts";
import { MAX_VOCAB, pairKey } from "./bpe.ts";
import { BYTE_TO_CHAR } from "./byte-unicode.ts";
import { SPECIAL_TOKENS } from "./chat-format.ts";
import { PairHeap } from "./pair-heap.ts";
import { codepointsToString, splitWordEnds, toCodepoints } from "./pretokenize.ts";
import { Tokenizer, type TokenizerOptions } from "./tokenizer.ts";
import { utf8OfCodepoints } from "./utf8.ts";

export interface TrainTokenizerOptions extends TokenizerOptions {
  /** Vocabulary size to reach, byte and special tokens included (fewer if the corpus runs out of pairs). */
  vocabSize: number;
  /** A pair must occur at least this many times to be merged. Default 2. */
  minFrequency?: number;
  /** Draw a progress bar on stderr. Default true (silenced by $COGCORE_QUIET). */
  progress?: boolean;
}

/** Pre-tokenised word → occurrences, special tokens removed. */
export function countWords(corpus: Iterable<string>, specialTokens: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  const escaped = specialTokens.map((token) => token.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const specialPattern = escaped.length > 0 ? new RegExp(escaped.join("|")) : undefined;
  for (const text of corpus) {
    for (const fragment of specialPattern ? text.split(specialPattern) : [text]) {
      const codepoints = toCodepoints(fragment);
      let start = 0;
      for (const end of splitWordEnds(codepoints)) {
        const word = codepointsToString(codepoints, start, end);
        start = end;
        counts.set(word, (counts.get(word) ?? 0) + 1);
      }
    }
  }
  return counts;
}

/** Pairs come out most frequent first, then smallest pair key (deterministic). Entries may be stale. */
const countOrder = (countA: number, keyA: number, countB: number, keyB: number) =>
  countA > countB || (countA === countB && keyA < keyB);

/** Word-level training state: each distinct word as token ids with its frequency, and the pair statistics. */
class MergeState {
  readonly words: number[][] = []; // (words) current token ids of each distinct word
  readonly frequencies: number[] = []; // (words) occurrences of each word
  readonly pairCount = new Map<number, number>();
  readonly pairWords = new Map<number, number[]>(); // pair → words that contain it (may repeat or be stale)
  private readonly visited: Int32Array;

  constructor(wordCounts: Map<string, number>) {
    for (const [word, count] of wordCounts) {
      const bytes = utf8OfCodepoints(toCodepoints(word));
      if (bytes.length < 2) continue;
      this.words.push(Array.from(bytes));
      this.frequencies.push(count);
    }
    this.visited = new Int32Array(this.words.length).fill(-1);
    for (let index = 0; index < this.words.length; index++)
      this.addPairs(index, this.words[index], undefined);
  }

  private addPairs(index: number, word: number[], onlyWith: number | undefined, touched?: Set<number>): void {
    const frequency = this.frequencies[index];
    for (let position = 0; position + 1 < word.length; position++) {
      const key = pairKey(word[position], word[position + 1]);
      this.pairCount.set(key, (this.pairCount.get(key) ?? 0) + frequency);
      if (onlyWith !== undefined && word[position] !== onlyWith && word[position + 1] !== onlyWith) continue;
      touched?.add(key);
      const list = this.pairWords.get(key);
      if (list) list.push(index);
      else this.pairWords.set(key, [index]);
    }
  }

  private removePairs(index: number, word: number[]): void {
    const frequency = this.frequencies[index];
    for (let position = 0; position + 1 < word.length; position++) {
      const key = pairKey(word[position], word[position + 1]);
      const count = (this.pairCount.get(key) ?? 0) - frequency;
      if (count > 0) this.pairCount.set(key, count);
      else this.pairCount.delete(key);
    }
  }

  /** Replaces every (left, right) by `merged` in the words that hold it; returns the pairs whose count grew. */
  apply(step: number, left: number, right: number, merged: number): Set<number> {
    const key = pairKey(left, right);
    const touched = new Set<number>();
    for (const index of this.pairWords.get(key) ?? []) {
      if (this.visited[index] === step) continue;
      this.visited[index] = step;
      const word = this.words[index];
      if (!containsPair(word, left, right)) continue;
      this.removePairs(index, word);
      const next: number[] = [];
      for (let position = 0; position < word.length; position++) {
        if (position + 1 < word.length && word[position] === left && word[position + 1] === right) {
          next.push(merged);
          position++;
        } else {
          next.push(word[position]);
        }
      }
      this.words[index] = next;
      this.addPairs(index, next, merged, touched);
    }
    this.pairWords.delete(key);
    this.pairCount.delete(key);
    return touched;
  }
}

function containsPair(word: number[], left: number, right: number): boolean {
  for (let position = 0; position + 1 < word.length; position++) {
    if (word[position] === left && word[position + 1] === right) return true;
  }
  return false;
}

/** Learns a tokenizer of (at most) `vocabSize` tokens from the corpus. */
export function trainTokenizer(corpus: Iterable<string>, options: TrainTokenizerOptions): Tokenizer {
  const specialTokens = options.specialTokens ?? SPECIAL_TOKENS;
  const minFrequency = options.minFrequency ?? 2;
  const baseSize = 256 + specialTokens.length;
  if (!Number.isInteger(options.vocabSize) || options.vocabSize < baseSize || options.vocabSize > MAX_VOCAB) {
    throw new InvalidInputError(`tokenizer vocabSize is ${options.vocabSize}`, {
      expected: `an integer from ${baseSize} (bytes + special tokens) to ${MAX_VOCAB}`,
    });
  }
  const state = new MergeState(countWords(corpus, specialTokens));
  const texts = [...BYTE_TO_CHAR, ...specialTokens];
  const idOfText = new Map(texts.map((text, id) => [text, id]));
  const merges: Array<[number, number]> = [];
  const heap = new PairHeap(countOrder); // (count, pair key), checked against the live counts on pop
  for (const [key, count] of state.pairCount) heap.push(count, key);
  const progress = createProgress({
    label: "tokenizer merges",
    total: options.vocabSize - baseSize,
    quiet: options.progress === false ? true : undefined,
  });
  while (texts.length < options.vocabSize && heap.size > 0) {
    const [count, key] = heap.pop();
    const live = state.pairCount.get(key) ?? 0;
    if (live !== count) {
      if (live > 0) heap.push(live, key); // stale entry: re-queue with the true count
      continue;
    }
    if (count < minFrequency) break;
    const left = Math.floor(key / MAX_VOCAB);
    const right = key % MAX_VOCAB;
    const text = texts[left] + texts[right];
    let merged = idOfText.get(text);
    if (merged !== undefined && merged >= 256 && merged < baseSize) {
      state.pairCount.delete(key); // would spell a special token: never merge it
      continue;
    }
    if (merged === undefined) {
      merged = texts.length;
      texts.push(text);
      idOfText.set(text, merged);
      progress.update(texts.length - baseSize);
    }
    merges.push([left, right]);
    for (const touchedKey of state.apply(merges.length, left, right, merged)) {
      const touchedCount = state.pairCount.get(touchedKey);
      if (touchedCount) heap.push(touchedCount, touchedKey);
    }
  }
  progress.stop();
  return new Tokenizer(merges, { ...options, specialTokens });
}
