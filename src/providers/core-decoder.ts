/**
 * One generation of the core model under the chat format's structure (see core.ts for the states):
 * token masks for every state, the call grammar inside <|call|>, budget forcing inside <|think|>.
 */
import { AbortedError } from "../errors.ts";
import { SPECIAL_TOKENS, type SpecialToken } from "../model/chat-format.ts";
import { InferenceSession } from "../model/inference.ts";
import type { CoreModel } from "../model/model.ts";
import { Sampler } from "../model/sampler.ts";
import type { Tokenizer } from "../model/tokenizer.ts";
import { type CallGrammarState, createCallGrammar } from "../tools/call-grammar.ts";
import { parseCall, type ToolLookup } from "../tools/call-syntax.ts";
import type { ResolvedBudget } from "./budget.ts";
import { type DecodedToken, forceThinkingBudget } from "./budget-forcing.ts";
import { type Grounding, type GroundingState, tokenByteStrings } from "./grounding.ts";
import { textOfBytes } from "./grounding-context.ts";
import type { AssistantContentPart, FinishReason, StreamPart } from "./spec.ts";

/** Where logits come from: our engine (InferenceSession) or llama.cpp (llamacpp/session.ts). */
export interface DecodingBackend {
  /** Appends tokens to the sequence; returns the next token's logits (vocab), or log-probabilities. */
  feed(tokens: number[]): Promise<Float32Array<ArrayBufferLike>>;
  /** Tokens in the sequence. */
  readonly position: number;
  /** Most tokens the sequence holds. */
  readonly maxTokens: number;
  dispose(): void | Promise<void>;
}

/** Our engine's KV-cached session as a backend. */
export function engineBackend(model: CoreModel): DecodingBackend {
  const session = new InferenceSession(model);
  return {
    feed: async (tokens) => session.feed(tokens),
    get position() {
      return session.position;
    },
    maxTokens: session.maxTokens,
    dispose: () => session.dispose(),
  };
}

export interface CoreDecoderOptions {
  backend: DecodingBackend;
  tokenizer: Tokenizer;
  lookup: ToolLookup;
  offerTools: boolean;
  budget: ResolvedBudget;
  maxOutputTokens: number;
  stopSequences: string[];
  temperature: number;
  seed: number;
  abortSignal?: AbortSignal;
  /** Keeps every word of a call's argument and of the answer grounded (grounding.ts). Default: off. */
  grounding?: { call: Grounding; answer: Grounding };
  emit: (part: StreamPart) => void;
}

/** Reached the output or context limit: decoding ends with finish reason "length". */
class OutOfRoom extends Error {}

/** Per tokenizer: the text each token decodes to (for the grammar) and the mask of ordinary tokens. */
const vocabularies = new WeakMap<Tokenizer, { texts: string[]; bytes: string[]; ordinary: Uint8Array }>();

function vocabularyOf(tokenizer: Tokenizer) {
  let vocabulary = vocabularies.get(tokenizer);
  if (!vocabulary) {
    const decoder = new TextDecoder();
    const texts: string[] = [];
    const ordinary = new Uint8Array(tokenizer.vocabSize);
    for (let id = 0; id < tokenizer.vocabSize; id++) {
      const special = tokenizer.isSpecial(id);
      texts.push(special ? "" : decoder.decode(tokenizer.decodeToken(id)));
      ordinary[id] = special ? 0 : 1;
    }
    vocabulary = { texts, bytes: tokenByteStrings(tokenizer), ordinary };
    vocabularies.set(tokenizer, vocabulary);
  }
  return vocabulary;
}

export class CoreDecoder {
  private readonly session: DecodingBackend;
  private readonly sampler: Sampler;
  private readonly ids: Record<SpecialToken, number>;
  private readonly texts: string[];
  private readonly bytes: string[];
  private readonly ordinary: Uint8Array;
  private logits: Float32Array<ArrayBufferLike> = new Float32Array(0);
  private generated = 0;
  private promptTokens = 0;
  private reasoningTokens = 0;
  private readonly content: AssistantContentPart[] = [];
  private readonly utf8 = new TextDecoder();

  constructor(private readonly options: CoreDecoderOptions) {
    this.session = options.backend;
    this.sampler = new Sampler({ temperature: options.temperature, seed: options.seed });
    const ids = {} as Record<SpecialToken, number>;
    for (const token of SPECIAL_TOKENS) ids[token] = options.tokenizer.specialTokenId(token);
    this.ids = ids;
    ({ texts: this.texts, bytes: this.bytes, ordinary: this.ordinary } = vocabularyOf(options.tokenizer));
  }

  async run(prompt: number[]): Promise<void> {
    this.promptTokens = prompt.length;
    this.logits = await this.session.feed(prompt);
    let finishReason: FinishReason;
    try {
      finishReason = await this.decode();
    } catch (error) {
      if (!(error instanceof OutOfRoom)) throw error;
      finishReason = "length";
    } finally {
      await this.session.dispose();
    }
    this.options.emit({
      type: "finish",
      finishReason,
      usage: {
        promptTokens: this.promptTokens,
        completionTokens: this.generated,
        reasoningTokens: this.reasoningTokens,
      },
      content: this.content,
    });
  }

  private async decode(): Promise<FinishReason> {
    const { budget, offerTools } = this.options;
    const opening = [
      ...(budget.tokens !== 0 ? ["<|think|>"] : []),
      ...(offerTools ? ["<|call|>"] : []),
      "<|answer|>",
    ];
    let next = await this.choose(opening as SpecialToken[]);
    if (next === "<|think|>") {
      await this.think();
      next = await this.choose((offerTools ? ["<|call|>", "<|answer|>"] : ["<|answer|>"]) as SpecialToken[]);
    }
    if (next === "<|answer|>") return this.answer();
    for (let index = 0; ; index++) {
      await this.call(index);
      const after = await this.choose(["<|call|>", "<|tool|>", "<|end|>"]);
      if (after !== "<|call|>") return "tool-calls";
    }
  }

  /** Samples among some special tokens only, and commits the choice. */
  private async choose(allowed: SpecialToken[]): Promise<SpecialToken> {
    const mask = new Uint8Array(this.ordinary.length);
    for (const token of allowed) mask[this.ids[token]] = 1;
    const id = this.sampler.sample(this.logits, mask);
    await this.commit(id);
    return allowed.find((token) => this.ids[token] === id)!;
  }

  private async think(): Promise<void> {
    const { budget } = this.options;
    const mask = Uint8Array.from(this.ordinary);
    mask[this.ids["<|/think|>"]] = 1;
    const result = await forceThinkingBudget(
      {
        propose: async () => {
          const id = this.sampler.sample(this.logits, mask);
          return { id, text: this.texts[id] } satisfies DecodedToken;
        },
        accept: (token) => this.commit(token.id),
        force: (text) => this.commitText(text),
      },
      {
        maxTokens: budget.tokens,
        minTokens: budget.minTokens,
        closeText: "<|/think|>",
        isClose: (token) => token.id === this.ids["<|/think|>"],
        onText: (text) => this.options.emit({ type: "reasoning-delta", delta: text }),
        abortSignal: this.options.abortSignal,
      },
    );
    this.reasoningTokens = result.reasoningTokens;
    if (result.text) this.content.push({ type: "reasoning", text: result.text });
  }

  /** Decodes one call under the grammar; emits it when <|/call|> closes it. */
  private async call(index: number): Promise<void> {
    const grammar = createCallGrammar(this.options.lookup);
    let state: CallGrammarState = grammar.start;
    const grounding = this.options.grounding?.call;
    let grounded: GroundingState | undefined; // from the argument's first byte on
    let bytes = "";
    while (true) {
      const mask = grammar.mask(state, this.texts);
      for (let id = 0; id < mask.length; id++) mask[id] &= this.ordinary[id];
      if (grounding) this.groundArgument(mask, grounding, grounded);
      if (grammar.isAccepting(state)) mask[this.ids["<|/call|>"]] = 1;
      const id = this.sampler.sample(this.logits, mask);
      await this.commit(id);
      if (id === this.ids["<|/call|>"]) break;
      bytes += this.bytes[id];
      state = grammar.advance(state, this.texts[id])!;
      if (grounding) grounded = this.groundedAfter(grounding, grounded, this.bytes[id]);
    }
    // Decoded from the bytes: a character split across tokens comes out whole.
    const text = textOfBytes(bytes);
    let name = text.slice(0, text.indexOf("("));
    let input: unknown;
    try {
      ({ name, input } = parseCall(text, this.options.lookup));
    } catch {
      input = text; // well-formed but rejected by the tool's schema: the tool reports why
    }
    const part = { type: "tool-call" as const, toolCallId: `call_${index}`, toolName: name, input };
    this.content.push(part);
    this.options.emit(part);
  }

  /** Masks, among the tokens the grammar allows, those that would write an ungrounded word. */
  private groundArgument(mask: Uint8Array, grounding: Grounding, state: GroundingState | undefined): void {
    const kept = Uint8Array.from(mask);
    let any = false;
    for (let id = 0; id < mask.length; id++) {
      if (!mask[id]) continue;
      const bytes = this.bytes[id];
      const open = state === undefined ? bytes.indexOf("(") : -1;
      if (state === undefined && open < 0) {
        any = true; // still the tool's name
        continue;
      }
      if (grounding.advance(state ?? grounding.start, open < 0 ? bytes : bytes.slice(open + 1)) === null)
        kept[id] = 0;
      else any = true;
    }
    // Where the grammar and the grounded words leave nothing in common, the grammar alone decides.
    if (any) mask.set(kept);
  }

  private groundedAfter(grounding: Grounding, state: GroundingState | undefined, bytes: string) {
    if (state !== undefined) return grounding.advance(state, bytes) ?? grounding.start;
    const open = bytes.indexOf("(");
    return open < 0
      ? undefined
      : (grounding.advance(grounding.start, bytes.slice(open + 1)) ?? grounding.start);
  }

  private async answer(): Promise<FinishReason> {
    const grounding = this.options.grounding?.answer;
    let grounded = grounding?.start;
    const end = this.ids["<|end|>"];
    let text = "";
    try {
      while (true) {
        const mask = Uint8Array.from(this.ordinary);
        if (grounding && grounded) {
          const allowed = grounding.mask(grounded, this.bytes);
          for (let id = 0; id < mask.length; id++) mask[id] &= allowed[id];
        }
        mask[end] = !grounding || !grounded || grounding.canEnd(grounded) ? 1 : 0;
        const id = this.sampler.sample(this.logits, mask);
        if (grounding && grounded && id !== end)
          grounded = grounding.advance(grounded, this.bytes[id]) ?? grounding.start;
        if (id === this.ids["<|end|>"]) {
          this.generated++; // counted, not fed: nothing follows it
          return "stop";
        }
        await this.commit(id);
        const delta = this.utf8.decode(this.options.tokenizer.decodeToken(id), { stream: true });
        if (!delta) continue;
        text += delta;
        this.options.emit({ type: "text-delta", delta });
        if (this.options.stopSequences.some((stop) => text.endsWith(stop))) {
          text = trimStop(text, this.options.stopSequences);
          return "stop";
        }
      }
    } finally {
      if (text) this.content.push({ type: "text", text });
    }
  }

  /** Adds a token to the context; gives the event loop a turn so readers and aborts are served. */
  private async commit(id: number): Promise<void> {
    if (this.options.abortSignal?.aborted) throw new AbortedError("the model call was aborted");
    if (this.generated >= this.options.maxOutputTokens || this.session.position >= this.session.maxTokens)
      throw new OutOfRoom();
    this.generated++;
    this.logits = await this.session.feed([id]);
    await new Promise((resolve) => setImmediate(resolve));
  }

  private async commitText(text: string): Promise<number> {
    const ids = this.options.tokenizer.encode(text, { allowSpecial: true });
    for (const id of ids) await this.commit(id);
    return ids.length;
  }
}

function trimStop(text: string, stops: string[]): string {
  const stop = stops.find((candidate) => text.endsWith(candidate))!;
  return text.slice(0, text.length - stop.length);
}
