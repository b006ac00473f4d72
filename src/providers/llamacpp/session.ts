/**
 * A persistent llama.cpp child process (session-worker.ts) serving one sequence, as a DecodingBackend:
 * the chat-format decoder asks it for the next token's log-probabilities after each token it commits.
 * Calls take turns: one sequence, one decoding at a time.
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { LlamaCppError } from "../../model/llamacpp/harness.ts";
import type { DecodingBackend } from "../core-decoder.ts";
import type { SessionReply, SessionRequest } from "./protocol.ts";

export interface LlamaCppSessionOptions {
  modelPath: string;
  /** Tokens the sequence holds. */
  contextSize: number;
  vocabSize: number;
  /** CPU threads. Default 2. */
  threads?: number;
  /** Longest wait for one reply (loading included). Default 120 000 ms. */
  timeoutMs?: number;
}

type RequestBody = SessionRequest extends infer Request
  ? Request extends { id: number }
    ? Omit<Request, "id">
    : never
  : never;

const workerPath = fileURLToPath(new URL("./session-worker.ts", import.meta.url));

export class LlamaCppSession {
  private child: ChildProcess | undefined;
  private opened: Promise<void> | undefined;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (reply: SessionReply) => void; reject: (error: Error) => void }
  >();
  private turn: Promise<void> = Promise.resolve();

  constructor(private readonly options: LlamaCppSessionOptions) {}

  /** Waits for the sequence to be free, empties it, and lends it out until `dispose`. */
  async openBackend(): Promise<DecodingBackend> {
    let release!: () => void;
    const previous = this.turn;
    this.turn = new Promise((resolve) => {
      release = resolve;
    });
    await previous;
    try {
      await this.start();
      await this.request({ kind: "reset" });
    } catch (error) {
      release();
      throw error;
    }
    let position = 0;
    return {
      feed: async (tokens) => {
        const reply = await this.request({ kind: "feed", tokens });
        position += tokens.length;
        return reply.ok && reply.logProbabilities ? reply.logProbabilities : new Float32Array(0);
      },
      get position() {
        return position;
      },
      maxTokens: this.options.contextSize - 1,
      dispose: () => release(),
    };
  }

  async close(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    this.opened = undefined;
    if (child?.connected) child.disconnect();
  }

  private start(): Promise<void> {
    this.opened ??= this.spawn();
    return this.opened;
  }

  private async spawn(): Promise<void> {
    const child = fork(workerPath, [], {
      execArgv: ["--import", import.meta.resolve("tsx")],
      serialization: "advanced",
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    this.child = child;
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    child.on("message", (reply: SessionReply) => {
      this.pending.get(reply.id)?.resolve(reply);
      this.pending.delete(reply.id);
    });
    child.once("exit", (code, signal) => {
      if (this.child === child) {
        this.child = undefined;
        this.opened = undefined;
      }
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const error = new LlamaCppError(
        `the llama.cpp process ${how}: ${stderr.trim().split("\n").slice(-3).join(" | ")}`,
      );
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    });
    const { modelPath, contextSize, vocabSize, threads = 2 } = this.options;
    await this.request({ kind: "open", modelPath, contextSize, vocabSize, threads });
  }

  private request(body: RequestBody): Promise<SessionReply & { ok: true }> {
    const child = this.child;
    if (!child) return Promise.reject(new LlamaCppError("the llama.cpp process is not running"));
    const id = this.nextId++;
    const timeoutMs = this.options.timeoutMs ?? 120_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        child.kill("SIGKILL");
        reject(new LlamaCppError(`llama.cpp did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (reply) => {
          clearTimeout(timer);
          if (reply.ok) resolve(reply);
          else reject(new LlamaCppError(`llama.cpp failed: ${reply.message}`));
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      child.send({ id, ...body } as SessionRequest);
    });
  }
}
