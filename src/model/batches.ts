/**
 * Training batches from token sequences: a sequence's per-token loss weights say which tokens the model
 * learns to predict (a trainer gives weight 1 to the assistant's tokens and 0 to prompts and tool output).
 * sequenceBatches yields a deterministic, resumable stream: batch i depends only on (seed, i).
 */
import { InvalidInputError } from "../errors.ts";
import { Random } from "./random.ts";

/** A batch of B sequences of T tokens, row-major (B, T). */
export interface Batch {
  batchSize: number;
  seqLen: number;
  /** (B, T) input token ids. */
  inputs: Int32Array;
  /** (B, T) the token to predict after each input. */
  targets: Int32Array;
  /** (B, T) loss weight of each target: 0 ignores it (prompt, tool output, padding). */
  weights: Float32Array;
}

export interface TrainingSequence {
  /** Token ids. */
  tokens: ArrayLike<number>;
  /** Loss weight of predicting each token (index 0 is never predicted). Default 1 for every token. */
  weights?: ArrayLike<number>;
}

/**
 * One batch (B = sequences.length, T = seqLen): inputs are tokens[0..T), targets tokens[1..T+1], each
 * target weighted by its token's weight. Longer sequences are cut to T+1 tokens; shorter ones are padded
 * with token 0 at weight 0.
 */
export function makeBatch(sequences: TrainingSequence[], seqLen: number): Batch {
  const batchSize = sequences.length;
  const inputs = new Int32Array(batchSize * seqLen);
  const targets = new Int32Array(batchSize * seqLen);
  const weights = new Float32Array(batchSize * seqLen);
  sequences.forEach((sequence, b) => {
    const { tokens } = sequence;
    if (sequence.weights && sequence.weights.length !== tokens.length) {
      throw new InvalidInputError(
        `sequence ${b} has ${sequence.weights.length} weights for ${tokens.length} tokens`,
        {
          expected: "one weight per token",
        },
      );
    }
    for (let t = 0; t < seqLen && t + 1 < tokens.length; t++) {
      inputs[b * seqLen + t] = tokens[t];
      targets[b * seqLen + t] = tokens[t + 1];
      weights[b * seqLen + t] = sequence.weights ? sequence.weights[t + 1] : 1;
    }
  });
  return { batchSize, seqLen, inputs, targets, weights };
}

export interface SequenceBatchOptions {
  batchSize: number;
  seqLen: number;
  /** Shuffling seed: each epoch is a fresh permutation drawn from it. */
  seed: number;
  /** Index of the first batch to yield (to resume a run). Default 0. */
  start?: number;
}

/** An endless stream of shuffled batches; batch i is the same for the same (sequences, seed, i). */
export function* sequenceBatches(
  sequences: TrainingSequence[],
  options: SequenceBatchOptions,
): Generator<Batch> {
  const count = sequences.length;
  if (count === 0)
    throw new InvalidInputError("no training sequences", { expected: "at least one sequence" });
  const { batchSize, seqLen, seed } = options;
  let index = (options.start ?? 0) * batchSize;
  let epoch = -1;
  let order: number[] = [];
  for (;;) {
    const picked: TrainingSequence[] = [];
    for (let b = 0; b < batchSize; b++, index++) {
      const wanted = Math.floor(index / count);
      if (wanted !== epoch) {
        epoch = wanted;
        order = permutation(count, new Random(seed * 1_000_003 + epoch));
      }
      picked.push(sequences[order[index % count]]);
    }
    yield makeBatch(picked, seqLen);
  }
}

function permutation(count: number, random: Random): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = random.nextInt(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** Throws unless the batch is batchSize × seqLen with ids in [0, vocabSize) and weights ≥ 0. */
export function checkBatch(batch: Batch, vocabSize: number, batchSize: number, seqLen: number): void {
  const n = batchSize * seqLen;
  if (batch.batchSize !== batchSize || batch.seqLen !== seqLen) {
    throw new InvalidInputError(`batch of ${batch.batchSize}×${batch.seqLen}`, {
      expected: `${batchSize}×${seqLen} (pad shorter sequences with weight 0)`,
    });
  }
  if (batch.inputs.length !== n || batch.targets.length !== n || batch.weights.length !== n) {
    throw new InvalidInputError("batch arrays of the wrong length", { expected: `${n} entries each` });
  }
  const isId = (id: number) => Number.isInteger(id) && id >= 0 && id < vocabSize;
  for (let t = 0; t < n; t++) {
    if (!isId(batch.inputs[t]) || !isId(batch.targets[t])) {
      throw new InvalidInputError(`token id out of range at batch row ${t}`, {
        expected: `ids in [0, ${vocabSize})`,
      });
    }
    if (!(batch.weights[t] >= 0)) {
      throw new InvalidInputError(`loss weight ${batch.weights[t]} at batch row ${t}`, {
        expected: "a weight ≥ 0",
      });
    }
  }
}
