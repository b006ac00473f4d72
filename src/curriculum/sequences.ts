/**
 * Traces as training sequences: token ids with a loss weight per token. The model learns only what it
 * writes at run time:
 *
 *   <|user|>question<|end|><|assistant|><|think|>plan<|/think|><|call|>search(…)<|/call|><|tool|>…<|end|>
 *   0 ……………………………………… 0  0            1 ……………………………………………………………………………………………… 1  1       0 ……… 0
 *
 * Weight 1 for every token of an assistant turn after its opening `<|assistant|>` (which the runtime
 * writes), and for the `<|tool|>` that follows a call: the decoder asks the model whether to call again
 * or hand over to the tools (core-decoder.ts), and the answer it must learn is "hand over".
 *
 * Sequences are packed, several traces per training row, first-fit by decreasing length, so a short
 * lookup and a long comparison share a row instead of each padding its own.
 */
import type { TrainingSequence } from "../model/batches.ts";
import { type CoreTurn, END, renderAssistantTurn, TOOL, USER } from "../model/chat-template.ts";
import type { Tokenizer } from "../model/tokenizer.ts";

/**
 * One trace's tokens and their loss weights (index i: the weight of predicting token i). With
 * `contextWeight` > 0, the question's and the observations' tokens are learned too, at that weight.
 */
export function traceSequence(
  turns: CoreTurn[],
  tokenizer: Tokenizer,
  contextWeight = 0,
): { tokens: number[]; weights: number[] } {
  const tokens: number[] = [];
  const weights: number[] = [];
  let afterCall = false;
  for (const turn of turns) {
    const text =
      turn.role === "user"
        ? `${USER}${turn.content}${END}`
        : turn.role === "tool"
          ? `${TOOL}${turn.content}${END}`
          : renderAssistantTurn(turn);
    const ids = tokenizer.encode(text, { allowSpecial: true });
    ids.forEach((id, index) => {
      tokens.push(id);
      const learned =
        turn.role === "assistant" ? index > 0 : turn.role === "tool" && index === 0 && afterCall;
      weights.push(learned ? 1 : turn.role === "assistant" ? 0 : contextWeight);
    });
    afterCall = turn.role === "assistant" && turn.calls !== undefined;
  }
  return { tokens, weights };
}

export interface PackResult {
  /** Rows of at most seqLen + 1 tokens (inputs and the last target). */
  rows: TrainingSequence[];
  /** Traces longer than a row, left out. */
  tooLong: number;
  /** Share of row positions holding a token. */
  fill: number;
}

/** Packs sequences into rows of seqLen + 1 tokens, first-fit by decreasing length. */
export function packSequences(
  sequences: { tokens: number[]; weights: number[] }[],
  seqLen: number,
): PackResult {
  const capacity = seqLen + 1;
  const fitting = sequences.filter((sequence) => sequence.tokens.length <= capacity);
  const order = fitting
    .map((_, index) => index)
    .sort((a, b) => fitting[b].tokens.length - fitting[a].tokens.length || a - b);
  const bins: { used: number; members: number[] }[] = [];
  for (const index of order) {
    const length = fitting[index].tokens.length;
    const bin = bins.find((candidate) => candidate.used + length <= capacity);
    if (bin) {
      bin.used += length;
      bin.members.push(index);
    } else bins.push({ used: length, members: [index] });
  }
  let used = 0;
  const rows = bins.map((bin) => {
    const tokens: number[] = [];
    const weights: number[] = [];
    // Within a row, traces keep their generation order.
    for (const index of [...bin.members].sort((a, b) => a - b)) {
      tokens.push(...fitting[index].tokens);
      weights.push(...fitting[index].weights);
    }
    used += tokens.length;
    return { tokens, weights };
  });
  return {
    rows,
    tooLong: sequences.length - fitting.length,
    fill: rows.length === 0 ? 0 : used / (rows.length * capacity),
  };
}
