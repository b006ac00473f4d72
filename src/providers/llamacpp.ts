/**
 * The `llamacpp` provider: any GGUF in real llama.cpp (node-llama-cpp, CPU, prebuilt binaries), in a
 * child process. Every file's header is validated first (llama.cpp aborts its process on some malformed
 * files). Two kinds of model:
 *
 *   - the core's own chat format (our export: its special tokens follow the 256 byte tokens): llama.cpp
 *     computes each next token's distribution and the same structured decoder as the core provider
 *     chooses it — calls under the call grammar's mask, budget forcing in the thinking span (core.ts);
 *   - any other chat model: node-llama-cpp's chat wrapper for the file, grammar-constrained function
 *     calling, and budget forcing on the format's thinking span (llamacpp-chat.ts).
 */
import { SPECIAL_TOKENS } from "../model/chat-format.ts";
import { importGguf, PROCEDURE_WORDS_KEYS } from "../model/gguf-llama.ts";
import type { ToolLookup } from "../tools/call-syntax.ts";
import { createChatFormatModel } from "./core.ts";
import { type GgufHeader, readGgufHeader, validateTokenizer } from "./llamacpp/gguf-header.ts";
import { LlamaCppSession } from "./llamacpp/session.ts";
import { createLlamaCppChatModel } from "./llamacpp-chat.ts";
import type { ProcedureWords } from "./procedure-words.ts";
import type { LanguageModel } from "./spec.ts";

export interface LlamaCppProviderOptions {
  /** The GGUF file. */
  modelPath: string;
  /** Model id reported. Default: the file name. */
  modelId?: string;
  /** The tools registry, for the core format's compact call syntax. Default: none. */
  tools?: ToolLookup;
  /** CPU threads llama.cpp uses. Default: 2. */
  threads?: number;
  /** Most output tokens when the call gives none. Default: 256. */
  defaultMaxOutputTokens?: number;
  /** Longest wait for llama.cpp to answer (loading included). Default: 120 000 ms. */
  timeoutMs?: number;
  /** Chat models: tokens the context holds. Default: the model's training context, at most 8192. */
  contextSize?: number;
  /** Chat models: "required" makes a response with tools offered open with a call. Default: "auto". */
  toolChoice?: "auto" | "required";
}

export interface LlamaCppModel extends LanguageModel {
  /** Ends the llama.cpp process. */
  close(): Promise<void>;
}

/** Whether a GGUF is in the core's chat format: our special tokens right after the byte tokens, no template. */
export function isCoreFormat(header: GgufHeader): boolean {
  const tokens = header.metadata.get("tokenizer.ggml.tokens");
  if (!Array.isArray(tokens) || header.metadata.has("tokenizer.chat_template")) return false;
  return SPECIAL_TOKENS.every((token, index) => tokens[256 + index] === token);
}

export function createLlamaCppModel(options: LlamaCppProviderOptions): LlamaCppModel {
  const header = readGgufHeader(options.modelPath);
  const modelId = options.modelId ?? options.modelPath.split("/").at(-1) ?? "gguf";
  if (!isCoreFormat(header)) {
    validateTokenizer(header, options.modelPath);
    return createLlamaCppChatModel({ ...options, modelId });
  }
  // Our own reader validates everything the core format relies on.
  const { config, tokenizer } = importGguf(options.modelPath);
  const session = new LlamaCppSession({
    modelPath: options.modelPath,
    contextSize: config.contextLength + 1,
    vocabSize: config.vocabSize,
    threads: options.threads,
    timeoutMs: options.timeoutMs,
  });
  const model = createChatFormatModel({
    provider: "llamacpp",
    modelId,
    tokenizer,
    tools: options.tools,
    contextLength: config.contextLength,
    defaultMaxOutputTokens: options.defaultMaxOutputTokens,
    procedureWords: procedureWordsInHeader(header),
    openBackend: () => session.openBackend(),
  });
  return Object.assign(model, { close: () => session.close() });
}

/** The procedure words our export stores (grounded decoding), or undefined: decoding is not grounded. */
function procedureWordsInHeader(header: GgufHeader): ProcedureWords | undefined {
  const list = (key: string) => {
    const words = header.metadata.get(key);
    return Array.isArray(words) && words.every((word) => typeof word === "string") ? words : undefined;
  };
  const call = list(PROCEDURE_WORDS_KEYS.call);
  const answer = list(PROCEDURE_WORDS_KEYS.answer);
  const wording = list(PROCEDURE_WORDS_KEYS.wording);
  return call && answer ? { call, answer, ...(wording ? { wording } : {}) } : undefined;
}
