/**
 * A binary heap of number pairs (first, second), ordered by a comparator: `before(a, b)` says whether the
 * pair a = (firstA, secondA) comes out before b. Used for BPE merges (lowest rank, leftmost first) and for
 * BPE training (highest count, smallest pair key first).
 */
export type PairOrder = (firstA: number, secondA: number, firstB: number, secondB: number) => boolean;

export class PairHeap {
  private firsts: number[] = [];
  private seconds: number[] = [];

  constructor(private readonly before: PairOrder) {}

  get size(): number {
    return this.firsts.length;
  }

  private above(a: number, b: number): boolean {
    return this.before(this.firsts[a], this.seconds[a], this.firsts[b], this.seconds[b]);
  }

  private swap(a: number, b: number): void {
    [this.firsts[a], this.firsts[b]] = [this.firsts[b], this.firsts[a]];
    [this.seconds[a], this.seconds[b]] = [this.seconds[b], this.seconds[a]];
  }

  push(first: number, second: number): void {
    this.firsts.push(first);
    this.seconds.push(second);
    for (let index = this.firsts.length - 1; index > 0; ) {
      const parent = (index - 1) >> 1;
      if (!this.above(index, parent)) break;
      this.swap(index, parent);
      index = parent;
    }
  }

  /** Removes and returns the pair that comes first. The heap must not be empty. */
  pop(): [number, number] {
    const top: [number, number] = [this.firsts[0], this.seconds[0]];
    const lastFirst = this.firsts.pop()!;
    const lastSecond = this.seconds.pop()!;
    if (this.firsts.length > 0) {
      this.firsts[0] = lastFirst;
      this.seconds[0] = lastSecond;
      for (let index = 0; ; ) {
        const left = 2 * index + 1;
        let best = index;
        if (left < this.firsts.length && this.above(left, best)) best = left;
        if (left + 1 < this.firsts.length && this.above(left + 1, best)) best = left + 1;
        if (best === index) break;
        this.swap(index, best);
        index = best;
      }
    }
    return top;
  }
}
