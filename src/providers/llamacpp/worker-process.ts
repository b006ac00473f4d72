/**
 * A persistent child process that runs node-llama-cpp (session-worker.ts, chat-worker.ts) and answers
 * numbered requests. llama.cpp runs out of our process because it aborts the whole process on some
 * malformed files, and so that a crash cannot take the caller down: a crash, an error the child reports
 * or a silent child (no message within the timeout: it is killed) becomes a LlamaCppError.
 *
 * Child → parent messages: `{id, ok: true, ...}` or `{id, ok: false, message}` end a request;
 * `{id, event}` is a progress event of a request still running (a streamed token, say).
 */
import { type ChildProcess, fork } from "node:child_process";
import { AbortedError } from "../../errors.ts";
import { LlamaCppError } from "../../model/llamacpp/harness.ts";

export type WorkerMessage =
  | { id: number; ok: true; [field: string]: unknown }
  | { id: number; ok: false; message: string; aborted?: boolean }
  | { id: number; event: unknown };

export interface WorkerProcessOptions {
  /** The worker module (a .ts file run through tsx). */
  workerPath: string;
  /** Longest silence from the child while a request runs (loading included). Default 120 000 ms. */
  timeoutMs?: number;
}

export interface RequestOptions {
  /** Receives the request's progress events, in order. */
  onEvent?: (event: unknown) => void;
  /** Cancels the request: the child gets `{kind: "abort", target: id}` and the promise rejects at once. */
  signal?: AbortSignal;
}

/** A successful final reply: the fields the child sent. */
export type WorkerReply = Record<string, unknown>;

type Pending = {
  resolve: (reply: WorkerReply) => void;
  reject: (error: Error) => void;
  onEvent?: (event: unknown) => void;
  touch: () => void;
};

export class WorkerProcess {
  private child: ChildProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly options: WorkerProcessOptions) {}

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Sends a request; resolves with the child's final reply, rejects with a LlamaCppError. */
  request(body: object, options: RequestOptions = {}): Promise<WorkerReply> {
    const child = this.child ?? this.spawn();
    const id = this.nextId++;
    const timeoutMs = this.options.timeoutMs ?? 120_000;
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const touch = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          this.pending.delete(id);
          child.kill("SIGKILL");
          reject(new LlamaCppError(`llama.cpp did not answer within ${timeoutMs} ms`));
        }, timeoutMs);
      };
      touch();
      const onAbort = () => {
        this.notify({ kind: "abort", target: id });
        this.pending.get(id)?.reject(new AbortedError("the model call was aborted"));
      };
      const settle = () => {
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", onAbort);
        this.pending.delete(id);
      };
      this.pending.set(id, {
        resolve: (reply) => {
          settle();
          resolve(reply);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
        onEvent: options.onEvent,
        touch,
      });
      child.send({ id, ...body });
      if (options.signal?.aborted) onAbort();
      else options.signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Sends a message that gets no reply (e.g. "abort request 7"); nothing happens if no child runs. */
  notify(body: object): void {
    if (this.child?.connected) this.child.send({ id: 0, ...body });
  }

  /** Ends the child: it exits when its IPC channel closes. */
  async close(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child?.connected) child.disconnect();
  }

  private spawn(): ChildProcess {
    const child = fork(this.options.workerPath, [], {
      execArgv: ["--import", import.meta.resolve("tsx")],
      serialization: "advanced",
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    this.child = child;
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    child.on("message", (message: WorkerMessage) => this.receive(message));
    child.once("exit", (code, signal) => {
      if (this.child === child) this.child = undefined;
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const error = new LlamaCppError(
        `the llama.cpp process ${how}: ${stderr.trim().split("\n").slice(-3).join(" | ")}`,
      );
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    });
    return child;
  }

  private receive(message: WorkerMessage): void {
    const waiter = this.pending.get(message.id);
    if (!waiter) return;
    if ("event" in message) {
      waiter.touch();
      waiter.onEvent?.(message.event);
    } else if (message.ok) waiter.resolve(message);
    else waiter.reject(new LlamaCppError(`llama.cpp failed: ${message.message}`));
  }
}
