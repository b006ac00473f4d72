/** The anthropic provider against replayed transcripts: errors, retries, thinking and its signature. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAnthropicModel } from "./anthropic.ts";
import { CALC_TOOL } from "./conformance/cases.ts";
import { APICallError } from "./errors.ts";
import { loadExchange, type ReplayServer, startReplayServer } from "./replay/replay-server.ts";
import type { Message, StreamPart } from "./spec.ts";

const QUESTION: Message[] = [
  { role: "user", content: "What is the capital of France? Answer in one short sentence." },
];
const CALC_QUESTION: Message[] = [{ role: "user", content: "What is 472317 - 342669? Use the calculator." }];

let server: ReplayServer;
beforeAll(async () => {
  server = await startReplayServer();
});
afterAll(() => server.close());

function model() {
  const waits: number[] = [];
  const created = createAnthropicModel({
    modelId: "claude-sonnet-4-6",
    baseURL: server.url,
    retry: { sleep: async (milliseconds) => void waits.push(milliseconds) },
  });
  return { model: created, waits };
}

async function collect(stream: AsyncIterable<StreamPart>) {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

describe("anthropic provider errors", () => {
  it("retries a 429 after retry-after and a 529 overloaded, then answers", async () => {
    server.enqueue(
      loadExchange("anthropic/error-429"),
      loadExchange("anthropic/error-529"),
      loadExchange("anthropic/plain"),
    );
    const { model: anthropic, waits } = model();
    const result = await anthropic.doGenerate({ messages: QUESTION });
    expect(waits).toEqual([2000, 1000]); // retry-after: 2, then the backoff's second step
    expect(result.content).toEqual([{ type: "text", text: "The capital of France is Paris." }]);
    expect(result.usage).toEqual({ promptTokens: 22, completionTokens: 10, reasoningTokens: 0 });
  });

  it("fails a 400 at once with the error type and message", async () => {
    server.enqueue(loadExchange("anthropic/error-400"));
    const error = await model()
      .model.doGenerate({ messages: QUESTION })
      .catch((thrown) => thrown);
    expect(error).toBeInstanceOf(APICallError);
    expect(error).toMatchObject({ statusCode: 400, isRetryable: false });
    expect(error.message).toMatch(/HTTP 400: invalid_request_error: max_tokens: 1024 must be greater/);
  });

  it("turns an overloaded_error event inside a 200 stream into a retryable error after the text so far", async () => {
    server.enqueue(loadExchange("anthropic/stream-overloaded"));
    const { stream } = await model().model.doStream({ messages: QUESTION });
    const parts: StreamPart[] = [];
    const error = await (async () => {
      for await (const part of stream) parts.push(part);
    })().catch((thrown) => thrown);
    expect(parts).toEqual([{ type: "text-delta", delta: "The capital" }]);
    expect(error).toBeInstanceOf(APICallError);
    expect(error.isRetryable).toBe(true);
    expect(error.message).toMatch(/overloaded_error: Overloaded/);
  });
});

describe("anthropic thinking", () => {
  it("streams thinking, keeps its signature, and sends it back on the next turn", async () => {
    server.enqueue(loadExchange("anthropic/thinking-tool-call"));
    const { model: anthropic } = model();
    const first = await anthropic.doStream({
      messages: CALC_QUESTION,
      tools: [CALC_TOOL],
      budget: { tokens: 1024 },
    });
    const parts = await collect(first.stream);
    expect(first.request?.body).toMatchObject({
      thinking: { type: "enabled", budget_tokens: 1024 },
      max_tokens: 4096,
    });
    const finish = parts.at(-1) as Extract<StreamPart, { type: "finish" }>;
    const [reasoning, call] = finish.content;
    expect(reasoning).toMatchObject({ type: "reasoning", signature: expect.stringMatching(/^Eo/) });
    expect(call).toMatchObject({
      type: "tool-call",
      toolName: "calc",
      input: { expression: "472317 - 342669" },
    });
    // No output_tokens_details in this transcript: thinking tokens estimated from the text.
    expect(finish.usage.reasoningTokens).toBe(Math.ceil((reasoning as { text: string }).text.length / 4));

    server.enqueue(loadExchange("anthropic/tool-error"));
    const history: Message[] = [
      ...CALC_QUESTION,
      { role: "assistant", content: finish.content },
      {
        role: "tool",
        content: [
          {
            type: "tool-result",
            toolCallId: (call as { toolCallId: string }).toolCallId,
            toolName: "calc",
            output: "129648",
          },
        ],
      },
    ];
    await collect((await anthropic.doStream({ messages: history, tools: [CALC_TOOL] })).stream);
    const sent = server.received.at(-1)?.body as {
      messages: { content: { type: string; signature?: string }[] }[];
    };
    expect(sent.messages[1].content[0]).toEqual({
      type: "thinking",
      thinking: (reasoning as { text: string }).text,
      signature: (reasoning as { signature: string }).signature,
    });
    expect(sent.messages[2].content[0]).toMatchObject({ type: "tool_result", content: "129648" });
  });

  it("drops a temperature other than 1 when thinking, with a warning", async () => {
    server.enqueue(loadExchange("anthropic/budget"));
    const result = await model().model.doStream({
      messages: [{ role: "user", content: "What is 17 * 23? Think it through." }],
      budget: { tokens: 1024 },
      maxOutputTokens: 2048,
      temperature: 0,
    });
    await collect(result.stream);
    expect(result.warnings).toEqual(["anthropic thinking requires temperature 1; temperature 0 not sent"]);
    expect(result.request?.body).not.toHaveProperty("temperature");
  });
});
