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
 * System messages are left out (the core is trained on procedure, not on instructions), and so is the
 * reasoning of earlier turns (each turn thinks afresh).
 */
import { z } from "zod";
import { formatCall, type ToolLookup } from "../tools/call-syntax.ts";
import type { AnyTool } from "../tools/tool.ts";
import type { Message, ToolDefinition } from "./spec.ts";

/** The tools a call may use: registered tools keep their compact syntax; others take a JSON object. */
export function callLookup(definitions: ToolDefinition[], registry: ToolLookup | undefined): ToolLookup {
  const tools = new Map<string, AnyTool>();
  for (const definition of definitions) {
    const registered = registry?.get(definition.name);
    tools.set(definition.name, registered ?? jsonTool(definition));
  }
  return { get: (name) => tools.get(name), list: () => [...tools.values()] };
}

function jsonTool(definition: ToolDefinition): AnyTool {
  return {
    name: definition.name,
    description: definition.description,
    inputSchema: z.record(z.string(), z.unknown()),
    execute: async () => {
      throw new Error(`${definition.name} is described to the model, not run by it`);
    },
  };
}

export function renderCorePrompt(messages: Message[], tools: ToolLookup): string {
  let prompt = "";
  for (const message of messages) {
    if (message.role === "user") prompt += `<|user|>${message.content}<|end|>`;
    else if (message.role === "tool")
      for (const result of message.content) prompt += `<|tool|>${result.output}<|end|>`;
    else if (message.role === "assistant") {
      const calls = message.content.filter((part) => part.type === "tool-call");
      if (calls.length > 0) {
        prompt += "<|assistant|>";
        for (const call of calls)
          prompt += `<|call|>${compactCall(call.toolName, call.input, tools)}<|/call|>`;
      } else {
        const text = message.content.map((part) => (part.type === "text" ? part.text : "")).join("");
        prompt += `<|assistant|><|answer|>${text}<|end|>`;
      }
    }
  }
  return `${prompt}<|assistant|>`;
}

/** A call in compact form; a call the lookup cannot format (another provider's history) as JSON. */
function compactCall(name: string, input: unknown, tools: ToolLookup): string {
  try {
    return formatCall({ name, input }, tools);
  } catch {
    return `${name}(${JSON.stringify(input ?? {})})`;
  }
}
