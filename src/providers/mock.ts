/**
 * The `mock` provider: scripted responses, for the agent's own unit tests and the conformance suite's
 * reference run. A token is a whitespace-separated word; the thinking budget truncates the scripted
 * reasoning to that many words, as a provider that forces its budget would.
 */
import { AbortedError } from "../errors.ts";
import { resolveBudget } from "./budget.ts";
import { InvalidResponseError } from "./errors.ts";
import {
  type AssistantContentPart,
  type CallOptions,
  collectStream,
  type FinishReason,
  type LanguageModel,
  SPECIFICATION_VERSION,
  type StreamPart,
  type StreamResult,
} from "./spec.ts";

export interface MockResponse {
  /** Thinking text, streamed word by word. Default: none. */
  reasoning?: string;
  /** Answer text, streamed word by word. Default: none. */
  text?: string;
  /** Tool calls, emitted after the text. Default: none. */
  toolCalls?: { toolName: string; input: unknown; toolCallId?: string }[];
  /** Default: "tool-calls" when there are tool calls, else "stop". */
  finishReason?: FinishReason;
  /** Wait before each stream part, to simulate decoding time or test aborts. Default: 0. */
  partDelayMs?: number;
  /** Thrown when the call is made instead of responding. */
  error?: Error;
}

export type MockScript = MockResponse | ((call: CallOptions) => MockResponse);

export interface MockModel extends LanguageModel {
  /** Every call made, in order. */
  readonly calls: CallOptions[];
}

export interface MockModelOptions {
  /** Model id reported. Default: "mock". */
  modelId?: string;
  /** Responses used one per call, in order; a call past the end throws. */
  responses: MockScript[];
}

export function createMockModel(options: MockModelOptions): MockModel {
  const calls: CallOptions[] = [];
  const model: MockModel = {
    specificationVersion: SPECIFICATION_VERSION,
    provider: "mock",
    modelId: options.modelId ?? "mock",
    calls,
    async doStream(call: CallOptions): Promise<StreamResult> {
      const index = calls.length;
      calls.push(call);
      const script = options.responses[index];
      if (script === undefined)
        throw new InvalidResponseError(`the mock model has no scripted response for call ${index + 1}`, {
          expected: `at most ${options.responses.length} calls`,
        });
      const response = typeof script === "function" ? script(call) : script;
      if (response.error) throw response.error;
      return { stream: streamResponse(response, call, index), warnings: [] };
    },
    async doGenerate(call: CallOptions) {
      return collectStream(await model.doStream(call));
    },
  };
  return model;
}

export function countWords(text: string): number {
  const trimmed = text.trim();
  return trimmed === "" ? 0 : trimmed.split(/\s+/).length;
}

async function* streamResponse(
  response: MockResponse,
  call: CallOptions,
  callIndex: number,
): AsyncGenerator<StreamPart> {
  const wait = async () => {
    if (response.partDelayMs) await new Promise((resolve) => setTimeout(resolve, response.partDelayMs));
    if (call.abortSignal?.aborted) throw new AbortedError("the model call was aborted");
  };
  const { tokens } = resolveBudget(call.budget);
  const reasoningWords = splitWords(response.reasoning ?? "").slice(0, tokens ?? Number.POSITIVE_INFINITY);
  const content: AssistantContentPart[] = [];
  for (const word of reasoningWords) {
    await wait();
    yield { type: "reasoning-delta", delta: word };
  }
  if (reasoningWords.length > 0) content.push({ type: "reasoning", text: reasoningWords.join("") });
  const textWords = splitWords(response.text ?? "");
  for (const word of textWords) {
    await wait();
    yield { type: "text-delta", delta: word };
  }
  if (textWords.length > 0) content.push({ type: "text", text: response.text ?? "" });
  for (const [position, call_] of (response.toolCalls ?? []).entries()) {
    await wait();
    const part = {
      type: "tool-call" as const,
      toolCallId: call_.toolCallId ?? `mock_${callIndex}_${position}`,
      toolName: call_.toolName,
      input: call_.input,
    };
    content.push(part);
    yield part;
  }
  await wait();
  const toolWords = (response.toolCalls ?? []).reduce(
    (sum, c) => sum + countWords(JSON.stringify(c.input)) + 1,
    0,
  );
  yield {
    type: "finish",
    finishReason: response.finishReason ?? (response.toolCalls?.length ? "tool-calls" : "stop"),
    usage: {
      promptTokens: call.messages.reduce((sum, m) => sum + countWords(JSON.stringify(m.content)), 0),
      completionTokens: reasoningWords.length + textWords.length + toolWords,
      reasoningTokens: reasoningWords.length,
    },
    content,
  };
}

/** Words with their following whitespace, so that the deltas join back to the original text. */
function splitWords(text: string): string[] {
  return text.match(/\S+\s*/g) ?? [];
}
