/**
 * Mapping between the provider contract and the Anthropic Messages wire format. Pure functions.
 */
import type { AssistantContentPart, FinishReason, Message, ToolDefinition } from "./spec.ts";

type Block = Record<string, unknown>;

export interface AnthropicMessages {
  system: string | undefined;
  messages: { role: "user" | "assistant"; content: string | Block[] }[];
}

/**
 * System messages become the top-level `system`; tool results travel in a user message as
 * `tool_result` blocks; reasoning goes back as `thinking` blocks only with its signature (the API
 * rejects unsigned thinking).
 */
export function toAnthropicMessages(messages: Message[]): AnthropicMessages {
  const system: string[] = [];
  const wire: AnthropicMessages["messages"] = [];
  for (const message of messages) {
    if (message.role === "system") system.push(message.content);
    else if (message.role === "user") wire.push({ role: "user", content: message.content });
    else if (message.role === "assistant")
      wire.push({ role: "assistant", content: assistantBlocks(message.content) });
    else
      wire.push({
        role: "user",
        content: message.content.map((result) => ({
          type: "tool_result",
          tool_use_id: result.toolCallId,
          content: result.output,
          ...(result.isError ? { is_error: true } : {}),
        })),
      });
  }
  return { system: system.length > 0 ? system.join("\n\n") : undefined, messages: wire };
}

function assistantBlocks(parts: AssistantContentPart[]): Block[] {
  const blocks: Block[] = [];
  for (const part of parts) {
    if (part.type === "reasoning") {
      if (part.signature) blocks.push({ type: "thinking", thinking: part.text, signature: part.signature });
    } else if (part.type === "text") {
      if (part.text) blocks.push({ type: "text", text: part.text });
    } else {
      blocks.push({ type: "tool_use", id: part.toolCallId, name: part.toolName, input: part.input ?? {} });
    }
  }
  return blocks;
}

export function toAnthropicTools(tools: ToolDefinition[]): Block[] {
  return tools.map((tool) => ({
    name: tool.name,
    description: tool.description,
    input_schema: tool.inputSchema,
  }));
}

export function mapAnthropicStopReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case "end_turn":
    case "stop_sequence":
      return "stop";
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "tool_use":
      return "tool-calls";
    case "refusal":
      return "content-filter";
    default:
      return "other";
  }
}

/** Content blocks of a Message as our parts; redacted thinking carries no text and is left out. */
export function fromAnthropicContent(blocks: Block[]): AssistantContentPart[] {
  const parts: AssistantContentPart[] = [];
  for (const block of blocks) {
    if (block.type === "thinking")
      parts.push({
        type: "reasoning",
        text: String(block.thinking ?? ""),
        signature: block.signature as string,
      });
    else if (block.type === "text") parts.push({ type: "text", text: String(block.text ?? "") });
    else if (block.type === "tool_use")
      parts.push({
        type: "tool-call",
        toolCallId: String(block.id),
        toolName: String(block.name),
        input: block.input ?? {},
      });
  }
  return parts;
}
