/**
 * Budget forcing for chat models in llama.cpp (runs in the child process, chat-worker.ts): cogcore drives
 * the thinking span token by token on the model's own sequence — the model proposes, `forceThinkingBudget`
 * decides (close at the budget, "Wait" in place of a close below the minimum) — and node-llama-cpp's chat
 * machinery then continues the response after the span (text or grammar-constrained function calls).
 */
import type { ChatWrapper, LlamaContextSequence, LlamaModel, Token } from "node-llama-cpp";
import { AbortedError } from "../../errors.ts";
import { forceThinkingBudget } from "../budget-forcing.ts";

/** The chat format's thinking span, e.g. prefix "<think>\n", suffix "\n</think>\n\n" (Qwen3, DeepSeek-R1). */
export interface ThoughtSpan {
  prefix: string;
  suffix: string;
  /** The single token that opens the span (the prefix, trimmed), if it is one token. */
  openToken?: Token;
  /** The single token that closes it (the suffix, trimmed), if it is one token. */
  closeToken?: Token;
  /** The span is open as soon as the response starts (the template opens it, or the wrapper says so). */
  opensOnStart: boolean;
}

/** The wrapper's thinking span, or null when its chat format has none. */
export function thoughtSpanOf(wrapper: ChatWrapper, model: LlamaModel): ThoughtSpan | null {
  const segment = wrapper.settings.segments?.thought;
  if (!segment) return null;
  const openedOnStart = typeof segment.prefix === "object" && "type" in segment.prefix;
  const prefix = openedOnStart ? "" : String(segment.prefix);
  const suffix = segment.suffix === undefined ? "" : String(segment.suffix);
  const single = (text: string) => {
    const tokens = text.trim() === "" ? [] : model.tokenize(text.trim(), true);
    return tokens.length === 1 ? tokens[0] : undefined;
  };
  return {
    prefix,
    suffix,
    openToken: single(prefix),
    closeToken: single(suffix),
    opensOnStart: openedOnStart || segment.openOnResponseStart === true,
  };
}

/** Whether cogcore can drive the span: it must recognise the open (unless it opens on start) and the close. */
export function isForcible(span: ThoughtSpan): boolean {
  return span.closeToken !== undefined && (span.opensOnStart || span.openToken !== undefined);
}

/** The context or output limit was reached inside the span. */
export class OutOfRoom extends Error {}

export interface SpanOptions {
  maxTokens?: number;
  minTokens: number;
  /** Most tokens this call may add to the sequence (prefix, thinking, close). */
  maxOutputTokens: number;
  temperature: number;
  seed: number;
  signal: AbortSignal;
  onText: (text: string) => void;
}

export interface SpanResult {
  /** Whether the model thought (the span was opened). */
  opened: boolean;
  /** The thinking text, without the markers. */
  text: string;
  reasoningTokens: number;
  /** Tokens this call added after the prompt: markers, thinking, cues. */
  outputTokens: number;
}

/** Evaluates the prompt and runs the thinking span, if the model opens one (or the format opens it). */
export async function runThinkingSpan(
  sequence: LlamaContextSequence,
  model: LlamaModel,
  prompt: Token[],
  span: ThoughtSpan,
  options: SpanOptions,
): Promise<SpanResult> {
  const decoder = new SpanDecoder(sequence, model, options);
  await decoder.start(prompt);
  if (!span.opensOnStart && decoder.next !== span.openToken)
    return { opened: false, text: "", reasoningTokens: 0, outputTokens: 0 };
  await decoder.add(model.tokenize(span.prefix, true));
  const closeBefore = span.suffix.slice(0, span.suffix.indexOf(span.suffix.trim()));
  let held = ""; // trailing whitespace, passed on only once more text follows: the close's "\n" is not thinking
  const result = await forceThinkingBudget(decoder, {
    maxTokens: options.maxTokens,
    minTokens: options.minTokens,
    closeText: span.suffix,
    isClose: (token) => token.id === span.closeToken,
    onText: (text) => {
      const pending = held + text;
      const shown = pending.trimEnd();
      held = pending.slice(shown.length);
      if (shown) options.onText(shown);
    },
    abortSignal: options.signal,
  });
  if (result.closedBy === "model") {
    // The model wrote the close token itself: the rest of the suffix follows, as the template renders it.
    await decoder.add(
      model.tokenize(span.suffix.slice(closeBefore.length + span.suffix.trim().length), true),
    );
  }
  const text = result.text.trimEnd(); // as streamed
  return { opened: true, text, reasoningTokens: result.reasoningTokens, outputTokens: decoder.added };
}

/** Samples and evaluates on the sequence; texts are deltas of the detokenised thinking so far. */
class SpanDecoder {
  /** The token the model proposes next. */
  next!: Token;
  /** Tokens added after the prompt. */
  added = 0;
  /** Tokens of the thinking text so far (for detokenising deltas). */
  thinking: Token[] = [];
  private step = 0;

  constructor(
    private readonly sequence: LlamaContextSequence,
    private readonly model: LlamaModel,
    private readonly options: SpanOptions,
  ) {}

  /** Reuses what the sequence already holds of the prompt and evaluates the rest. */
  async start(prompt: Token[]): Promise<void> {
    const held = this.sequence.contextTokens;
    let common = 0;
    while (common < held.length && common < prompt.length - 1 && held[common] === prompt[common]) common++;
    if (common < this.sequence.nextTokenIndex)
      await this.sequence.eraseContextTokenRanges([{ start: common, end: this.sequence.nextTokenIndex }]);
    this.next = await this.evaluate(prompt.slice(common));
  }

  async propose() {
    const before = stableText(this.model.detokenize(this.thinking, false));
    const after = stableText(this.model.detokenize([...this.thinking, this.next], false));
    return { id: this.next, text: after.slice(before.length) };
  }

  async accept(token: { id: number }): Promise<void> {
    this.thinking.push(token.id as Token);
    await this.add([token.id as Token]);
  }

  async force(text: string): Promise<number> {
    const tokens = this.model.tokenize(text, true);
    this.thinking.push(...tokens);
    await this.add(tokens);
    return tokens.length;
  }

  async add(tokens: Token[]): Promise<void> {
    if (tokens.length === 0) return;
    if (this.options.signal.aborted) throw new AbortedError("the model call was aborted");
    if (this.added + tokens.length > this.options.maxOutputTokens) throw new OutOfRoom();
    this.added += tokens.length;
    this.next = await this.evaluate(tokens);
  }

  private async evaluate(tokens: Token[]): Promise<Token> {
    const last = tokens.length - 1;
    const options = { temperature: this.options.temperature, seed: this.options.seed + this.step++ };
    const outputs = await this.sequence.controlledEvaluate(
      tokens.map((token, index) =>
        index === last ? [token, { generateNext: { token: true, options } }] : token,
      ),
    );
    const next = outputs[last]?.next.token;
    if (next == null) throw new Error("llama.cpp returned no next token");
    return next;
  }
}

/** Text without a trailing incomplete UTF-8 sequence (decoded as U+FFFD until its last byte arrives). */
function stableText(text: string): string {
  return text.replace(/\uFFFD+$/, "");
}
