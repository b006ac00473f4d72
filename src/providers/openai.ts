/**
 * The `openai` provider: any OpenAI-compatible chat-completions endpoint (OpenAI, Ollama, vLLM,
 * llama-server, LM Studio, Gemini's compatibility endpoint), through the official `openai` client.
 * Streams SSE with `stream_options.include_usage`; reads reasoning from `reasoning_content` /
 * `reasoning` deltas; maps the thinking budget with the model's dialect (docs/budget.md).
 */
import OpenAI from "openai";
import { AbortedError, CogcoreError } from "../errors.ts";
import { type OpenAIDialect, openAIBudgetFields } from "./budget.ts";
import { APICallError, InvalidResponseError, parseRetryAfter } from "./errors.ts";
import {
  assembleContent,
  mapOpenAIFinishReason,
  mapOpenAIUsage,
  type OpenAIWireUsage,
  reasoningOf,
  toOpenAIMessages,
  toOpenAITools,
} from "./openai-wire.ts";
import { disposing, interruption, type RetryOptions, timeoutSignal, withRetry } from "./retry.ts";
import {
  type CallOptions,
  type GenerateResult,
  type LanguageModel,
  SPECIFICATION_VERSION,
  type StreamPart,
  type StreamResult,
} from "./spec.ts";

export interface OpenAIProviderOptions {
  /** Model id sent as `model` (e.g. "gpt-4.1-mini", "qwen3:4b"). */
  modelId: string;
  /** Endpoint base URL, ending in /v1. Default: https://api.openai.com/v1. */
  baseURL?: string;
  /** API key. Default: "unused" (local servers take none). */
  apiKey?: string;
  /** Which thinking-budget control the endpoint understands. Default: "openai". */
  dialect?: OpenAIDialect;
  /** Time limit of one attempt, streaming included. Default: 600 000 ms. */
  timeoutMs?: number;
  /** Retry policy for 429 / 5xx / network errors. Default: 2 retries from 500 ms, doubling. */
  retry?: Omit<RetryOptions, "abortSignal">;
}

export function createOpenAIModel(options: OpenAIProviderOptions): LanguageModel {
  const baseURL = options.baseURL ?? "https://api.openai.com/v1";
  const dialect = options.dialect ?? "openai";
  const client = new OpenAI({
    apiKey: options.apiKey ?? "unused",
    baseURL,
    maxRetries: 0,
    timeout: 86_400_000,
  });
  const url = `${baseURL.replace(/\/$/, "")}/chat/completions`;

  const buildBody = (call: CallOptions, stream: boolean) => {
    const budget = openAIBudgetFields(dialect, call.budget);
    const body: Record<string, unknown> = {
      model: options.modelId,
      messages: toOpenAIMessages(call.messages),
      ...(call.tools?.length ? { tools: toOpenAITools(call.tools) } : {}),
      ...(call.maxOutputTokens !== undefined
        ? { [dialect === "openai" ? "max_completion_tokens" : "max_tokens"]: call.maxOutputTokens }
        : {}),
      ...(call.temperature !== undefined ? { temperature: call.temperature } : {}),
      ...(call.seed !== undefined ? { seed: call.seed } : {}),
      ...(call.stopSequences?.length ? { stop: call.stopSequences } : {}),
      ...budget.fields,
      ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    };
    return { body, warnings: budget.warnings };
  };

  /** One request, retried; `use` consumes the response under the same timeout. */
  const request = async <T>(call: CallOptions, body: object, use: (response: unknown) => Promise<T>) => {
    return withRetry(
      async () => {
        const limit = timeoutSignal(options.timeoutMs ?? 600_000, call.abortSignal);
        try {
          // biome-ignore lint/suspicious/noExplicitAny: the body carries dialect fields the client's types lack
          const response = await client.chat.completions.create(body as any, { signal: limit.signal });
          return await use(response);
        } catch (thrown) {
          throw mapOpenAIError(thrown, url, limit.timedOut(), options.timeoutMs ?? 600_000);
        } finally {
          limit.dispose();
        }
      },
      { ...options.retry, abortSignal: call.abortSignal },
    );
  };

  return {
    specificationVersion: SPECIFICATION_VERSION,
    provider: "openai",
    modelId: options.modelId,

    async doGenerate(call: CallOptions): Promise<GenerateResult> {
      const { body, warnings } = buildBody(call, false);
      return request(call, body, async (response) =>
        readCompletion(response as WireCompletion, body, warnings),
      );
    },

    async doStream(call: CallOptions): Promise<StreamResult> {
      const { body, warnings } = buildBody(call, true);
      // The retry covers the request up to the response headers; a failure mid-stream is thrown to the reader.
      const limit = timeoutSignal(options.timeoutMs ?? 600_000, call.abortSignal);
      let chunks: AsyncIterable<WireChunk>;
      try {
        chunks = await withRetry(
          async () => {
            try {
              // biome-ignore lint/suspicious/noExplicitAny: dialect fields, as above
              return (await client.chat.completions.create(body as any, { signal: limit.signal })) as any;
            } catch (thrown) {
              throw mapOpenAIError(thrown, url, limit.timedOut(), options.timeoutMs ?? 600_000);
            }
          },
          { ...options.retry, abortSignal: call.abortSignal },
        );
      } catch (error) {
        limit.dispose();
        throw error;
      }
      const timeoutMs = options.timeoutMs ?? 600_000;
      const stream = readChunks(
        chunks,
        (thrown) => mapOpenAIError(thrown, url, limit.timedOut(), timeoutMs),
        () => interruption(url, limit.timedOut(), timeoutMs, call.abortSignal),
      );
      return { stream: disposing(stream, limit.dispose), warnings, request: { body } };
    },
  };
}

interface WireToolCall {
  index?: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}
interface WireMessage {
  content?: string | null;
  reasoning_content?: string | null;
  reasoning?: string | null;
  tool_calls?: WireToolCall[];
}
interface WireCompletion {
  id?: string;
  model?: string;
  choices?: { message?: WireMessage; finish_reason?: string | null }[];
  usage?: OpenAIWireUsage;
}
interface WireChunk {
  choices?: { delta?: WireMessage; finish_reason?: string | null }[] | null;
  usage?: OpenAIWireUsage | null;
}

function readCompletion(response: WireCompletion, body: object, warnings: string[]): GenerateResult {
  const choice = response.choices?.[0];
  if (!choice?.message)
    throw new InvalidResponseError("the chat completion has no choices[0].message", {
      expected: "a chat.completion object with one choice",
    });
  const reasoning = reasoningOf(choice.message);
  const toolCalls = (choice.message.tool_calls ?? []).map((call, index) => ({
    id: call.id ?? `call_${index}`,
    name: call.function?.name ?? "",
    arguments: call.function?.arguments ?? "",
  }));
  return {
    content: assembleContent(reasoning, choice.message.content ?? "", toolCalls),
    finishReason: mapOpenAIFinishReason(choice.finish_reason),
    usage: mapOpenAIUsage(response.usage, reasoning),
    warnings,
    request: { body },
    response: { id: response.id, modelId: response.model },
  };
}

async function* readChunks(
  chunks: AsyncIterable<WireChunk>,
  mapError: (thrown: unknown) => CogcoreError,
  interrupted: () => CogcoreError | undefined,
): AsyncGenerator<StreamPart> {
  let reasoning = "";
  let text = "";
  let finishReason: string | null | undefined;
  let usage: OpenAIWireUsage | null | undefined;
  let sawChunk = false;
  const calls = new Map<number, { id: string; name: string; arguments: string }>();
  try {
    for await (const chunk of chunks) {
      sawChunk = true;
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices?.[0];
      if (!choice) continue;
      if (choice.finish_reason) finishReason = choice.finish_reason;
      const reasoningDelta = reasoningOf(choice.delta);
      if (reasoningDelta) {
        reasoning += reasoningDelta;
        yield { type: "reasoning-delta", delta: reasoningDelta };
      }
      if (choice.delta?.content) {
        text += choice.delta.content;
        yield { type: "text-delta", delta: choice.delta.content };
      }
      for (const [position, call] of (choice.delta?.tool_calls ?? []).entries()) {
        const index = call.index ?? position;
        const entry = calls.get(index) ?? { id: "", name: "", arguments: "" };
        if (call.id) entry.id = call.id;
        if (call.function?.name) entry.name += call.function.name;
        if (call.function?.arguments) entry.arguments += call.function.arguments;
        calls.set(index, entry);
      }
    }
  } catch (thrown) {
    throw interrupted() ?? mapError(thrown);
  }
  // The client ends a stream quietly when its signal fires: say why it ended.
  const interruption = interrupted();
  if (interruption) throw interruption;
  if (!sawChunk)
    throw new InvalidResponseError("the stream ended before any chunk", { expected: "SSE chunks" });
  const toolCalls = [...calls.entries()]
    .sort(([a], [b]) => a - b)
    .map(([index, call]) => ({ ...call, id: call.id || `call_${index}` }));
  const content = assembleContent(reasoning, text, toolCalls);
  for (const part of content) if (part.type === "tool-call") yield { ...part, type: "tool-call" };
  yield {
    type: "finish",
    finishReason: mapOpenAIFinishReason(finishReason),
    usage: mapOpenAIUsage(usage, reasoning),
    content,
  };
}

/** Maps the client's errors to ours: abort, timeout, network, HTTP status with body and retry-after. */
export function mapOpenAIError(
  thrown: unknown,
  url: string,
  timedOut: boolean,
  timeoutMs: number,
): CogcoreError {
  if (thrown instanceof CogcoreError) return thrown;
  if (timedOut)
    return new APICallError(`${url}: no complete response within ${timeoutMs} ms`, { url, cause: thrown });
  if (thrown instanceof OpenAI.APIUserAbortError || (thrown instanceof Error && thrown.name === "AbortError"))
    return new AbortedError("the model call was aborted", { cause: thrown });
  if (thrown instanceof OpenAI.APIConnectionError)
    return new APICallError(`${url}: cannot connect: ${describeCause(thrown)}`, { url, cause: thrown });
  if (thrown instanceof OpenAI.APIError) {
    const body = thrown.error === undefined ? undefined : JSON.stringify(thrown.error);
    const detail = (thrown.error as { message?: string } | undefined)?.message ?? thrown.message;
    return new APICallError(`${url}: HTTP ${thrown.status ?? "error"}: ${detail}`, {
      url,
      statusCode: thrown.status,
      responseBody: body,
      retryAfterMs: parseRetryAfter(thrown.headers),
      cause: thrown,
      // An error event inside a 200 stream has no status: the server failed mid-response; retryable.
      isRetryable: thrown.status === undefined ? true : undefined,
    });
  }
  return new APICallError(`${url}: ${thrown instanceof Error ? thrown.message : String(thrown)}`, {
    url,
    cause: thrown,
  });
}

function describeCause(error: Error): string {
  const cause = error.cause as { code?: string; message?: string } | undefined;
  return cause?.code ?? cause?.message ?? error.message;
}
