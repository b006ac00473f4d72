/**
 * Provider messages in the core's chat format (src/model/chat-format.ts), and the tool lookup the
 * compact call syntax needs:
 *
 *   <|user|>question<|end|>
 *   <|assistant|><|call|>search(Lyon population)<|/call|><|call|>…<|/call|>
 *   <|tool|>[1] …<|end|><|tool|>…<|end|>
 *   <|assistant|><|answer|>… [1]<|end|>
 *   <|assistant|>                      ← the prompt ends here; the model continues
 *
 * System messages are left out (the core is trained on procedure, not on instructions). Earlier turns'
 * reasoning stays in the prompt as their `<|think|>` spans, exactly as the curriculum's traces have it.
 */
import { z } from "zod";
import { type CoreTurn, renderConversation } from "../model/chat-template.ts";
import { formatCall, type ToolLookup } from "../tools/call-syntax.ts";
import type { AnyTool } from "../tools/tool.ts";
import type { Message, ToolDefinition } from "./spec.ts";

/**
 * The tools a call may use: registered tools keep their compact syntax; a tool whose input is one
 * required text field (the agent's knowledge search: {query}) takes that text, `search(Lyon population)`,
 * as the curriculum writes it; others take a JSON object.
 */
export function callLookup(definitions: ToolDefinition[], registry: ToolLookup | undefined): ToolLookup {
  const tools = new Map<string, AnyTool>();
  for (const definition of definitions) {
    const registered = registry?.get(definition.name);
    tools.set(definition.name, registered ?? describedTool(definition));
  }
  return { get: (name) => tools.get(name), list: () => [...tools.values()] };
}

function describedTool(definition: ToolDefinition): AnyTool {
  const field = singleTextField(definition.inputSchema);
  return {
    name: definition.name,
    description: definition.description,
    inputSchema: field ? z.object({ [field]: z.string().min(1) }) : z.record(z.string(), z.unknown()),
    ...(field
      ? {
          compact: {
            grammar: "text" as const,
            toInput: (text: string) => ({ [field]: text }),
            fromInput: (input: Record<string, string>) => input[field],
          },
        }
      : {}),
    execute: async () => {
      throw new Error(`${definition.name} is described to the model, not run by it`);
    },
  };
}

/** The name of the schema's only property when it is a required string, else undefined. */
function singleTextField(schema: Record<string, unknown>): string | undefined {
  const properties = schema.properties as Record<string, { type?: unknown }> | undefined;
  const names = Object.keys(properties ?? {});
  const required = Array.isArray(schema.required) ? schema.required : [];
  if (names.length !== 1 || properties?.[names[0]]?.type !== "string" || !required.includes(names[0]))
    return undefined;
  return names[0];
}

/**
 * The prompt: the conversation rendered by the shared chat template (src/model/chat-template.ts), the
 * very function that renders the curriculum's training traces, ending with an open `<|assistant|>`.
 * An earlier turn's reasoning is kept as its `<|think|>` span, as in training.
 */
export function renderCorePrompt(messages: Message[], tools: ToolLookup): string {
  const turns: CoreTurn[] = [];
  for (const message of messages) {
    if (message.role === "user") turns.push({ role: "user", content: message.content });
    else if (message.role === "tool")
      for (const result of message.content) turns.push({ role: "tool", content: result.output });
    else if (message.role === "assistant") {
      const text = (type: "text" | "reasoning") =>
        message.content.map((part) => (part.type === type ? part.text : "")).join("");
      const reasoning = text("reasoning");
      const thinking = reasoning ? { thinking: reasoning } : {};
      const calls = message.content.filter((part) => part.type === "tool-call");
      if (calls.length > 0)
        turns.push({
          role: "assistant",
          ...thinking,
          calls: calls.map((call) => compactCall(call.toolName, call.input, tools)),
        });
      else turns.push({ role: "assistant", ...thinking, answer: text("text") });
    }
  }
  return renderConversation(turns, { openAssistant: true });
}

/** A call in compact form; a call the lookup cannot format (another provider's history) as JSON. */
function compactCall(name: string, input: unknown, tools: ToolLookup): string {
  try {
    return formatCall({ name, input }, tools);
  } catch {
    return `${name}(${JSON.stringify(input ?? {})})`;
  }
}
