/**
 * js: runs JavaScript in QuickJS (WebAssembly) with no host objects, `js([1, 2, 3].map(x => x * x))`.
 *
 * The result is what the code logged with console.log, then the value of its last expression (JSON for
 * plain data; a promise is awaited). Calls run one at a time in a worker thread (quickjs-worker.mjs)
 * that is terminated and replaced when a call outlives its deadline by `graceMs`, so a runaway builtin
 * cannot hold the host's event loop.
 */
import { Worker } from "node:worker_threads";
import { z } from "zod";
import { AbortedError, type CogcoreError, LimitExceededError, PermissionDeniedError } from "../../errors.ts";
import { defineTool, resolveLimits, SandboxCrashedError, type Tool, type ToolLimits } from "../tool.ts";

export interface JsToolOptions {
  /** Default limits per call. Default: 2000 ms, 64 KiB of output, 64 MiB of memory. */
  limits?: ToolLimits;
  /** QuickJS stack limit in bytes. Default: 256 KiB (well inside the worker's own stack). */
  stackBytes?: number;
  /** Time past the deadline before the worker thread is terminated, in ms. Default: 500. */
  graceMs?: number;
}

export interface JsResultData {
  /** What console.log printed. */
  output: string;
  /** The last expression's value as JSON (or String() for other values), null when undefined. */
  value: string | null;
  /** The error the code threw, with its stack. */
  error: string | null;
  durationMs: number;
}

type JsStatus =
  | "ok"
  | "error"
  | "interrupted"
  | "memory"
  | "stack"
  | "output"
  | "permission"
  | "time"
  | "crash";
interface JsRunResult extends JsResultData {
  status: JsStatus;
}

export const JsInputSchema = z.object({
  code: z
    .string()
    .min(1)
    .describe("JavaScript (ES2023); console.log output and the last expression's value are returned"),
});
export type JsInput = z.infer<typeof JsInputSchema>;

export function createJsTool(options: JsToolOptions = {}): Tool<JsInput, JsResultData> {
  const defaults = resolveLimits(
    { timeoutMs: 2000, maxOutputBytes: 64 * 1024, memoryMb: 64 },
    options.limits,
  );
  const sandbox = new QuickJsSandbox(options.graceMs ?? 500);
  return defineTool<JsInput, JsResultData>({
    name: "js",
    description:
      "Runs JavaScript in an isolated interpreter (no network, files, timers or host objects) and returns what " +
      "console.log printed and the value of the last expression.",
    inputSchema: JsInputSchema,
    compact: { grammar: "javascript", toInput: (text) => ({ code: text }), fromInput: (input) => input.code },
    async execute(input, { signal, limits }) {
      if (signal?.aborted) throw new AbortedError("js was aborted before it started");
      const resolved = resolveLimits(defaults, limits);
      const result = await sandbox.run(
        {
          code: input.code,
          timeoutMs: resolved.timeoutMs,
          memoryBytes: resolved.memoryMb * 1024 * 1024,
          stackBytes: options.stackBytes ?? 256 * 1024,
          maxOutputBytes: resolved.maxOutputBytes,
        },
        signal,
      );
      const { status, ...data } = result;
      if (status === "ok" || status === "error") {
        const parts = [data.output.replace(/\n$/, ""), data.value ?? "", data.error ?? ""].filter(
          (part) => part !== "",
        );
        return { content: parts.join("\n") || "(no output)", isError: status === "error", data };
      }
      throw limitError(status, data, resolved);
    },
    close: () => sandbox.close(),
  });
}

function limitError(status: JsStatus, data: JsResultData, limits: Required<ToolLimits>): CogcoreError {
  switch (status) {
    case "memory":
      return new LimitExceededError("memory", `the JavaScript code needed more than ${limits.memoryMb} MiB`);
    case "stack":
      return new LimitExceededError("stack", "the JavaScript code recursed too deeply");
    case "permission":
      return new PermissionDeniedError(`the JavaScript sandbox refused: ${data.error ?? "a host operation"}`);
    case "output":
      return new LimitExceededError(
        "output",
        `the JavaScript code printed more than ${limits.maxOutputBytes} bytes`,
      );
    case "crash":
      if (/call stack/i.test(data.error ?? "")) {
        return new LimitExceededError("stack", "the JavaScript code recursed too deeply");
      }
      if (/out of memory|ERR_WORKER_OUT_OF_MEMORY/i.test(data.error ?? "")) {
        return new LimitExceededError("memory", `the JavaScript sandbox ran out of memory: ${data.error}`);
      }
      return new SandboxCrashedError(`the JavaScript sandbox failed: ${data.error ?? "unknown error"}`);
    default:
      return new LimitExceededError("time", `the JavaScript code ran longer than ${limits.timeoutMs} ms`, {
        expected: "code that finishes within the time limit",
      });
  }
}

interface JsRunRequest {
  code: string;
  timeoutMs: number;
  memoryBytes: number;
  stackBytes: number;
  maxOutputBytes: number;
}

/** One worker thread with QuickJS loaded, replaced after it is terminated or dies. */
class QuickJsSandbox {
  #worker: Worker | null = null;
  #ready: Promise<void> | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  #nextId = 1;
  #closed = false;

  constructor(readonly graceMs: number) {}

  run(request: JsRunRequest, signal?: AbortSignal): Promise<JsRunResult> {
    const next = this.#queue.then(() => this.#runNow(request, signal));
    this.#queue = next.catch(() => {});
    return next;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#worker?.terminate();
    this.#worker = null;
  }

  #start(): { worker: Worker; ready: Promise<void> } {
    if (this.#worker && this.#ready) return { worker: this.#worker, ready: this.#ready };
    const worker = new Worker(new URL("./quickjs-worker.mjs", import.meta.url), {
      env: {},
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: 64, stackSizeMb: 4 },
    });
    worker.unref();
    const ready = new Promise<void>((resolve, reject) => {
      worker.once("message", () => resolve());
      worker.once("error", reject);
    });
    worker.on("exit", () => {
      if (this.#worker === worker) this.#worker = null;
    });
    this.#worker = worker;
    this.#ready = ready;
    return { worker, ready };
  }

  async #runNow(request: JsRunRequest, signal?: AbortSignal): Promise<JsRunResult> {
    if (this.#closed) throw new AbortedError("the js tool is closed");
    const { worker, ready } = this.#start();
    await ready;
    const id = this.#nextId++;
    return new Promise<JsRunResult>((resolve, reject) => {
      const stop = (result: JsRunResult | Error) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        worker.off("message", onMessage);
        worker.off("error", onError);
        if (result instanceof Error) reject(result);
        else resolve(result);
      };
      const kill = () => {
        if (this.#worker === worker) this.#worker = null;
        void worker.terminate();
      };
      const onMessage = (message: JsRunResult & { id: number }) => {
        if (message.id === id) stop(message);
      };
      const onError = (error: Error) => {
        kill();
        stop({ status: "crash", output: "", value: null, error: error.message, durationMs: 0 });
      };
      const onAbort = () => {
        kill();
        stop(new AbortedError("the js call was aborted"));
      };
      const timer = setTimeout(() => {
        kill();
        stop({
          status: "time",
          output: "",
          value: null,
          error: null,
          durationMs: request.timeoutMs + this.graceMs,
        });
      }, request.timeoutMs + this.graceMs);
      worker.on("message", onMessage);
      worker.on("error", onError);
      signal?.addEventListener("abort", onAbort, { once: true });
      worker.postMessage({ id, ...request });
    });
  }
}
