/**
 * Every recorded transcript has the shape the published API specs document, and the official clients
 * (`openai`, `@anthropic-ai/sdk`) parse every replayed response and stream.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURES_DIR, loadExchange, type ReplayServer, startReplayServer } from "./replay-server.ts";
import {
  AnthropicErrorBody,
  AnthropicMessage,
  AnthropicStreamEvent,
  OpenAIChatCompletion,
  OpenAIChatCompletionChunk,
  OpenAIErrorBody,
  parseSSE,
} from "./wire-spec.ts";

const OPENAI_STYLE = ["openai", "llama-server", "vllm"];

function exchangesIn(folder: string): string[] {
  return readdirSync(join(FIXTURES_DIR, folder))
    .filter((file) => file.endsWith(".json"))
    .map((file) => `${folder}/${file.slice(0, -5)}`)
    .sort();
}

const isStream = (name: string) =>
  /event-stream/.test(loadExchange(name).response.headers["content-type"] ?? "");

describe("transcripts match the published API shapes", () => {
  for (const name of [...OPENAI_STYLE, "agent"].flatMap(exchangesIn)) {
    it(name, () => {
      const { request, response } = loadExchange(name);
      expect(request.path).toBe("/v1/chat/completions");
      if (response.status !== 200) return void OpenAIErrorBody.parse(JSON.parse(response.body));
      if (!isStream(name)) return void OpenAIChatCompletion.parse(JSON.parse(response.body));
      const events = parseSSE(response.body);
      expect(events.at(-1)?.data).toBe("[DONE]");
      for (const event of events.slice(0, -1)) OpenAIChatCompletionChunk.parse(JSON.parse(event.data));
      // With stream_options.include_usage the last chunk carries usage and no choices.
      const last = JSON.parse(events.at(-2)?.data ?? "{}");
      expect(last.choices).toEqual([]);
      expect(last.usage.completion_tokens).toBeGreaterThan(0);
    });
  }
  for (const name of exchangesIn("anthropic")) {
    it(name, () => {
      const { request, response } = loadExchange(name);
      expect(request.path).toBe("/v1/messages");
      if (response.status !== 200) return void AnthropicErrorBody.parse(JSON.parse(response.body));
      if (!isStream(name)) return void AnthropicMessage.parse(JSON.parse(response.body));
      const events = parseSSE(response.body);
      for (const event of events) {
        const data = AnthropicStreamEvent.parse(JSON.parse(event.data));
        expect(event.event).toBe(data.type); // the SSE event name repeats the data's type
      }
      expect(events[0].event).toBe("message_start");
      if (events.at(-1)?.event !== "error") expect(events.at(-1)?.event).toBe("message_stop");
    });
  }
});

describe("the official clients parse every replayed transcript", () => {
  let server: ReplayServer;
  beforeAll(async () => {
    server = await startReplayServer();
  });
  afterAll(() => server.close());

  for (const name of OPENAI_STYLE.flatMap(exchangesIn)) {
    it(`openai client: ${name}`, async () => {
      const exchange = loadExchange(name);
      server.enqueue(exchange);
      const client = new OpenAI({ apiKey: "sk-test", baseURL: `${server.url}/v1`, maxRetries: 0 });
      // biome-ignore lint/suspicious/noExplicitAny: replaying the recorded body as sent
      const call = client.chat.completions.create(exchange.request.body as any);
      if (exchange.response.status !== 200) {
        const error = await call.then(
          () => undefined,
          (thrown) => thrown,
        );
        expect(error).toBeInstanceOf(OpenAI.APIError);
        expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(exchange.response.status);
        return;
      }
      const result = (await call) as unknown;
      if (!isStream(name)) {
        expect((result as OpenAI.ChatCompletion).choices[0].message.role).toBe("assistant");
        return;
      }
      let chunks = 0;
      for await (const chunk of result as AsyncIterable<OpenAI.ChatCompletionChunk>) {
        expect(chunk.object).toBe("chat.completion.chunk");
        chunks++;
      }
      expect(chunks).toBe(parseSSE(exchange.response.body).length - 1); // all but [DONE]
    });
  }

  for (const name of exchangesIn("anthropic")) {
    it(`anthropic client: ${name}`, async () => {
      const exchange = loadExchange(name);
      server.enqueue(exchange);
      const client = new Anthropic({ apiKey: "sk-ant-test", baseURL: server.url, maxRetries: 0 });
      // biome-ignore lint/suspicious/noExplicitAny: replaying the recorded body as sent
      const call = client.messages.create(exchange.request.body as any);
      const sseEvents = isStream(name) ? parseSSE(exchange.response.body) : [];
      if (exchange.response.status !== 200) {
        const error = await call.then(
          () => undefined,
          (thrown) => thrown,
        );
        expect(error).toBeInstanceOf(Anthropic.APIError);
        expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(exchange.response.status);
        return;
      }
      const result = (await call) as unknown;
      if (!isStream(name)) {
        expect((result as Anthropic.Message).type).toBe("message");
        return;
      }
      const seen: string[] = [];
      const read = async () => {
        for await (const event of result as AsyncIterable<Anthropic.RawMessageStreamEvent>)
          seen.push(event.type);
      };
      if (sseEvents.at(-1)?.event === "error") {
        await expect(read()).rejects.toBeInstanceOf(Anthropic.APIError);
        return;
      }
      await read();
      // The client yields every event but ping.
      expect(seen).toEqual(sseEvents.map((event) => event.event).filter((event) => event !== "ping"));
    });
  }
});
