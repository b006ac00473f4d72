/**
 * Token sampling: greedy, temperature, top-k and top-p (nucleus), reproducible from a seed, with an
 * optional mask of allowed tokens (constrained decoding). Order of the filters, as Hugging Face applies
 * them: temperature scales the logits, then top-k, then top-p on the tempered distribution.
 */
import { InvalidInputError } from "../errors.ts";
import { Random } from "./random.ts";

export interface SamplerOptions {
  /** Softmax temperature; 0 picks the most likely token (greedy). Default 1. */
  temperature?: number;
  /** Keep only the k most likely tokens; 0 keeps all. Default 0. */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p; 1 keeps all. Default 1. */
  topP?: number;
  /** Seed of the random draws. Default 0. */
  seed?: number;
}

/** Allowed token ids, or a mask over the vocabulary (non-zero = allowed). */
export type AllowedTokens = ArrayLike<number> | Uint8Array;

export class Sampler {
  readonly temperature: number;
  readonly topK: number;
  readonly topP: number;
  private readonly random: Random;

  constructor(options: SamplerOptions = {}) {
    this.temperature = options.temperature ?? 1;
    this.topK = options.topK ?? 0;
    this.topP = options.topP ?? 1;
    if (!(this.temperature >= 0) || !Number.isFinite(this.temperature)) {
      throw new InvalidInputError(`temperature ${this.temperature}`, { expected: "a finite number ≥ 0" });
    }
    if (!Number.isInteger(this.topK) || this.topK < 0) {
      throw new InvalidInputError(`topK ${this.topK}`, { expected: "an integer ≥ 0 (0 = off)" });
    }
    if (!(this.topP > 0 && this.topP <= 1)) {
      throw new InvalidInputError(`topP ${this.topP}`, { expected: "a number in (0, 1]" });
    }
    this.random = new Random(options.seed ?? 0);
  }

  /** Draws a token id from logits (not modified), restricted to `allowed` when given. */
  sample(logits: ArrayLike<number>, allowed?: AllowedTokens): number {
    if (this.temperature === 0) return argmax(logits, allowedMask(logits.length, allowed));
    const probabilities = this.distribution(logits, allowed);
    let u = this.random.nextFloat();
    let last = -1;
    for (let i = 0; i < probabilities.length; i++) {
      if (probabilities[i] === 0) continue;
      last = i;
      u -= probabilities[i];
      if (u < 0) return i;
    }
    return last; // rounding left a sliver of u: the last candidate
  }

  /** The probabilities that sample() draws from (zero outside top-k, top-p and the allowed set). */
  distribution(logits: ArrayLike<number>, allowed?: AllowedTokens): Float64Array {
    const n = logits.length;
    const mask = allowedMask(n, allowed);
    const probabilities = new Float64Array(n);
    if (this.temperature === 0) {
      probabilities[argmax(logits, mask)] = 1;
      return probabilities;
    }
    const candidates: number[] = [];
    for (let i = 0; i < n; i++) if (!mask || mask[i]) candidates.push(i);
    candidates.sort((a, b) => logits[b] - logits[a] || a - b);
    const kept = this.topK > 0 ? candidates.slice(0, this.topK) : candidates;
    const max = logits[kept[0]];
    let sum = 0;
    for (const i of kept) {
      probabilities[i] = Math.exp((logits[i] - max) / this.temperature);
      sum += probabilities[i];
    }
    let cumulative = 0;
    let nucleus = 0;
    for (const i of kept) {
      probabilities[i] /= sum;
      if (cumulative < this.topP) {
        cumulative += probabilities[i];
        nucleus += probabilities[i];
      } else probabilities[i] = 0;
    }
    for (const i of kept) probabilities[i] /= nucleus;
    return probabilities;
  }
}

/** A 0/1 mask of the allowed tokens, or null when everything is allowed; throws if none is. */
export function allowedMask(vocab: number, allowed?: AllowedTokens): Uint8Array | null {
  if (!allowed) return null;
  let mask: Uint8Array;
  if (allowed instanceof Uint8Array && allowed.length === vocab) mask = allowed;
  else {
    mask = new Uint8Array(vocab);
    for (let i = 0; i < allowed.length; i++) {
      const id = allowed[i];
      if (!Number.isInteger(id) || id < 0 || id >= vocab) {
        throw new InvalidInputError(`allowed token id ${id}`, { expected: `ids in [0, ${vocab})` });
      }
      mask[id] = 1;
    }
  }
  if (!mask.some((value) => value !== 0)) {
    throw new InvalidInputError("the constraint allows no token", { expected: "at least one allowed token" });
  }
  return mask;
}

/** Index of the largest logit among the allowed (ties: the lowest index). */
export function argmax(logits: ArrayLike<number>, mask?: Uint8Array | null): number {
  let best = -1;
  for (let i = 0; i < logits.length; i++) {
    if (mask && !mask[i]) continue;
    if (best < 0 || logits[i] > logits[best]) best = i;
  }
  return best;
}
