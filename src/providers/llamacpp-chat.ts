/**
 * The `llamacpp` provider for any chat GGUF (Qwen3, Llama 3, Mistral, … — whatever node-llama-cpp
 * resolves a chat wrapper for from the file's `tokenizer.chat_template` or architecture), in real
 * llama.cpp in a child process (llamacpp/chat-worker.ts). Tool calls go through node-llama-cpp's
 * grammar-constrained function calling, built from the tools' JSON Schemas (llamacpp/tool-schema.ts);
 * the thinking budget is forced by cogcore on the chat format's thinking span (llamacpp/chat-thinking.ts).
 *
 * GGUFs in the core's own chat format (our export) go to llamacpp.ts's structured decoder instead.
 */
import { fileURLToPath } from "node:url";
import { AbortedError } from "../errors.ts";
import { resolveBudget } from "./budget.ts";
import { toChatHistory } from "./llamacpp/chat-history.ts";
import type { ChatEvent, ChatGenerateReply, ChatModelInfo } from "./llamacpp/chat-protocol.ts";
import { toChatFunctions, toToolInput } from "./llamacpp/tool-schema.ts";
import { WorkerProcess } from "./llamacpp/worker-process.ts";
import {
  type AssistantContentPart,
  type CallOptions,
  collectStream,
  type LanguageModel,
  SPECIFICATION_VERSION,
  type StreamPart,
  type StreamResult,
} from "./spec.ts";
import { createStreamChannel } from "./stream-channel.ts";

export interface LlamaCppChatOptions {
  /** The GGUF file (validated by the caller: llamacpp.ts reads its header first). */
  modelPath: string;
  /** Model id reported. Default: the file name. */
  modelId?: string;
  /** CPU threads llama.cpp uses. Default: 2. */
  threads?: number;
  /** Tokens the context holds. Default: the model's training context, at most 8192. */
  contextSize?: number;
  /** Most output tokens when the call gives none. Default: 256. */
  defaultMaxOutputTokens?: number;
  /** Longest silence from llama.cpp during a call (loading included). Default: 120 000 ms. */
  timeoutMs?: number;
  /** "required": when tools are offered, the response opens with a call (OpenAI's tool_choice "required"). Default: "auto". */
  toolChoice?: "auto" | "required";
}

export interface LlamaCppChatModel extends LanguageModel {
  /** Loads the model (once) and says what node-llama-cpp made of it. */
  info(): Promise<ChatModelInfo>;
  /** Ends the llama.cpp process. */
  close(): Promise<void>;
}

const workerPath = fileURLToPath(new URL("./llamacpp/chat-worker.ts", import.meta.url));

export function createLlamaCppChatModel(options: LlamaCppChatOptions): LlamaCppChatModel {
  const worker = new WorkerProcess({ workerPath, timeoutMs: options.timeoutMs });
  let opened: Promise<ChatModelInfo> | undefined;
  const info = () => {
    if (!worker.running) opened = undefined; // the process died: the next call starts a new one
    opened ??= worker
      .request({
        kind: "open",
        modelPath: options.modelPath,
        contextSize: options.contextSize,
        threads: options.threads ?? 2,
      })
      .then((reply) => reply.info as ChatModelInfo)
      .catch((error) => {
        opened = undefined;
        throw error;
      });
    return opened;
  };
  const model: LlamaCppChatModel = {
    specificationVersion: SPECIFICATION_VERSION,
    provider: "llamacpp",
    modelId: options.modelId ?? options.modelPath.split("/").at(-1) ?? "gguf",
    info,
    async doStream(call: CallOptions): Promise<StreamResult> {
      if (call.abortSignal?.aborted) throw new AbortedError("the model call was aborted");
      const tools = call.tools ?? [];
      const budget = resolveBudget(call.budget);
      const body = {
        kind: "generate",
        history: toChatHistory(call.messages),
        functions: tools.length > 0 ? toChatFunctions(tools) : undefined,
        toolChoice: options.toolChoice ?? "auto",
        budget: { tokens: budget.tokens, minTokens: budget.minTokens },
        maxTokens: call.maxOutputTokens ?? options.defaultMaxOutputTokens ?? 256,
        temperature: call.temperature ?? 0,
        seed: call.seed ?? 0,
        stopSequences: call.stopSequences ?? [],
      };
      await info();
      const channel = createStreamChannel<StreamPart>();
      const content = new ResponseAssembler(tools);
      const warnings: string[] = []; // the child's, added when the call ends
      worker
        .request(body, {
          signal: call.abortSignal,
          onEvent: (event) => channel.push(content.add(event as ChatEvent)),
        })
        .then((reply) => {
          const { finishReason, usage, warnings: found } = reply.reply as ChatGenerateReply;
          warnings.push(...found);
          channel.push({ type: "finish", finishReason, usage, content: content.parts() });
          channel.close();
        })
        .catch((error) => channel.fail(error));
      return { stream: untilAborted(channel, call.abortSignal), warnings };
    },
    async doGenerate(call: CallOptions) {
      return collectStream(await model.doStream(call));
    },
    close: () => worker.close(),
  };
  return model;
}

/** Turns the child's events into stream parts and collects the assistant message they make up. */
class ResponseAssembler {
  private reasoning = "";
  private text = "";
  private readonly calls: AssistantContentPart[] = [];

  constructor(private readonly tools: NonNullable<CallOptions["tools"]>) {}

  add(event: ChatEvent): StreamPart {
    if (event.type === "reasoning-delta") this.reasoning += event.delta;
    else if (event.type === "text-delta") this.text += event.delta;
    else {
      const schema = this.tools.find((tool) => tool.name === event.name)?.inputSchema ?? {};
      const part = {
        type: "tool-call" as const,
        toolCallId: `call_${this.calls.length}`,
        toolName: event.name,
        input: toToolInput(schema, event.params),
      };
      this.calls.push(part);
      return part;
    }
    return event;
  }

  parts(): AssistantContentPart[] {
    return [
      ...(this.reasoning ? [{ type: "reasoning" as const, text: this.reasoning }] : []),
      ...(this.text ? [{ type: "text" as const, text: this.text }] : []),
      ...this.calls,
    ];
  }
}

/** The parts, ending with AbortedError once the signal fires (parts already received included). */
async function* untilAborted(parts: AsyncIterable<StreamPart>, signal: AbortSignal | undefined) {
  for await (const part of parts) {
    if (signal?.aborted) throw new AbortedError("the model call was aborted");
    yield part;
  }
}
