/**
 * The llamacpp provider's child process for chat models (any GGUF with a chat template or a known
 * architecture): loads the model with node-llama-cpp (CPU only, prebuilt binaries), resolves its chat
 * wrapper, and runs one generation at a time on one sequence (chat-generate.ts), streaming events.
 * The parent validated the file first; a crash here cannot take the parent down.
 */
import { getLlama, LlamaLogLevel, resolveChatWrapper } from "node-llama-cpp";
import { AbortedError } from "../../errors.ts";
import { type ChatState, generate } from "./chat-generate.ts";
import type { ChatModelInfo, ChatOpenRequest, ChatRequest } from "./chat-protocol.ts";
import { isForcible, thoughtSpanOf } from "./chat-thinking.ts";

/** Context size when the request gives none: the model's own, at most this. */
const DEFAULT_CONTEXT_LIMIT = 8192;

let state: ChatState | undefined;
const running = new Map<number, AbortController>();
/** Aborts that arrived before their request started. */
const abortedEarly = new Set<number>();

async function open(request: ChatOpenRequest): Promise<ChatModelInfo> {
  const llama = await getLlama({
    gpu: false,
    build: "never",
    logLevel: LlamaLogLevel.error,
    maxThreads: request.threads,
  });
  const model = await llama.loadModel({ modelPath: request.modelPath, gpuLayers: 0 });
  const contextSize = request.contextSize ?? Math.min(model.trainContextSize, DEFAULT_CONTEXT_LIMIT);
  const context = await model.createContext({
    contextSize,
    batchSize: Math.min(contextSize, 512),
    threads: { ideal: request.threads, min: 1 },
  });
  const wrapper = resolveChatWrapper(model);
  const thought = thoughtSpanOf(wrapper, model);
  state = { model, sequence: context.getSequence(), wrapper, thought };
  return {
    wrapperName: wrapper.wrapperName,
    thought: thought && { prefix: thought.prefix, suffix: thought.suffix },
    thoughtForcible: thought !== null && isForcible(thought),
    contextSize: context.contextSize,
  };
}

async function handle(request: ChatRequest): Promise<object> {
  if (request.kind === "open") return { info: await open(request) };
  if (request.kind !== "generate") return {};
  if (!state) throw new Error("no model is open");
  const controller = new AbortController();
  if (abortedEarly.delete(request.id)) controller.abort(new AbortedError("the model call was aborted"));
  for (const id of abortedEarly) if (id < request.id) abortedEarly.delete(id); // requests run in order
  running.set(request.id, controller);
  try {
    const reply = await generate(state, request, controller.signal, (event) =>
      process.send!({ id: request.id, event }),
    );
    return { reply };
  } finally {
    running.delete(request.id);
  }
}

let queue = Promise.resolve();
process.on("message", (request: ChatRequest) => {
  if (request.kind === "abort") {
    const controller = running.get(request.target);
    if (controller) controller.abort(new AbortedError("the model call was aborted"));
    else abortedEarly.add(request.target);
    return;
  }
  // One sequence: requests run one after another.
  queue = queue.then(() =>
    handle(request).then(
      (reply) => void process.send!({ id: request.id, ok: true, ...reply }),
      (error: unknown) =>
        void process.send!({
          id: request.id,
          ok: false,
          aborted: error instanceof AbortedError || undefined,
          message: error instanceof Error ? error.message : String(error),
        }),
    ),
  );
});
process.on("disconnect", () => process.exit(0));
