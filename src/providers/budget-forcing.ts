/**
 * Budget forcing for providers whose decoding cogcore drives token by token (core, llamacpp).
 *
 * Inside a thinking span the controller counts tokens. At the budget it forces the span's closing
 * marker (`<|/think|>` for the core, the chat template's end-of-thinking text such as `</think>` for
 * llama.cpp models) so the model moves on to acting. With a minimum, a close the model proposes too
 * early is not accepted: the continuation cue ("Wait", as in the s1 paper, Muennighoff et al. 2025) is
 * forced in its place and thinking goes on.
 */
import { AbortedError } from "../errors.ts";

export interface DecodedToken {
  id: number;
  text: string;
}

/** A decoder cogcore drives: the model proposes, the controller decides what enters the context. */
export interface TokenDecoder {
  /** Samples the model's next token, without adding it to the context. */
  propose(): Promise<DecodedToken>;
  /** Adds a proposed token to the context. */
  accept(token: DecodedToken): Promise<void>;
  /** Adds forced text to the context (tokenized by the decoder); returns how many tokens it took. */
  force(text: string): Promise<number>;
}

export interface BudgetForcingOptions {
  /** Most thinking tokens; undefined: no limit (the model closes the span itself). */
  maxTokens: number | undefined;
  /** Fewest thinking tokens before a close is accepted. Default: 0. */
  minTokens?: number;
  /** The text forced to close the span at the budget, e.g. "<|/think|>" or "</think>". */
  closeText: string;
  /** Whether a proposed token closes the span. Default: its text equals `closeText`. */
  isClose?: (token: DecodedToken) => boolean;
  /** Forced in place of an early close. Default: "Wait". */
  continuationCue?: string;
  /** Most times an early close is replaced. Default: 8. */
  maxContinuations?: number;
  /** Receives each piece of thinking text as it enters the context (proposed or forced). */
  onText?: (text: string) => void;
  abortSignal?: AbortSignal;
}

export interface BudgetForcingResult {
  /** The thinking text, without the closing marker. */
  text: string;
  /** Tokens inside the span: accepted and forced (cues), the closing marker excluded. */
  reasoningTokens: number;
  /** Who closed the span. */
  closedBy: "model" | "budget";
  /** How many early closes were replaced by the cue. */
  continuations: number;
}

/** Runs one thinking span, from just after its opening marker to just after its close. */
export async function forceThinkingBudget(
  decoder: TokenDecoder,
  options: BudgetForcingOptions,
): Promise<BudgetForcingResult> {
  const minTokens = options.minTokens ?? 0;
  const maxTokens = options.maxTokens ?? Number.POSITIVE_INFINITY;
  const cue = options.continuationCue ?? "Wait";
  const maxContinuations = options.maxContinuations ?? 8;
  const isClose = options.isClose ?? ((token: DecodedToken) => token.text === options.closeText);
  let text = "";
  let reasoningTokens = 0;
  let continuations = 0;
  const add = (piece: string, tokens: number) => {
    text += piece;
    reasoningTokens += tokens;
    options.onText?.(piece);
  };
  while (true) {
    if (options.abortSignal?.aborted) throw new AbortedError("thinking was aborted");
    if (reasoningTokens >= maxTokens) {
      await decoder.force(options.closeText);
      return { text, reasoningTokens, closedBy: "budget", continuations };
    }
    const token = await decoder.propose();
    if (!isClose(token)) {
      await decoder.accept(token);
      add(token.text, 1);
      continue;
    }
    if (reasoningTokens < minTokens && continuations < maxContinuations) {
      // s1 budget forcing: suppress the early close and append the cue; the cue counts as thinking.
      const piece = text === "" || /\s$/.test(text) ? cue : ` ${cue}`;
      add(piece, await decoder.force(piece));
      continuations++;
      continue;
    }
    await decoder.accept(token);
    return { text, reasoningTokens, closedBy: "model", continuations };
  }
}
