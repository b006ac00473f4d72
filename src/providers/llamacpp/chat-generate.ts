/**
 * One model call on a chat model in llama.cpp (runs in the child process, chat-worker.ts):
 *
 *   1. the thinking span, driven by cogcore when a budget is set (chat-thinking.ts): closed at the
 *      budget, "Wait" in place of an early close, the opening token masked when the budget is 0;
 *   2. the rest of the response through node-llama-cpp's LlamaChat: text, or function calls whose names
 *      and parameters are decoded under grammars built from the tools' JSON Schemas.
 *
 * With no budget the model thinks as it likes, within node-llama-cpp's span handling.
 */
import {
  type ChatModelResponse,
  type ChatWrapper,
  type ChatWrapperGenerateContextStateOptions,
  LlamaChat,
  type LlamaChatResponse,
  type LlamaContextSequence,
  LlamaJsonSchemaValidationError,
  type LlamaModel,
  LlamaText,
  type LlamaTextJSON,
  TokenBias,
} from "node-llama-cpp";
import { AbortedError } from "../../errors.ts";
import type { FinishReason } from "../spec.ts";
import type { ChatEvent, ChatGenerateReply, ChatGenerateRequest } from "./chat-protocol.ts";
import { isForcible, OutOfRoom, runThinkingSpan, type ThoughtSpan } from "./chat-thinking.ts";

export interface ChatState {
  model: LlamaModel;
  sequence: LlamaContextSequence;
  wrapper: ChatWrapper;
  thought: ThoughtSpan | null;
}

type ChatFunctions = NonNullable<ChatGenerateRequest["functions"]>;

export async function generate(
  state: ChatState,
  request: ChatGenerateRequest,
  signal: AbortSignal,
  emit: (event: ChatEvent) => void,
): Promise<ChatGenerateReply> {
  const { model, sequence, thought } = state;
  const functions =
    request.functions && Object.keys(request.functions).length > 0 ? request.functions : undefined;
  const wrapper = request.toolChoice === "required" && functions ? engaged(state.wrapper) : state.wrapper;
  const history = request.history.slice(0, -1);
  const last = request.history.at(-1) as ChatModelResponse;
  const response = [...last.response];
  const render = () =>
    wrapper
      .generateContextState({
        chatHistory: [...history, { type: "model", response }],
        availableFunctions: functions,
      })
      .contextText.tokenize(model.tokenizer);
  const prompt = render();
  const warnings: string[] = [];
  const { tokens: budgetTokens, minTokens } = request.budget;
  const drive =
    thought !== null &&
    isForcible(thought) &&
    budgetTokens !== 0 &&
    (budgetTokens !== undefined || minTokens > 0);
  if (thought && !isForcible(thought) && minTokens > 0)
    warnings.push(
      "this chat format's thinking markers are not single tokens: the minimum thinking budget is not forced",
    );
  if (!thought && (budgetTokens ?? 0) > 0)
    warnings.push("this chat format has no thinking span: the thinking budget does not apply");
  let reasoningTokens = 0;
  let spanTokens = 0;
  try {
    if (drive) {
      const span = await runThinkingSpan(sequence, model, prompt, thought, {
        maxTokens: budgetTokens,
        minTokens,
        maxOutputTokens: request.maxTokens,
        temperature: request.temperature,
        seed: request.seed,
        signal,
        onText: (delta) => emit({ type: "reasoning-delta", delta }),
      });
      reasoningTokens = span.reasoningTokens;
      spanTokens = span.outputTokens;
      if (span.opened)
        response.push({ type: "segment", segmentType: "thought", text: span.text, ended: true });
    } else if (budgetTokens === 0 && thought?.opensOnStart) {
      response.push({ type: "segment", segmentType: "thought", text: "", ended: true });
    }
  } catch (error) {
    if (!(error instanceof OutOfRoom)) throw error;
    return { finishReason: "length", usage: usage(prompt.length, spanTokens, reasoningTokens), warnings };
  }
  if (request.maxTokens - spanTokens <= 0)
    return { finishReason: "length", usage: usage(prompt.length, spanTokens, reasoningTokens), warnings };
  const result = await respond(state, wrapper, [...history, { type: "model", response }], {
    functions,
    maxTokens: request.maxTokens - spanTokens,
    // Thinking after a span cogcore ran (or declined) is not opened again; with no budget it is the model's.
    banThought: drive || budgetTokens === 0 ? thought?.openToken : undefined,
    request,
    signal,
    emit: (event) => {
      if ("tokens" in event) {
        reasoningTokens += event.tokens;
        emit({ type: event.type, delta: event.delta });
      } else emit(event);
    },
  });
  const completion = spanTokens + result.tokens;
  return {
    finishReason: result.finishReason,
    usage: usage(prompt.length, completion, reasoningTokens),
    warnings,
  };
}

interface RespondOptions {
  functions?: ChatFunctions;
  maxTokens: number;
  banThought?: number;
  request: ChatGenerateRequest;
  signal: AbortSignal;
  emit: (event: ChatEvent | { type: "reasoning-delta"; delta: string; tokens: number }) => void;
}

/**
 * Continues the response with LlamaChat. Returns the finish reason and the tokens generated: those of the
 * text and thinking chunks, of each call as the format writes it, and the end token.
 */
async function respond(
  state: ChatState,
  wrapper: ChatWrapper,
  history: ChatWrapperGenerateContextStateOptions["chatHistory"],
  options: RespondOptions,
): Promise<{ finishReason: FinishReason; tokens: number }> {
  const { request, functions, emit } = options;
  const chat = new LlamaChat({ contextSequence: state.sequence, chatWrapper: wrapper });
  const tokenBias = options.banThought === undefined ? undefined : new TokenBias(state.model.tokenizer);
  tokenBias?.set(options.banThought as never, "never");
  let calls = 0;
  let tokens = 0;
  const callTokens = (raw: LlamaTextJSON) => LlamaText.fromJSON(raw).tokenize(state.model.tokenizer).length;
  try {
    const result: LlamaChatResponse<ChatFunctions> = await chat.generateResponse([...history], {
      functions,
      maxTokens: options.maxTokens,
      temperature: request.temperature,
      seed: request.seed,
      customStopTriggers: request.stopSequences.length > 0 ? request.stopSequences : undefined,
      tokenBias,
      budgets: { thoughtTokens: request.budget.tokens ?? Number.POSITIVE_INFINITY },
      signal: options.signal,
      onResponseChunk: (chunk) => {
        tokens += chunk.tokens.length;
        if (chunk.type === "segment") {
          if (chunk.text || chunk.tokens.length > 0)
            emit({ type: "reasoning-delta", delta: chunk.text, tokens: chunk.tokens.length });
        } else if (chunk.text) emit({ type: "text-delta", delta: chunk.text });
      },
      onFunctionCall: (call) => {
        calls++;
        tokens += callTokens(call.raw);
        emit({ type: "tool-call", name: call.functionName, params: call.params });
      },
    });
    const reason = result.metadata.stopReason;
    if (reason === "abort") throw new AbortedError("the model call was aborted");
    // Complete calls are worth running even when the output limit cut what followed them.
    if (calls > 0) return { finishReason: "tool-calls", tokens };
    if (reason === "maxTokens") return { finishReason: "length", tokens };
    return { finishReason: "stop", tokens: tokens + 1 }; // + the end token (or stop trigger) that ended it
  } catch (error) {
    if (options.signal.aborted) throw new AbortedError("the model call was aborted");
    if (!(error instanceof LlamaJsonSchemaValidationError) || !functions) throw error;
    // node-llama-cpp's number grammar admits values JSON cannot hold (1e99999): the call is passed on as
    // decoded, and the tool's own validation reports the bad input to the model.
    const name = Object.keys(functions).find((key) => functions[key].params === error.schema);
    if (!name) throw error;
    emit({ type: "tool-call", name, params: error.object });
    return {
      finishReason: "tool-calls",
      tokens: tokens + state.model.tokenize(JSON.stringify(error.object)).length,
    };
  } finally {
    chat.dispose({ disposeSequence: false });
  }
}

/** The wrapper with function calling engaged from the first token: the response is a call. */
function engaged(wrapper: ChatWrapper): ChatWrapper {
  const forced: ChatWrapper = Object.create(wrapper);
  forced.generateContextState = (options) => {
    const { contextText, stopGenerationTriggers } = wrapper.generateContextState(options);
    return {
      contextText,
      stopGenerationTriggers,
      functionCall: { initiallyEngaged: true, disengageInitiallyEngaged: [] },
    };
  };
  return forced;
}

function usage(promptTokens: number, completionTokens: number, reasoningTokens: number) {
  return { promptTokens, completionTokens, reasoningTokens };
}
