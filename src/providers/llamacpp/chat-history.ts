/**
 * Our messages as node-llama-cpp's chat history. node-llama-cpp keeps a model's whole turn in one
 * `model` item: thoughts, text, and function calls *with their results*, so an assistant message and the
 * tool results that answer its calls merge into one item, and the assistant messages that follow tool
 * results continue it. Generation continues the last model item (an empty one is added after a user or
 * system message), exactly as node-llama-cpp's own chat session does in a function-calling loop.
 */
import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelResponse } from "node-llama-cpp";
import { InvalidInputError } from "../../errors.ts";
import type { Message, ToolResultPart } from "../spec.ts";

type ResponseItem = ChatModelResponse["response"][number];

export function toChatHistory(messages: Message[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [];
  const unanswered = new Map<string, ChatModelFunctionCall>();
  let current: ChatModelResponse | undefined; // the model turn still open: tool results may continue it
  for (const message of messages) {
    if (message.role === "system" || message.role === "user") {
      requireAnswered(unanswered);
      history.push({ type: message.role, text: message.content });
      current = undefined;
    } else if (message.role === "assistant") {
      requireAnswered(unanswered);
      if (!current) {
        current = { type: "model", response: [] };
        history.push(current);
      }
      const firstCall = message.content.findIndex((part) => part.type === "tool-call");
      current.response.push(
        ...message.content.map((part, index) => responseItem(part, index === firstCall, unanswered)),
      );
    } else {
      for (const result of message.content) answer(unanswered, result);
    }
  }
  requireAnswered(unanswered);
  if (history.at(-1)?.type !== "model") history.push({ type: "model", response: [] });
  return history;
}

function responseItem(
  part: Extract<Message, { role: "assistant" }>["content"][number],
  startsBatch: boolean,
  unanswered: Map<string, ChatModelFunctionCall>,
): ResponseItem {
  if (part.type === "text") return part.text;
  if (part.type === "reasoning")
    return { type: "segment", segmentType: "thought", text: part.text, ended: true };
  const call: ChatModelFunctionCall = {
    type: "functionCall",
    name: part.toolName,
    params: part.input,
    result: undefined,
    startsNewChunk: startsBatch || undefined, // the calls of one message were made in parallel
  };
  unanswered.set(part.toolCallId, call);
  return call;
}

function answer(unanswered: Map<string, ChatModelFunctionCall>, result: ToolResultPart): void {
  const call = unanswered.get(result.toolCallId);
  if (!call)
    throw new InvalidInputError(`a tool result answers '${result.toolCallId}', which no open call has`, {
      expected: "tool results right after the assistant message whose calls they answer",
    });
  call.result = result.isError ? `Error: ${result.output}` : result.output;
  unanswered.delete(result.toolCallId);
}

function requireAnswered(unanswered: Map<string, ChatModelFunctionCall>): void {
  if (unanswered.size === 0) return;
  throw new InvalidInputError(`tool call '${[...unanswered.keys()][0]}' has no result`, {
    expected: "a tool message answering every call before the conversation goes on",
  });
}
