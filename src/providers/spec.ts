/**
 * The language-model contract every provider implements (core, llamacpp, openai, anthropic, mock).
 *
 * A small versioned plain type in the style of vercel/ai's `LanguageModelV2`: a model is an object with
 * `doGenerate` (one complete response) and `doStream` (the same response as stream parts). Messages,
 * tools and the thinking budget are provider-neutral; each provider maps them to its native wire format
 * and back. Stream parts are a discriminated union named noun-then-verb.
 */

/** A JSON Schema object describing a tool's input (draft 2020-12 subset the APIs accept). */
export type JSONSchema = { type?: string; [keyword: string]: unknown };

/** How hard a model should think, when a provider takes a level rather than a token count. */
export type ReasoningEffort = "none" | "low" | "medium" | "high" | "auto";

/**
 * The one thinking budget, mapped by each provider to its native control (see docs/budget.md).
 * `tokens: 0` or `effort: "none"` turns thinking off; neither set leaves the model's default.
 */
export interface ThinkingBudget {
  /** Most thinking tokens to spend. Default: none (the effort or the model's default decides). */
  tokens?: number;
  /** A level for providers that take one; derived from `tokens` when only that is given. Default: none. */
  effort?: ReasoningEffort;
  /** Fewest thinking tokens: where cogcore controls decoding, an early close becomes "Wait". Default: 0. */
  minTokens?: number;
}

export interface TextPart {
  type: "text";
  text: string;
}

export interface ReasoningPart {
  type: "reasoning";
  text: string;
  /** Opaque provider signature that must travel back with the reasoning (Anthropic thinking). */
  signature?: string;
}

export interface ToolCallPart {
  type: "tool-call";
  /** Id the tool result refers back to. */
  toolCallId: string;
  toolName: string;
  /** The parsed arguments object. */
  input: unknown;
}

export interface ToolResultPart {
  type: "tool-result";
  toolCallId: string;
  toolName: string;
  /** What the tool returned, as text the model reads. */
  output: string;
  /** The tool failed; `output` says why. */
  isError?: boolean;
}

export type AssistantContentPart = TextPart | ReasoningPart | ToolCallPart;

export type Message =
  | { role: "system"; content: string }
  | { role: "user"; content: string }
  | { role: "assistant"; content: AssistantContentPart[] }
  | { role: "tool"; content: ToolResultPart[] };

/** A tool the model may call. */
export interface ToolDefinition {
  name: string;
  description: string;
  /** JSON Schema of the input object. */
  inputSchema: JSONSchema;
}

/** Options of one model call. */
export interface CallOptions {
  /** The conversation so far, oldest first. */
  messages: Message[];
  /** Tools the model may call. Default: none. */
  tools?: ToolDefinition[];
  /** Thinking budget. Default: the model's own default. */
  budget?: ThinkingBudget;
  /** Texts at which generation stops (not included in the output). Default: none. */
  stopSequences?: string[];
  /** Most output tokens, thinking included. Default: the provider's (4096 for anthropic). */
  maxOutputTokens?: number;
  /** Sampling temperature. Default: the provider's. */
  temperature?: number;
  /** Seed for reproducible sampling where the provider supports it. Default: none. */
  seed?: number;
  /** Cancels the call; the provider stops work and throws AbortedError. */
  abortSignal?: AbortSignal;
}

export type FinishReason = "stop" | "length" | "tool-calls" | "content-filter" | "error" | "other";

/** Token counts of one call. Reasoning tokens are part of completion tokens. */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
}

export interface GenerateResult {
  /** The assistant message: reasoning, text and tool calls in the order produced. */
  content: AssistantContentPart[];
  finishReason: FinishReason;
  usage: Usage;
  /** Things the provider could not honour (e.g. a budget below a native minimum), said plainly. */
  warnings: string[];
  /** The request body sent, for debugging and fixture checks (remote providers). */
  request?: { body?: unknown };
  response?: { id?: string; modelId?: string };
}

export type StreamPart =
  | { type: "reasoning-delta"; delta: string }
  | { type: "text-delta"; delta: string }
  | ({ type: "tool-call" } & Omit<ToolCallPart, "type">)
  | {
      type: "finish";
      finishReason: FinishReason;
      usage: Usage;
      /** The whole assistant message, assembled (signatures included), to append to the history. */
      content: AssistantContentPart[];
    };

export interface StreamResult {
  stream: AsyncIterable<StreamPart>;
  warnings: string[];
  request?: { body?: unknown };
}

export const SPECIFICATION_VERSION = "cogcore-v1";

export interface LanguageModel {
  readonly specificationVersion: typeof SPECIFICATION_VERSION;
  /** Provider name: "core", "llamacpp", "openai", "anthropic", "mock". */
  readonly provider: string;
  /** The model's id at that provider. */
  readonly modelId: string;
  doGenerate(options: CallOptions): Promise<GenerateResult>;
  doStream(options: CallOptions): Promise<StreamResult>;
  /** Releases what the model holds (a llama.cpp process, say). Optional. */
  close?(): Promise<void>;
}

export function emptyUsage(): Usage {
  return { promptTokens: 0, completionTokens: 0, reasoningTokens: 0 };
}

export function addUsage(total: Usage, more: Usage): Usage {
  return {
    promptTokens: total.promptTokens + more.promptTokens,
    completionTokens: total.completionTokens + more.completionTokens,
    reasoningTokens: total.reasoningTokens + more.reasoningTokens,
  };
}

/** Collects a stream into the result `doGenerate` would return (used by providers that only stream). */
export async function collectStream(result: StreamResult): Promise<GenerateResult> {
  for await (const part of result.stream) {
    if (part.type === "finish") {
      return {
        content: part.content,
        finishReason: part.finishReason,
        usage: part.usage,
        warnings: result.warnings,
        request: result.request,
      };
    }
  }
  throw new Error("the stream ended without a finish part");
}
