/** The openai provider against replayed transcripts: errors, retries, timeouts, servers' reasoning fields. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AbortedError } from "../errors.ts";
import { APICallError } from "./errors.ts";
import { createOpenAIModel, type OpenAIProviderOptions } from "./openai.ts";
import { loadExchange, type ReplayServer, startReplayServer } from "./replay/replay-server.ts";
import type { Message, StreamPart } from "./spec.ts";

const QUESTION: Message[] = [
  { role: "user", content: "What is the capital of France? Answer in one short sentence." },
];
const BUDGET_QUESTION: Message[] = [{ role: "user", content: "What is 17 * 23? Think it through." }];

let server: ReplayServer;
beforeAll(async () => {
  server = await startReplayServer();
});
afterAll(() => server.close());
beforeEach(() => server.setEventDelay(0));

function model(options: Partial<OpenAIProviderOptions> = {}) {
  const waits: number[] = [];
  const created = createOpenAIModel({
    modelId: "gpt-5-mini",
    baseURL: `${server.url}/v1`,
    retry: { sleep: async (milliseconds) => void waits.push(milliseconds) },
    ...options,
  });
  return { model: created, waits };
}

async function collect(stream: AsyncIterable<StreamPart>) {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

describe("openai provider errors", () => {
  it("retries a 429, waiting as long as retry-after says, then answers", async () => {
    server.enqueue(loadExchange("openai/error-429"), loadExchange("openai/plain"));
    const { model: openai, waits } = model();
    const result = await openai.doGenerate({ messages: QUESTION });
    expect(waits).toEqual([1000]); // retry-after: 1
    expect(result.content).toEqual([{ type: "text", text: "The capital of France is Paris." }]);
    expect(result.usage).toEqual({ promptTokens: 21, completionTokens: 80, reasoningTokens: 64 });
  });

  it("fails a 400 at once with the status, the server's message and the body excerpt", async () => {
    server.enqueue(loadExchange("openai/error-400"));
    const before = server.received.length;
    const error = await model()
      .model.doGenerate({ messages: QUESTION, temperature: 0 })
      .catch((thrown) => thrown);
    expect(error).toBeInstanceOf(APICallError);
    expect(error).toMatchObject({ statusCode: 400, isRetryable: false });
    expect(error.message).toMatch(/HTTP 400: Unsupported value: 'temperature'/);
    expect(error.responseBody).toMatch(/unsupported_value/);
    expect(server.received.length - before).toBe(1);
  });

  it("retries 500s up to the limit, then gives up saying so", async () => {
    server.enqueue(...Array.from({ length: 3 }, () => loadExchange("openai/error-500")));
    const { model: openai, waits } = model({ retry: { maxRetries: 2, initialDelayMs: 5 } });
    await expect(openai.doGenerate({ messages: QUESTION })).rejects.toThrow(
      /HTTP 500.*gave up after 3 attempts/,
    );
    expect(waits).toEqual([]); // this model's retry options replaced the recording sleep
    expect(server.pending()).toBe(0);
  });

  it("reports a refused connection as a retryable network error", async () => {
    const openai = createOpenAIModel({
      modelId: "m",
      baseURL: "http://127.0.0.1:9/v1",
      retry: { maxRetries: 0 },
    });
    const error = await openai.doGenerate({ messages: QUESTION }).catch((thrown) => thrown);
    expect(error).toBeInstanceOf(APICallError);
    expect(error.isRetryable).toBe(true);
    expect(error.message).toMatch(/cannot connect/);
  });

  it("times out a stream that does not finish in time, as a retryable error", async () => {
    server.enqueue(loadExchange("openai/streamed"));
    server.setEventDelay(200); // ten events: two seconds in all
    const openai = model({ timeoutMs: 500, retry: { maxRetries: 0 } }).model;
    // Whether the limit strikes before the headers or mid-stream, the same error comes out.
    const error = await openai
      .doStream({ messages: QUESTION })
      .then((result) => collect(result.stream))
      .catch((thrown) => thrown);
    expect(error).toBeInstanceOf(APICallError);
    expect(error.message).toMatch(/no complete response within 500 ms/);
    expect(error.isRetryable).toBe(true);
  });

  it("aborts before the request is sent", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      model().model.doGenerate({ messages: QUESTION, abortSignal: controller.signal }),
    ).rejects.toBeInstanceOf(AbortedError);
  });
});

describe("OpenAI-compatible servers", () => {
  it("llama-server: sends thinking_budget_tokens and max_tokens, streams reasoning_content", async () => {
    const exchange = loadExchange("llama-server/reasoning");
    server.enqueue(exchange);
    const llama = createOpenAIModel({
      modelId: "qwen3",
      baseURL: `${server.url}/v1`,
      dialect: "llama-server",
    });
    const result = await llama.doStream({
      messages: BUDGET_QUESTION,
      budget: { tokens: 64 },
      maxOutputTokens: 256,
    });
    const parts = await collect(result.stream);
    expect(server.received.at(-1)?.body).toEqual(exchange.request.body);
    const reasoning = parts.flatMap((part) => (part.type === "reasoning-delta" ? [part.delta] : [])).join("");
    expect(reasoning).toBe("Okay, 17 times 20 is 340, and 17 times 3 is 51. 340 + 51 = 391.");
    const finish = parts.at(-1) as Extract<StreamPart, { type: "finish" }>;
    expect(finish.content.map((part) => part.type)).toEqual(["reasoning", "text"]);
    // llama-server reports no reasoning_tokens: estimated from the reasoning text (4 characters a token).
    expect(finish.usage).toEqual({
      promptTokens: 18,
      completionTokens: 31,
      reasoningTokens: Math.ceil(reasoning.length / 4),
    });
  });

  it("vLLM: sends thinking_token_budget, streams `reasoning` deltas", async () => {
    const exchange = loadExchange("vllm/reasoning");
    server.enqueue(exchange);
    const vllm = createOpenAIModel({
      modelId: "Qwen/Qwen3-8B",
      baseURL: `${server.url}/v1`,
      dialect: "vllm",
    });
    const result = await vllm.doStream({
      messages: BUDGET_QUESTION,
      budget: { tokens: 64 },
      maxOutputTokens: 256,
    });
    const parts = await collect(result.stream);
    expect(server.received.at(-1)?.body).toEqual(exchange.request.body);
    expect(parts.filter((part) => part.type === "reasoning-delta")).toHaveLength(21);
    const text = parts.flatMap((part) => (part.type === "text-delta" ? [part.delta] : [])).join("");
    expect(text).toBe("17 × 23 = 391.");
  });

  it("official OpenAI: max_completion_tokens, and reasoning_tokens read from completion_tokens_details", async () => {
    server.enqueue(loadExchange("openai/tool-call"));
    const result = await model().model.doStream({
      messages: [{ role: "user", content: "What is 472317 - 342669? Use the calculator." }],
      maxOutputTokens: 500,
    });
    const finish = (await collect(result.stream)).at(-1) as Extract<StreamPart, { type: "finish" }>;
    expect(server.received.at(-1)?.body).toMatchObject({ max_completion_tokens: 500 });
    expect(finish.usage.reasoningTokens).toBe(128);
    expect(finish.content).toEqual([
      {
        type: "tool-call",
        toolCallId: expect.stringMatching(/^call_/),
        toolName: "calc",
        input: { expression: "472317 - 342669" },
      },
    ]);
  });
});
