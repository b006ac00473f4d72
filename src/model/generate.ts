/**
 * Text generation on token ids: feed the prompt as one batch, then sample one token at a time from the
 * KV-cached session, with logits processors, a constrained-decoding hook (the allowed tokens at each
 * step), stop tokens, stop sequences (given a decoder), a token budget and an AbortSignal.
 */
import { AbortedError, InvalidInputError } from "../errors.ts";
import { InferenceSession } from "./inference.ts";
import type { CoreModel } from "./model.ts";
import { type AllowedTokens, Sampler, type SamplerOptions } from "./sampler.ts";

/** Edits the next-token logits in place; step 0 is the first generated token. */
export type LogitsProcessor = (logits: Float32Array, step: number) => void;

export interface GenerateOptions {
  /** Most tokens to generate. Default 256. */
  maxTokens?: number;
  /** Sampling settings. Default: greedy (temperature 0). */
  sampler?: SamplerOptions;
  /** Token ids that end generation; the stop token is not part of the output. Default none. */
  stopTokens?: Iterable<number>;
  /** Strings that end generation once the decoded output contains one (needs decode). Default none. */
  stopSequences?: string[];
  /** Token ids to text, for stop sequences and the result's text. */
  decode?: (ids: number[]) => string;
  /** Applied in order to each step's logits, before the constraint. Default none. */
  logitsProcessors?: LogitsProcessor[];
  /** The tokens allowed at this step given those generated so far; null allows all. Default none. */
  constrain?: (step: number, generated: readonly number[]) => AllowedTokens | null;
  /** Called with each generated token as it is chosen (not the stop token). */
  onToken?: (token: number, step: number) => void;
  signal?: AbortSignal;
  /** A session to continue (its cached tokens stay before the prompt). Default: a new one. */
  session?: InferenceSession;
}

export interface GenerateResult {
  /** Generated token ids (without a stop token). */
  tokens: number[];
  /** decode(tokens), cut before a stop sequence; only when decode was given. */
  text?: string;
  /** "stop": a stop token or sequence ended it; "length": maxTokens or the context was reached. */
  finishReason: "stop" | "length";
  stopToken?: number;
  stopSequence?: string;
  promptTokens: number;
}

/** Yields to the event loop at most this often, so an AbortSignal from a timer can fire. */
const YIELD_EVERY_MS = 10;

export async function generate(
  model: CoreModel,
  prompt: ArrayLike<number>,
  options: GenerateOptions = {},
): Promise<GenerateResult> {
  const maxTokens = options.maxTokens ?? 256;
  if (!Number.isInteger(maxTokens) || maxTokens < 0) {
    throw new InvalidInputError(`maxTokens ${maxTokens}`, { expected: "an integer ≥ 0" });
  }
  if (options.stopSequences?.length && !options.decode) {
    throw new InvalidInputError("stop sequences without a decoder", {
      expected: "options.decode to turn ids into text",
    });
  }
  const sampler = new Sampler({ temperature: 0, ...options.sampler });
  const stopTokens = new Set(options.stopTokens ?? []);
  const session = options.session ?? new InferenceSession(model);
  const generated: number[] = [];
  const result = (
    finishReason: "stop" | "length",
    stop: { stopToken?: number; stopSequence?: string } = {},
  ) => {
    let text = options.decode?.(generated);
    if (text !== undefined && stop.stopSequence) text = text.slice(0, text.indexOf(stop.stopSequence));
    return { tokens: generated, text, finishReason, ...stop, promptTokens: prompt.length };
  };
  try {
    checkAborted(options.signal);
    if (maxTokens === 0) return result("length");
    let logits = session.feed(prompt);
    let lastYield = performance.now();
    for (let step = 0; ; step++) {
      for (const processor of options.logitsProcessors ?? []) processor(logits, step);
      const token = sampler.sample(logits, options.constrain?.(step, generated) ?? undefined);
      if (stopTokens.has(token)) return result("stop", { stopToken: token });
      generated.push(token);
      options.onToken?.(token, step);
      const stopSequence = findStopSequence(options, generated);
      if (stopSequence !== undefined) return result("stop", { stopSequence });
      if (generated.length >= maxTokens || session.position >= session.maxTokens) return result("length");
      if (performance.now() - lastYield > YIELD_EVERY_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
      checkAborted(options.signal);
      logits = session.feed([token]);
    }
  } finally {
    if (!options.session) session.dispose();
  }
}

function findStopSequence(options: GenerateOptions, generated: number[]): string | undefined {
  if (!options.stopSequences?.length || !options.decode) return undefined;
  const text = options.decode(generated);
  return options.stopSequences.find((sequence) => sequence.length > 0 && text.includes(sequence));
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortedError("generation aborted", { cause: signal.reason });
}
