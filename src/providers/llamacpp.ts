/**
 * The `llamacpp` provider: a GGUF in real llama.cpp (node-llama-cpp, CPU, prebuilt binaries) in a child
 * process. For a model in the core's chat format (our exported core GGUF) llama.cpp computes each next
 * token's distribution and the same structured decoder as the core provider chooses it: calls under
 * the call grammar's mask, budget forcing in the thinking span (core.ts describes the states).
 */
import { importGguf } from "../model/gguf-llama.ts";
import type { ToolLookup } from "../tools/call-syntax.ts";
import { createChatFormatModel } from "./core.ts";
import { LlamaCppSession } from "./llamacpp/session.ts";
import type { LanguageModel } from "./spec.ts";

export interface LlamaCppProviderOptions {
  /** The GGUF file. */
  modelPath: string;
  /** Model id reported. Default: the file name. */
  modelId?: string;
  /** The tools registry, for compact call syntax. Default: none. */
  tools?: ToolLookup;
  /** CPU threads llama.cpp uses. Default: 2. */
  threads?: number;
  /** Most output tokens when the call gives none. Default: 256. */
  defaultMaxOutputTokens?: number;
  /** Longest wait for llama.cpp to answer one step (loading included). Default: 120 000 ms. */
  timeoutMs?: number;
}

export interface LlamaCppModel extends LanguageModel {
  /** Ends the llama.cpp process. */
  close(): Promise<void>;
}

export function createLlamaCppModel(options: LlamaCppProviderOptions): LlamaCppModel {
  // Our own reader validates the file first: llama.cpp aborts its process on some malformed files.
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
    modelId: options.modelId ?? options.modelPath.split("/").at(-1) ?? "gguf",
    tokenizer,
    tools: options.tools,
    contextLength: config.contextLength,
    defaultMaxOutputTokens: options.defaultMaxOutputTokens,
    openBackend: () => session.openBackend(),
  });
  return Object.assign(model, { close: () => session.close() });
}
