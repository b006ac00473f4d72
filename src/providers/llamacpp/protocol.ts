/** Messages between the llamacpp provider and its llama.cpp child process (session-worker.ts). */

export interface OpenRequest {
  kind: "open";
  modelPath: string;
  contextSize: number;
  threads: number;
  vocabSize: number;
}

export type SessionRequest =
  | ({ id: number } & OpenRequest)
  /** Starts a new, empty sequence. */
  | { id: number; kind: "reset" }
  /** Appends tokens; the reply holds the next token's log-probabilities. */
  | { id: number; kind: "feed"; tokens: number[] };

export type SessionReply =
  | { id: number; ok: true; logProbabilities?: Float32Array }
  | { id: number; ok: false; message: string };
