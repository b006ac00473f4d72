/**
 * A persistent llama.cpp child process (session-worker.ts) serving one sequence, as a DecodingBackend:
 * the chat-format decoder asks it for the next token's log-probabilities after each token it commits.
 * Calls take turns: one sequence, one decoding at a time.
 */
import { fileURLToPath } from "node:url";
import type { DecodingBackend } from "../core-decoder.ts";
import type { SessionReply, SessionRequest } from "./protocol.ts";
import { WorkerProcess } from "./worker-process.ts";

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
  private readonly worker: WorkerProcess;
  private opened: Promise<unknown> | undefined;
  private turn: Promise<void> = Promise.resolve();

  constructor(private readonly options: LlamaCppSessionOptions) {
    this.worker = new WorkerProcess({ workerPath, timeoutMs: options.timeoutMs });
  }

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
        return reply.logProbabilities ?? new Float32Array(0);
      },
      get position() {
        return position;
      },
      maxTokens: this.options.contextSize - 1,
      dispose: () => release(),
    };
  }

  async close(): Promise<void> {
    this.opened = undefined;
    await this.worker.close();
  }

  private start(): Promise<unknown> {
    if (!this.worker.running) this.opened = undefined; // the process died: start a new one
    const { modelPath, contextSize, vocabSize, threads = 2 } = this.options;
    this.opened ??= this.request({ kind: "open", modelPath, contextSize, vocabSize, threads }).catch(
      (error) => {
        this.opened = undefined;
        throw error;
      },
    );
    return this.opened;
  }

  private async request(body: RequestBody): Promise<SessionReply & { ok: true }> {
    return (await this.worker.request(body)) as SessionReply & { ok: true };
  }
}
