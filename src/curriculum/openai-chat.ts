/**
 * Traces as OpenAI-style chat fine-tuning data: one JSON object per line, `{messages, tools}`, with the
 * agent's system prompt, `tool_calls` on assistant messages, `tool` messages carrying the observations
 * (exactly as the agent shows them), and the plan, where a trace has one, as `reasoning_content` (the
 * field reasoning chat templates read; `reasoning: false` leaves it out). The format common fine-tuning
 * tools accept, so a real small model can be turned into a cognitive core for a user's own data.
 */

import { SYSTEM_PROMPT } from "../agent/prompt.ts";
import { KNOWLEDGE_SEARCH_DEFINITION } from "../agent/run-agent.ts";
import { InvalidInputError } from "../errors.ts";
import type { ToolLookup } from "../tools/call-syntax.ts";
import { parseCall } from "../tools/call-syntax.ts";
import type { Trace } from "./solve.ts";

export interface OpenAIToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export type OpenAIChatMessage =
  | { role: "system" | "user"; content: string }
  | { role: "assistant"; content: string | null; reasoning_content?: string; tool_calls?: OpenAIToolCall[] }
  | { role: "tool"; tool_call_id: string; content: string };

export interface OpenAIChatExample {
  messages: OpenAIChatMessage[];
  tools: { type: "function"; function: { name: string; description: string; parameters: unknown } }[];
}

export interface OpenAIExportOptions {
  /** Tools the calls are parsed with: calc and search (their compact syntax). */
  tools: ToolLookup & { definitions(): { name: string; description: string; inputSchema: unknown }[] };
  /** Keep the plan as `reasoning_content`. Default true. */
  reasoning?: boolean;
}

/** One trace as one chat example. */
export function traceToOpenAIChat(trace: Trace, options: OpenAIExportOptions): OpenAIChatExample {
  const messages: OpenAIChatMessage[] = [{ role: "system", content: SYSTEM_PROMPT }];
  const pending: string[] = [];
  let callNumber = 0;
  for (const turn of trace.turns) {
    if (turn.role === "user") messages.push({ role: "user", content: turn.content });
    else if (turn.role === "tool") {
      const id = pending.shift();
      if (!id) throw new InvalidInputError(`trace ${trace.id}: a tool result follows no call`);
      messages.push({ role: "tool", tool_call_id: id, content: turn.content });
    } else {
      const reasoning =
        turn.thinking !== undefined && options.reasoning !== false
          ? { reasoning_content: turn.thinking }
          : {};
      if (turn.answer !== undefined) {
        messages.push({ role: "assistant", content: turn.answer.trim(), ...reasoning });
        continue;
      }
      const toolCalls = turn.calls.map((text) => {
        const call = parseCall(text, options.tools);
        const id = `call_${++callNumber}`;
        pending.push(id);
        return {
          id,
          type: "function" as const,
          function: { name: call.name, arguments: JSON.stringify(call.input) },
        };
      });
      messages.push({ role: "assistant", content: null, ...reasoning, tool_calls: toolCalls });
    }
  }
  const definitions = [
    KNOWLEDGE_SEARCH_DEFINITION,
    ...options.tools.definitions().filter((tool) => tool.name !== KNOWLEDGE_SEARCH_DEFINITION.name),
  ];
  return {
    messages,
    tools: definitions.map((tool) => ({
      type: "function",
      function: { name: tool.name, description: tool.description, parameters: tool.inputSchema },
    })),
  };
}
