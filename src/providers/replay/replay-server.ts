/**
 * A loopback HTTP server that replays recorded wire transcripts of model APIs, for tests and benchmarks.
 *
 * An exchange is two files in a fixtures folder: `<name>.json` (the request expected — method, path,
 * body — and the response status and headers) and `<name>.body` (the response body, byte for byte: a
 * JSON document or an SSE stream). Tests queue exchanges; each incoming request takes the next one and
 * is recorded, so a test can compare what the client sent with what the transcript says was sent.
 * SSE bodies are written one event at a time, as a server streams them.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CorruptFileError } from "../../errors.ts";

export const FIXTURES_DIR = join(fileURLToPath(new URL(".", import.meta.url)), "fixtures");

export interface Exchange {
  name: string;
  request: { method: string; path: string; body?: unknown };
  response: { status: number; headers: Record<string, string>; body: string };
}

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** Reads `<dir>/<name>.json` and `<name>.body`; `name` is relative to the fixtures folder, e.g. "openai/text". */
export function loadExchange(name: string, dir = FIXTURES_DIR): Exchange {
  const metaPath = join(dir, `${name}.json`);
  let meta: Omit<Exchange, "name"> & { response: Omit<Exchange["response"], "body"> };
  try {
    meta = JSON.parse(readFileSync(metaPath, "utf8"));
  } catch (cause) {
    throw new CorruptFileError("cannot read the exchange", {
      path: metaPath,
      cause,
      expected: "a JSON file with request and response",
    });
  }
  const body = readFileSync(join(dir, `${name}.body`), "utf8");
  return { name, request: meta.request, response: { ...meta.response, body } };
}

export interface ReplayServerOptions {
  /** Wait between SSE events. Default: 0 (each event in its own write, on the next tick). */
  eventDelayMs?: number;
}

export interface ReplayServer {
  /** e.g. http://127.0.0.1:40123 */
  url: string;
  /** Queues exchanges to answer the next requests with, in order. */
  enqueue(...exchanges: Exchange[]): void;
  /** Requests received so far, oldest first. */
  received: ReceivedRequest[];
  /** Exchanges still queued. */
  pending(): number;
  setEventDelay(milliseconds: number): void;
  close(): Promise<void>;
}

export async function startReplayServer(options: ReplayServerOptions = {}): Promise<ReplayServer> {
  const queue: Exchange[] = [];
  const received: ReceivedRequest[] = [];
  let eventDelayMs = options.eventDelayMs ?? 0;
  const server = createServer((request, response) => {
    readBody(request)
      .then((text) => {
        received.push({
          method: request.method ?? "",
          path: request.url ?? "",
          headers: request.headers,
          body: parseMaybeJson(text),
        });
        const exchange = queue.shift();
        if (!exchange) return sendError(response, 500, "the replay server has no exchange queued");
        if (exchange.request.path !== request.url || exchange.request.method !== request.method)
          return sendError(response, 404, `expected ${exchange.request.method} ${exchange.request.path}`);
        return sendResponse(response, exchange, eventDelayMs);
      })
      .catch((error) => sendError(response, 500, String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    enqueue: (...exchanges) => queue.push(...exchanges),
    received,
    pending: () => queue.length,
    setEventDelay: (milliseconds) => {
      eventDelayMs = milliseconds;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function parseMaybeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function sendError(response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify({ error: { message: `replay server: ${message}`, type: "replay_error" } }));
}

async function sendResponse(
  response: ServerResponse,
  exchange: Exchange,
  eventDelayMs: number,
): Promise<void> {
  response.writeHead(exchange.response.status, exchange.response.headers);
  const isStream = /text\/event-stream/.test(exchange.response.headers["content-type"] ?? "");
  if (!isStream) {
    response.end(exchange.response.body);
    return;
  }
  // One write per SSE event (events end with a blank line), as a streaming server flushes them.
  const events = exchange.response.body.match(/[\s\S]*?\n\n|[\s\S]+$/g) ?? [];
  for (const event of events) {
    if (response.destroyed) return;
    response.write(event);
    await new Promise((resolve) =>
      eventDelayMs > 0 ? setTimeout(resolve, eventDelayMs) : setImmediate(resolve),
    );
  }
  response.end();
}
