/**
 * The `llamacpp` provider on chat-template GGUFs (any model node-llama-cpp has a chat wrapper for), in
 * real llama.cpp: a random-weight model must still make well-formed calls under the function-calling
 * grammars, and a tiny model overfit on the conformance conversations, as node-llama-cpp renders them
 * with the file's Jinja template, runs the shared conformance cases and budget forcing.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ToolRegistry } from "../../tools/registry.ts";
import { defineTool } from "../../tools/tool.ts";
import { createLlamaCppModel, type LlamaCppModel } from "../llamacpp.ts";
import type { LlamaCppChatModel } from "../llamacpp-chat.ts";
import type { StreamPart } from "../spec.ts";
import { CASE_CALLS, runConformanceSuite } from "./cases.ts";
import { buildChatModel, chatTokenizer, randomChatGguf, writeChatGguf } from "./chat-fixture.ts";

const dir = mkdtempSync(join(tmpdir(), "cogcore-llamacpp-chat-"));
const tokenizer = chatTokenizer();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Tools whose inputs exercise the schema mapping: bounded strings, an enum, a boolean, an array, an optional.
const idle = async () => ({ content: "", isError: false });
const RANDOM_TOOLS = new ToolRegistry([
  defineTool({
    name: "calc",
    description: "Evaluates an arithmetic expression exactly.",
    inputSchema: z.object({ expression: z.string().min(1).max(12) }),
    execute: idle,
  }),
  defineTool({
    name: "convert",
    description: "Converts a length.",
    inputSchema: z.object({
      value: z.string().max(6),
      unit: z.enum(["km", "mi"]),
      exact: z.boolean(),
      tags: z.array(z.enum(["a", "b"])).max(2),
      note: z.string().max(4).optional(),
    }),
    execute: idle,
  }),
]);

describe("llamacpp chat path: a random-weight model's calls are well-formed", () => {
  let model: LlamaCppModel;
  beforeAll(() => {
    const path = join(dir, "random-chat.gguf");
    randomChatGguf(path, tokenizer);
    model = createLlamaCppModel({ modelPath: path, threads: 1, toolChoice: "required" });
  });
  afterAll(() => model?.close());

  it("resolves node-llama-cpp's Jinja chat wrapper and the template's thinking span", async () => {
    const info = await (model as LlamaCppChatModel).info();
    expect(info).toMatchObject({
      wrapperName: "JinjaTemplate",
      thought: { prefix: "<think>\n", suffix: "\n</think>\n\n" },
      thoughtForcible: true,
    });
  }, 60_000);

  it("every call names a tool and its input satisfies the tool's schema", async () => {
    const all = RANDOM_TOOLS.definitions();
    const called = new Set<string>();
    for (const [seed, tools] of [
      [1, all],
      [2, all],
      [5, all.filter((tool) => tool.name === "convert")],
      [6, all.filter((tool) => tool.name === "convert")],
    ] as const) {
      const result = await model.doGenerate({
        messages: [{ role: "user", content: "Convert 5 km, or compute 2 + 2." }],
        tools: [...tools],
        temperature: 1,
        seed,
        maxOutputTokens: 160,
      });
      expect(result.finishReason).toBe("tool-calls");
      for (const part of result.content) {
        if (part.type !== "tool-call") continue;
        called.add(part.toolName);
        expect(tools.map((tool) => tool.name)).toContain(part.toolName);
        const parsed = RANDOM_TOOLS.get(part.toolName)!.inputSchema.safeParse(
          collapseInvalidBytes(part.input),
        );
        expect(parsed.success, `${part.toolName} ${JSON.stringify(part.input)}`).toBe(true);
      }
    }
    expect([...called].sort()).toEqual(["calc", "convert"]);
  }, 120_000);
});

/**
 * A random model emits lone UTF-8 bytes, and llama.cpp's grammar admits some invalid byte sequences
 * inside a string; each decodes to U+FFFD characters but was fewer characters to the grammar. A run of
 * them is counted as one character, so lengths are checked in units the grammar bounded.
 */
function collapseInvalidBytes(value: unknown): unknown {
  if (typeof value === "string") return value.replace(/\uFFFD+/g, "\uFFFD");
  if (Array.isArray(value)) return value.map(collapseInvalidBytes);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, collapseInvalidBytes(item)]));
  return value;
}

let chatModel: LlamaCppModel | undefined;
let finalLoss = Number.NaN;

runConformanceSuite(
  "llamacpp-chat",
  async () => {
    const { model, finalLoss: loss } = await buildChatModel(tokenizer);
    finalLoss = loss;
    const modelPath = join(dir, "conformance-chat.gguf");
    writeChatGguf(modelPath, model, tokenizer);
    chatModel = createLlamaCppModel({ modelPath, threads: 1 });
    await chatModel.doGenerate({ messages: [{ role: "user", content: "Hi" }], maxOutputTokens: 1 });
    return {
      name: `llamacpp-chat (tiny model overfit on the cases in a Qwen3-style chat template, final loss ${finalLoss.toExponential(1)})`,
      model: chatModel,
      callDefaults: { temperature: 0 },
      budgetTokens: 16,
      budgetMaxOutputTokens: 80,
      enforcesTokenBudget: true,
      deterministic: true,
    };
  },
  { setupMs: 240_000, caseMs: 60_000 },
);

describe("llamacpp chat path: budget forcing on the template's <think> span", () => {
  afterAll(() => chatModel?.close());

  async function thinking(budget: { tokens?: number; minTokens?: number }) {
    const { stream } = await chatModel!.doStream({
      ...CASE_CALLS.budget,
      temperature: 0,
      maxOutputTokens: 120,
      budget,
    });
    const parts: StreamPart[] = [];
    for await (const part of stream) parts.push(part);
    const finish = parts.at(-1) as Extract<StreamPart, { type: "finish" }>;
    const reasoning = parts.map((part) => (part.type === "reasoning-delta" ? part.delta : "")).join("");
    const text = parts.map((part) => (part.type === "text-delta" ? part.delta : "")).join("");
    return { reasoning, text, usage: finish.usage };
  }

  it("left alone, the model thinks its trained thought and answers", async () => {
    const free = await thinking({});
    expect(free.reasoning).toMatch(/^17 times 20 is 340 .* which is 391$/);
    expect(free.text).toBe("17 * 23 = 391.");
    expect(free.usage.reasoningTokens).toBeGreaterThan(16);
  });

  it("closes the span at the budget", async () => {
    const capped = await thinking({ tokens: 8 });
    expect(capped.usage.reasoningTokens).toBe(8);
    expect(capped.reasoning.length).toBeLessThan(40);
  });

  it("replaces a close below the minimum with 'Wait' and keeps thinking", async () => {
    const free = await thinking({});
    const minimum = free.usage.reasoningTokens + 6;
    const forced = await thinking({ tokens: minimum + 20, minTokens: minimum });
    expect(forced.reasoning.startsWith(free.reasoning)).toBe(true);
    expect(forced.reasoning.slice(free.reasoning.length)).toMatch(/^\s*Wait/);
    expect(forced.usage.reasoningTokens).toBeGreaterThanOrEqual(minimum);
    expect(forced.usage.reasoningTokens).toBeLessThanOrEqual(minimum + 20);
  });
});
