/**
 * The `core` provider: our engine in process. The prompt is the core's chat format (core-format.ts);
 * decoding follows the format's structure under token masks (core-decoder.ts):
 *
 *   start   → <|think|> (unless the budget is 0), <|call|> (when tools are offered) or <|answer|>
 *   think   → text, closed by <|/think|>; budget forcing (budget-forcing.ts) closes it at the budget
 *             and, with a minimum, turns an early close into "Wait"
 *   call    → only tokens the call grammar (src/tools/call-grammar.ts) accepts, <|/call|> once the call
 *             is complete: a tiny model cannot emit a malformed call
 *   after a call → another <|call|>, or <|tool|> / <|end|>: stop, the calls go to the tools
 *   answer  → text until <|end|> (or a stop sequence)
 *
 * The `llamacpp` provider decodes our exported GGUF the same way, with llama.cpp computing the logits.
 */
import { AbortedError, LimitExceededError } from "../errors.ts";
import type { CoreModel } from "../model/model.ts";
import type { Tokenizer } from "../model/tokenizer.ts";
import type { ToolLookup } from "../tools/call-syntax.ts";
import { resolveBudget } from "./budget.ts";
import { CoreDecoder, type DecodingBackend, engineBackend } from "./core-decoder.ts";
import { callLookup, renderCorePrompt } from "./core-format.ts";
import { type GroundingTrace, groundingFor } from "./grounding.ts";
import type { ProcedureWords } from "./procedure-words.ts";
import {
  type CallOptions,
  collectStream,
  type LanguageModel,
  SPECIFICATION_VERSION,
  type StreamPart,
  type StreamResult,
} from "./spec.ts";
import { createStreamChannel } from "./stream-channel.ts";

export interface CoreProviderOptions {
  /** The model's weights and configuration. */
  model: CoreModel;
  /** Its tokenizer, with the chat format's special tokens. */
  tokenizer: Tokenizer;
  /** Model id reported. Default: "core". */
  modelId?: string;
  /** The tools registry: gives registered tools their compact call syntax. Default: none (JSON arguments). */
  tools?: ToolLookup;
  /** Most output tokens when the call gives none. Default: 256. */
  defaultMaxOutputTokens?: number;
  /** The model's procedure words: turns on grounded decoding (grounding.ts). Default: off. */
  procedureWords?: ProcedureWords;
}

export function createCoreModel(options: CoreProviderOptions): LanguageModel {
  return createChatFormatModel({
    provider: "core",
    modelId: options.modelId ?? "core",
    tokenizer: options.tokenizer,
    tools: options.tools,
    contextLength: options.model.config.contextLength,
    defaultMaxOutputTokens: options.defaultMaxOutputTokens,
    procedureWords: options.procedureWords,
    openBackend: async () => engineBackend(options.model),
  });
}

export interface ChatFormatModelOptions {
  provider: "core" | "llamacpp";
  modelId: string;
  tokenizer: Tokenizer;
  tools?: ToolLookup;
  contextLength: number;
  defaultMaxOutputTokens?: number;
  /** Procedure words: every word of a call's argument and of the answer is grounded. Default: off. */
  procedureWords?: ProcedureWords;
  /** A fresh, empty sequence for one call. */
  openBackend(): Promise<DecodingBackend>;
}

/** A LanguageModel over any backend that decodes the core's chat format. */
export function createChatFormatModel(options: ChatFormatModelOptions): LanguageModel {
  const model: LanguageModel = {
    specificationVersion: SPECIFICATION_VERSION,
    provider: options.provider,
    modelId: options.modelId,
    async doStream(call: CallOptions): Promise<StreamResult> {
      if (call.abortSignal?.aborted) throw new AbortedError("the model call was aborted");
      const lookup = callLookup(call.tools ?? [], options.tools);
      const prompt = options.tokenizer.encode(renderCorePrompt(call.messages, lookup), {
        allowSpecial: true,
      });
      if (prompt.length >= options.contextLength)
        throw new LimitExceededError("context", `the conversation is ${prompt.length} tokens long`, {
          expected: `fewer than the model's context length, ${options.contextLength} tokens`,
        });
      const channel = createStreamChannel<StreamPart>();
      const decoder = new CoreDecoder({
        backend: await options.openBackend(),
        tokenizer: options.tokenizer,
        lookup,
        offerTools: (call.tools?.length ?? 0) > 0,
        budget: resolveBudget(call.budget),
        maxOutputTokens: call.maxOutputTokens ?? options.defaultMaxOutputTokens ?? 256,
        stopSequences: call.stopSequences ?? [],
        temperature: call.temperature ?? 0,
        seed: call.seed ?? 0,
        abortSignal: call.abortSignal,
        // Grounded when tools are offered: the words come from the evidence. Without tools the answer
        // is the model's own (what `eval --no-tools` measures).
        grounding:
          options.procedureWords && (call.tools?.length ?? 0) > 0
            ? groundingFor(groundingTraceOf(call), options.procedureWords)
            : undefined,
        emit: (part) => channel.push(part),
      });
      // Decoding runs on its own; parts reach the reader as they are produced.
      setImmediate(() => {
        decoder
          .run(prompt)
          .then(() => channel.close())
          .catch((error) => channel.fail(error));
      });
      return { stream: channel, warnings: [] };
    },
    async doGenerate(call: CallOptions) {
      return collectStream(await model.doStream(call));
    },
  };
  return model;
}

/** What the model read (questions, tool results) and its calls' arguments, in order. */
function groundingTraceOf(call: CallOptions): GroundingTrace {
  const trace: GroundingTrace = [];
  for (const message of call.messages) {
    if (message.role === "user") trace.push({ role: "read", text: message.content });
    if (message.role === "tool")
      for (const result of message.content) trace.push({ role: "read", text: result.output });
    if (message.role === "assistant")
      for (const part of message.content)
        if (part.type === "tool-call") {
          const values = Object.values((part.input ?? {}) as Record<string, unknown>);
          trace.push({ role: "call", text: values.filter((value) => typeof value === "string").join(" ") });
        }
  }
  return trace;
}
