/**
 * The `anthropic` provider: the Messages API through the official `@anthropic-ai/sdk` client, with
 * streaming (`message_start`, `content_block_start/delta/stop`, `message_delta`, `message_stop`) and
 * extended thinking (`thinking.budget_tokens`, ≥ 1024 and < `max_tokens`).
 */
import Anthropic from "@anthropic-ai/sdk";
import { AbortedError, CogcoreError } from "../errors.ts";
import {
  fromAnthropicContent,
  mapAnthropicStopReason,
  toAnthropicMessages,
  toAnthropicTools,
} from "./anthropic-wire.ts";
import { anthropicThinking, estimateTokens } from "./budget.ts";
import { APICallError, InvalidResponseError, parseRetryAfter } from "./errors.ts";
import { parseToolArguments } from "./openai-wire.ts";
import { disposing, interruption, type RetryOptions, timeoutSignal, withRetry } from "./retry.ts";
import {
  type AssistantContentPart,
  type CallOptions,
  type GenerateResult,
  type LanguageModel,
  SPECIFICATION_VERSION,
  type StreamPart,
  type StreamResult,
  type Usage,
} from "./spec.ts";

export interface AnthropicProviderOptions {
  /** Model id (e.g. "claude-sonnet-4-6"). */
  modelId: string;
  /** Endpoint base URL (without /v1). Default: https://api.anthropic.com. */
  baseURL?: string;
  /** API key. Default: "unused". */
  apiKey?: string;
  /** `max_tokens` when the call gives none (the API requires one). Default: 4096. */
  defaultMaxTokens?: number;
  /** Time limit of one attempt, streaming included. Default: 600 000 ms. */
  timeoutMs?: number;
  /** Retry policy for 429 / 529 / 5xx / network errors. Default: 2 retries from 500 ms, doubling. */
  retry?: Omit<RetryOptions, "abortSignal">;
}

interface WireUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  output_tokens_details?: { thinking_tokens?: number | null } | null;
}

export function createAnthropicModel(options: AnthropicProviderOptions): LanguageModel {
  const baseURL = options.baseURL ?? "https://api.anthropic.com";
  const client = new Anthropic({
    apiKey: options.apiKey ?? "unused",
    baseURL,
    maxRetries: 0,
    timeout: 86_400_000,
  });
  const url = `${baseURL.replace(/\/$/, "")}/v1/messages`;
  const timeoutMs = options.timeoutMs ?? 600_000;

  const buildBody = (call: CallOptions, stream: boolean) => {
    const { system, messages } = toAnthropicMessages(call.messages);
    const budget = anthropicThinking(call.budget, call.maxOutputTokens ?? options.defaultMaxTokens ?? 4096);
    const warnings = [...budget.warnings];
    const thinkingOn = budget.thinking?.type === "enabled";
    let temperature = call.temperature;
    if (thinkingOn && temperature !== undefined && temperature !== 1) {
      warnings.push(`anthropic thinking requires temperature 1; temperature ${temperature} not sent`);
      temperature = undefined;
    }
    const body: Record<string, unknown> = {
      model: options.modelId,
      max_tokens: budget.maxTokens,
      ...(system !== undefined ? { system } : {}),
      messages,
      ...(call.tools?.length ? { tools: toAnthropicTools(call.tools) } : {}),
      ...(budget.thinking ? { thinking: budget.thinking } : {}),
      ...(temperature !== undefined ? { temperature } : {}),
      ...(call.stopSequences?.length ? { stop_sequences: call.stopSequences } : {}),
      ...(stream ? { stream: true } : {}),
    };
    if (call.seed !== undefined) warnings.push("the Messages API takes no seed; not sent");
    return { body, warnings };
  };

  const send = async (call: CallOptions, body: object, limit: ReturnType<typeof timeoutSignal>) =>
    withRetry(
      async () => {
        try {
          // biome-ignore lint/suspicious/noExplicitAny: the body is built from our own mapping
          return (await client.messages.create(body as any, { signal: limit.signal })) as unknown;
        } catch (thrown) {
          throw mapAnthropicError(thrown, url, limit.timedOut(), timeoutMs);
        }
      },
      { ...options.retry, abortSignal: call.abortSignal },
    );

  return {
    specificationVersion: SPECIFICATION_VERSION,
    provider: "anthropic",
    modelId: options.modelId,

    async doGenerate(call: CallOptions): Promise<GenerateResult> {
      const { body, warnings } = buildBody(call, false);
      const limit = timeoutSignal(timeoutMs, call.abortSignal);
      try {
        const message = (await send(call, body, limit)) as {
          id?: string;
          model?: string;
          content?: Record<string, unknown>[];
          stop_reason?: string | null;
          usage?: WireUsage;
        };
        if (!Array.isArray(message.content))
          throw new InvalidResponseError("the message has no content array", {
            expected: "a Message object",
          });
        const content = fromAnthropicContent(message.content);
        return {
          content,
          finishReason: mapAnthropicStopReason(message.stop_reason),
          usage: mapUsage(message.usage, message.usage, content),
          warnings,
          request: { body },
          response: { id: message.id, modelId: message.model },
        };
      } finally {
        limit.dispose();
      }
    },

    async doStream(call: CallOptions): Promise<StreamResult> {
      const { body, warnings } = buildBody(call, true);
      const limit = timeoutSignal(timeoutMs, call.abortSignal);
      let events: AsyncIterable<StreamEvent>;
      try {
        events = (await send(call, body, limit)) as AsyncIterable<StreamEvent>;
      } catch (error) {
        limit.dispose();
        throw error;
      }
      const stream = readEvents(
        events,
        (thrown) => mapAnthropicError(thrown, url, limit.timedOut(), timeoutMs),
        () => interruption(url, limit.timedOut(), timeoutMs, call.abortSignal),
      );
      return { stream: disposing(stream, limit.dispose), warnings, request: { body } };
    },
  };
}

interface StreamEvent {
  type: string;
  index?: number;
  message?: { usage?: WireUsage };
  content_block?: Record<string, unknown>;
  delta?: Record<string, unknown>;
  usage?: WireUsage;
}

interface OpenBlock {
  type: string;
  text: string;
  signature?: string;
  id?: string;
  name?: string;
}

async function* readEvents(
  events: AsyncIterable<StreamEvent>,
  mapError: (thrown: unknown) => CogcoreError,
  interrupted: () => CogcoreError | undefined,
): AsyncGenerator<StreamPart> {
  const blocks = new Map<number, OpenBlock>();
  const content: AssistantContentPart[] = [];
  let startUsage: WireUsage | undefined;
  let endUsage: WireUsage | undefined;
  let stopReason: string | null | undefined;
  let stopped = false;
  try {
    for await (const event of events) {
      if (event.type === "message_start") startUsage = event.message?.usage;
      else if (event.type === "content_block_start" && event.content_block) {
        const block = event.content_block;
        blocks.set(event.index ?? 0, {
          type: String(block.type),
          text: "",
          id: block.id as string | undefined,
          name: block.name as string | undefined,
        });
      } else if (event.type === "content_block_delta" && event.delta) {
        const part = readDelta(blocks.get(event.index ?? 0), event.delta);
        if (part) yield part;
      } else if (event.type === "content_block_stop") {
        const finished = closeBlock(blocks.get(event.index ?? 0));
        if (finished) {
          content.push(finished);
          if (finished.type === "tool-call") yield { ...finished, type: "tool-call" };
        }
      } else if (event.type === "message_delta") {
        stopReason = (event.delta?.stop_reason as string | null | undefined) ?? stopReason;
        endUsage = event.usage ?? endUsage;
      } else if (event.type === "message_stop") stopped = true;
    }
  } catch (thrown) {
    throw interrupted() ?? mapError(thrown);
  }
  // The client ends a stream quietly when its signal fires: say why it ended.
  const interruptionError = interrupted();
  if (interruptionError) throw interruptionError;
  if (!stopped)
    throw new InvalidResponseError("the stream ended before message_stop", {
      expected: "an event stream closed by message_stop",
    });
  yield {
    type: "finish",
    finishReason: mapAnthropicStopReason(stopReason),
    usage: mapUsage(startUsage, endUsage, content),
    content,
  };
}

/** Applies one `content_block_delta` to its open block; returns the stream part to emit, if any. */
function readDelta(block: OpenBlock | undefined, delta: Record<string, unknown>): StreamPart | undefined {
  if (!block) throw new InvalidResponseError("a content_block_delta for a block that was never started");
  switch (delta.type) {
    case "thinking_delta":
      block.text += String(delta.thinking ?? "");
      return { type: "reasoning-delta", delta: String(delta.thinking ?? "") };
    case "signature_delta":
      block.signature = (block.signature ?? "") + String(delta.signature ?? "");
      return undefined;
    case "text_delta":
      block.text += String(delta.text ?? "");
      return { type: "text-delta", delta: String(delta.text ?? "") };
    case "input_json_delta":
      block.text += String(delta.partial_json ?? "");
      return undefined;
    default:
      return undefined;
  }
}

function closeBlock(block: OpenBlock | undefined): AssistantContentPart | undefined {
  if (!block) return undefined;
  if (block.type === "thinking") return { type: "reasoning", text: block.text, signature: block.signature };
  if (block.type === "text") return { type: "text", text: block.text };
  if (block.type === "tool_use")
    return {
      type: "tool-call",
      toolCallId: block.id ?? "",
      toolName: block.name ?? "",
      input: parseToolArguments(block.text),
    };
  return undefined;
}

/** `output_tokens` includes thinking; thinking tokens come from `output_tokens_details` or are estimated. */
function mapUsage(
  start: WireUsage | undefined,
  end: WireUsage | undefined,
  content: AssistantContentPart[],
): Usage {
  const reasoningText = content.map((part) => (part.type === "reasoning" ? part.text : "")).join("");
  const reported = end?.output_tokens_details?.thinking_tokens;
  return {
    promptTokens: end?.input_tokens ?? start?.input_tokens ?? 0,
    completionTokens: end?.output_tokens ?? start?.output_tokens ?? 0,
    reasoningTokens: typeof reported === "number" ? reported : estimateTokens(reasoningText),
  };
}

export function mapAnthropicError(
  thrown: unknown,
  url: string,
  timedOut: boolean,
  timeoutMs: number,
): CogcoreError {
  if (thrown instanceof CogcoreError) return thrown;
  if (timedOut)
    return new APICallError(`${url}: no complete response within ${timeoutMs} ms`, { url, cause: thrown });
  if (
    thrown instanceof Anthropic.APIUserAbortError ||
    (thrown instanceof Error && thrown.name === "AbortError")
  )
    return new AbortedError("the model call was aborted", { cause: thrown });
  if (thrown instanceof Anthropic.APIConnectionError)
    return new APICallError(`${url}: cannot connect: ${thrown.message}`, { url, cause: thrown });
  if (thrown instanceof Anthropic.APIError) {
    const error = thrown.error as { error?: { type?: string; message?: string } } | undefined;
    const detail = error?.error ? `${error.error.type}: ${error.error.message}` : thrown.message;
    return new APICallError(`${url}: HTTP ${thrown.status ?? "error"}: ${detail}`, {
      url,
      statusCode: thrown.status,
      responseBody: error === undefined ? undefined : JSON.stringify(error),
      retryAfterMs: parseRetryAfter(thrown.headers),
      cause: thrown,
      // An `error` event inside a 200 stream (overloaded_error) has no status: retryable.
      isRetryable: thrown.status === undefined ? true : undefined,
    });
  }
  return new APICallError(`${url}: ${thrown instanceof Error ? thrown.message : String(thrown)}`, {
    url,
    cause: thrown,
  });
}
