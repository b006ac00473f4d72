/** Messages between the llamacpp provider (chat models) and its llama.cpp child process (chat-worker.ts). */
import type { ChatHistoryItem, GbnfJsonSchema } from "node-llama-cpp";
import type { FinishReason, Usage } from "../spec.ts";

export interface ChatOpenRequest {
  kind: "open";
  modelPath: string;
  /** Tokens the context holds. Default: the model's training context, at most 8192. */
  contextSize?: number;
  threads: number;
}

/** What the child found out about the model. */
export interface ChatModelInfo {
  /** node-llama-cpp's chat wrapper, resolved from the GGUF's chat template or architecture. */
  wrapperName: string;
  /** The thinking span's markers, if the chat format has one. */
  thought: { prefix: string; suffix: string } | null;
  /** Whether cogcore drives the span token by token (its markers are single tokens). */
  thoughtForcible: boolean;
  contextSize: number;
}

export interface ChatGenerateRequest {
  kind: "generate";
  /** The conversation; its last item is the model turn to continue. */
  history: ChatHistoryItem[];
  /** Functions the model may call. */
  functions?: Record<string, { description: string; params: GbnfJsonSchema }>;
  /** "required": the response opens with a call (node-llama-cpp's initially engaged function calling). */
  toolChoice: "auto" | "required";
  /** Thinking budget: undefined tokens leave it to the model. */
  budget: { tokens?: number; minTokens: number };
  maxTokens: number;
  temperature: number;
  seed: number;
  stopSequences: string[];
}

export type ChatRequest =
  | ({ id: number } & ChatOpenRequest)
  | ({ id: number } & ChatGenerateRequest)
  /** Aborts request `target`; gets no reply of its own. */
  | { id: number; kind: "abort"; target: number };

export type ChatEvent =
  | { type: "reasoning-delta"; delta: string }
  | { type: "text-delta"; delta: string }
  | { type: "tool-call"; name: string; params: unknown };

export interface ChatGenerateReply {
  finishReason: FinishReason;
  usage: Usage;
  warnings: string[];
}
