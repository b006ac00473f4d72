/**
 * Mapping between the provider contract and the OpenAI chat-completions wire format, shared by the
 * request builder and the response readers. Pure functions, no I/O.
 */
import { estimateTokens } from "./budget.ts";
import type { AssistantContentPart, FinishReason, Message, ToolDefinition, Usage } from "./spec.ts";

type WireMessage = Record<string, unknown>;

/** Our messages as chat-completions messages; reasoning parts are not sent back (the API has no field). */
export function toOpenAIMessages(messages: Message[]): WireMessage[] {
  const wire: WireMessage[] = [];
  for (const message of messages) {
    if (message.role === "system" || message.role === "user") {
      wire.push({ role: message.role, content: message.content });
    } else if (message.role === "assistant") {
      const text = message.content
        .filter((part) => part.type === "text")
        .map((part) => part.text)
        .join("");
      const toolCalls = message.content.flatMap((part) =>
        part.type === "tool-call"
          ? [
              {
                id: part.toolCallId,
                type: "function",
                function: { name: part.toolName, arguments: JSON.stringify(part.input ?? {}) },
              },
            ]
          : [],
      );
      wire.push({
        role: "assistant",
        content: text.length > 0 ? text : null,
        ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
      });
    } else {
      for (const result of message.content) {
        wire.push({
          role: "tool",
          tool_call_id: result.toolCallId,
          content: result.isError ? `Error: ${result.output}` : result.output,
        });
      }
    }
  }
  return wire;
}

export function toOpenAITools(tools: ToolDefinition[]): WireMessage[] {
  return tools.map((tool) => ({
    type: "function",
    function: { name: tool.name, description: tool.description, parameters: tool.inputSchema },
  }));
}

export function mapOpenAIFinishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case "stop":
      return "stop";
    case "length":
      return "length";
    case "tool_calls":
    case "function_call":
      return "tool-calls";
    case "content_filter":
      return "content-filter";
    default:
      return "other";
  }
}

export interface OpenAIWireUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  completion_tokens_details?: { reasoning_tokens?: number | null } | null;
}

/** Usage from the wire; reasoning tokens estimated from the reasoning text when the server omits them. */
export function mapOpenAIUsage(usage: OpenAIWireUsage | null | undefined, reasoningText: string): Usage {
  const reported = usage?.completion_tokens_details?.reasoning_tokens;
  return {
    promptTokens: usage?.prompt_tokens ?? 0,
    completionTokens: usage?.completion_tokens ?? 0,
    reasoningTokens: typeof reported === "number" && reported > 0 ? reported : estimateTokens(reasoningText),
  };
}

/** Tool arguments arrive as a JSON string; a malformed one is kept as the raw string for the tool to reject. */
export function parseToolArguments(text: string): unknown {
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Servers put reasoning in `reasoning_content` (llama-server, DeepSeek, older vLLM) or `reasoning` (vLLM, Ollama). */
export function reasoningOf(
  message: { reasoning_content?: unknown; reasoning?: unknown } | undefined,
): string {
  const value = message?.reasoning_content ?? message?.reasoning;
  return typeof value === "string" ? value : "";
}

/** Assembles the assistant content in the order reasoning, text, tool calls. */
export function assembleContent(
  reasoning: string,
  text: string,
  toolCalls: { id: string; name: string; arguments: string }[],
): AssistantContentPart[] {
  const content: AssistantContentPart[] = [];
  if (reasoning) content.push({ type: "reasoning", text: reasoning });
  if (text) content.push({ type: "text", text });
  for (const call of toolCalls) {
    content.push({
      type: "tool-call",
      toolCallId: call.id,
      toolName: call.name,
      input: parseToolArguments(call.arguments),
    });
  }
  return content;
}
