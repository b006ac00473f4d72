/**
 * The provider conformance suite: one set of cases run against every provider (hono-style shared
 * cases). Each provider's `<name>.case.test.ts` builds a `ConformanceSubject` and calls
 * `runConformanceSuite`. The conversations are fixed, so that recorded transcripts (openai, anthropic)
 * and tiny overfit models (core, llamacpp) can answer them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AbortedError } from "../../errors.ts";
import type { CallOptions, LanguageModel, Message, StreamPart, ToolDefinition } from "../spec.ts";

export const CONFORMANCE_CASES = [
  "plain answer",
  "streamed answer",
  "one tool call",
  "parallel tool calls",
  "tool error",
  "budget honoured",
  "budget off",
  "abort",
  "usage counted",
] as const;
export type ConformanceCase = (typeof CONFORMANCE_CASES)[number];

export const CALC_TOOL: ToolDefinition = {
  name: "calc",
  description: "Evaluates an arithmetic expression exactly.",
  inputSchema: {
    type: "object",
    properties: { expression: { type: "string", description: "e.g. 472317 - 342669" } },
    required: ["expression"],
    additionalProperties: false,
  },
};

export const SEARCH_TOOL: ToolDefinition = {
  name: "search",
  description: "Searches the knowledge base and returns numbered passages.",
  inputSchema: {
    type: "object",
    properties: { query: { type: "string", description: "e.g. Lyon population" } },
    required: ["query"],
    additionalProperties: false,
  },
};

const CAPITAL_QUESTION: Message[] = [
  { role: "user", content: "What is the capital of France? Answer in one short sentence." },
];

/** The call each case makes (before the subject's budget is applied). */
export const CASE_CALLS: Record<"plain" | "tool" | "parallel" | "toolError" | "budget", CallOptions> = {
  plain: { messages: CAPITAL_QUESTION },
  tool: {
    messages: [{ role: "user", content: "What is 472317 - 342669? Use the calculator." }],
    tools: [CALC_TOOL],
  },
  parallel: {
    messages: [{ role: "user", content: "Search the populations of Lyon and of Nice, in parallel." }],
    tools: [SEARCH_TOOL],
  },
  toolError: {
    messages: [
      { role: "user", content: "What is 1 / 0? Use the calculator." },
      {
        role: "assistant",
        content: [
          { type: "tool-call", toolCallId: "call_div0", toolName: "calc", input: { expression: "1 / 0" } },
        ],
      },
      {
        role: "tool",
        content: [
          {
            type: "tool-result",
            toolCallId: "call_div0",
            toolName: "calc",
            output: "division by zero",
            isError: true,
          },
        ],
      },
    ],
    tools: [CALC_TOOL],
  },
  budget: { messages: [{ role: "user", content: "What is 17 * 23? Think it through." }] },
};

export interface ConformanceSubject {
  /** Printed in the suite's name, e.g. "openai (replayed transcripts)". */
  name: string;
  model: LanguageModel;
  /** Thinking budget used by "budget honoured". */
  budgetTokens: number;
  /** `maxOutputTokens` for the budget cases (Anthropic needs it above the budget). Default: none. */
  budgetMaxOutputTokens?: number;
  /** Options added to every call (e.g. temperature 0 for local models). Default: none. */
  callDefaults?: Partial<CallOptions>;
  /** Whether the same call gives the same usage (local models); remote transcripts differ run to run. */
  deterministic: boolean;
  /** Whether the provider itself stops thinking at the budget (core, llamacpp, mock), so reasoningTokens ≤ budget. */
  enforcesTokenBudget: boolean;
  /** Arranges the answers for a case (queues transcripts); nothing for real models. */
  prepare?(testCase: ConformanceCase): void;
  /** After a case: checks what was sent (e.g. the request equals the transcript's). */
  verify?(testCase: ConformanceCase): void;
  /** Checks that the request of a budget case carried the native control. */
  checkBudgetRequest?(body: unknown, budgetTokens: number): void;
  close?(): Promise<void>;
}

async function collect(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

function finishOf(parts: StreamPart[]) {
  const last = parts.at(-1);
  expect(last?.type).toBe("finish");
  return last as Extract<StreamPart, { type: "finish" }>;
}

function toolCallsOf(parts: StreamPart[]) {
  return parts.filter(
    (part): part is Extract<StreamPart, { type: "tool-call" }> => part.type === "tool-call",
  );
}

export interface SuiteTimeouts {
  /** For creating the subject (training a model, starting a process). Default: vitest's hookTimeout. */
  setupMs?: number;
  /** For each case. Default: vitest's testTimeout. */
  caseMs?: number;
}

/** Registers the cases under "conformance: <provider>" (the name printed by the test reporter). */
export function runConformanceSuite(
  provider: string,
  createSubject: () => Promise<ConformanceSubject>,
  timeouts: SuiteTimeouts = {},
): void {
  let subject: ConformanceSubject;
  const callFor = (call: CallOptions): CallOptions => ({ ...subject.callDefaults, ...call });
  const run = (testCase: ConformanceCase, body: () => Promise<void>) =>
    it(
      testCase,
      async () => {
        subject.prepare?.(testCase);
        await body();
        subject.verify?.(testCase);
      },
      timeouts.caseMs,
    );

  describe(`conformance: ${provider}`, () => {
    beforeAll(async () => {
      subject = await createSubject();
      process.stderr.write(`conformance: ${subject.name}\n`);
    }, timeouts.setupMs);
    afterAll(async () => subject?.close?.());

    it("implements the contract", () => {
      expect(subject.model.specificationVersion).toBe("cogcore-v1");
      expect(subject.model.provider).toMatch(/^(core|llamacpp|openai|anthropic|mock)$/);
      expect(subject.model.modelId.length).toBeGreaterThan(0);
    });

    run("plain answer", async () => {
      const result = await subject.model.doGenerate(callFor(CASE_CALLS.plain));
      const text = result.content.map((part) => (part.type === "text" ? part.text : "")).join("");
      expect(text).toMatch(/Paris/);
      expect(result.finishReason).toBe("stop");
      expect(result.content.some((part) => part.type === "tool-call")).toBe(false);
    });

    run("streamed answer", async () => {
      const { stream } = await subject.model.doStream(callFor(CASE_CALLS.plain));
      const parts = await collect(stream);
      const deltas = parts.filter((part) => part.type === "text-delta");
      expect(deltas.length).toBeGreaterThanOrEqual(2);
      const streamed = deltas.map((part) => part.delta).join("");
      expect(streamed).toMatch(/Paris/);
      const finish = finishOf(parts);
      expect(finish.finishReason).toBe("stop");
      expect(
        finish.content
          .filter((part) => part.type === "text")
          .map((part) => part.text)
          .join(""),
      ).toBe(streamed);
    });

    run("one tool call", async () => {
      const { stream } = await subject.model.doStream(callFor(CASE_CALLS.tool));
      const parts = await collect(stream);
      const calls = toolCallsOf(parts);
      expect(calls).toHaveLength(1);
      expect(calls[0].toolName).toBe("calc");
      expect((calls[0].input as { expression: string }).expression).toMatch(/472317\s*-\s*342669/);
      expect(calls[0].toolCallId.length).toBeGreaterThan(0);
      expect(finishOf(parts).finishReason).toBe("tool-calls");
    });

    run("parallel tool calls", async () => {
      const { stream } = await subject.model.doStream(callFor(CASE_CALLS.parallel));
      const calls = toolCallsOf(await collect(stream));
      expect(calls.map((call) => call.toolName)).toEqual(["search", "search"]);
      const queries = calls.map((call) => (call.input as { query: string }).query).join(" | ");
      expect(queries).toMatch(/Lyon/);
      expect(queries).toMatch(/Nice/);
      expect(new Set(calls.map((call) => call.toolCallId)).size).toBe(2);
    });

    run("tool error", async () => {
      const { stream } = await subject.model.doStream(callFor(CASE_CALLS.toolError));
      const parts = await collect(stream);
      const text = parts.map((part) => (part.type === "text-delta" ? part.delta : "")).join("");
      expect(text.trim().length).toBeGreaterThan(0);
      expect(toolCallsOf(parts)).toHaveLength(0);
      expect(finishOf(parts).finishReason).toBe("stop");
    });

    run("budget honoured", async () => {
      const call = {
        ...callFor(CASE_CALLS.budget),
        budget: { tokens: subject.budgetTokens },
        maxOutputTokens: subject.budgetMaxOutputTokens,
      };
      const result = await subject.model.doStream(call);
      const finish = finishOf(await collect(result.stream));
      subject.checkBudgetRequest?.(result.request?.body, subject.budgetTokens);
      expect(finish.usage.reasoningTokens).toBeGreaterThan(0);
      if (subject.enforcesTokenBudget)
        expect(finish.usage.reasoningTokens).toBeLessThanOrEqual(subject.budgetTokens);
      expect(finish.usage.completionTokens).toBeGreaterThanOrEqual(finish.usage.reasoningTokens);
    });

    run("budget off", async () => {
      const call = {
        ...callFor(CASE_CALLS.budget),
        budget: { tokens: 0 },
        maxOutputTokens: subject.budgetMaxOutputTokens,
      };
      const parts = await collect((await subject.model.doStream(call)).stream);
      expect(parts.some((part) => part.type === "reasoning-delta")).toBe(false);
      expect(finishOf(parts).usage.reasoningTokens).toBe(0);
    });

    run("abort", async () => {
      const controller = new AbortController();
      const { stream } = await subject.model.doStream({
        ...callFor(CASE_CALLS.plain),
        abortSignal: controller.signal,
      });
      const started = Date.now();
      const read = async () => {
        for await (const part of stream) if (part.type === "text-delta") controller.abort();
      };
      await expect(read()).rejects.toBeInstanceOf(AbortedError);
      expect(Date.now() - started).toBeLessThan(5000);
    });

    run("usage counted", async () => {
      const generated = await subject.model.doGenerate(callFor(CASE_CALLS.plain));
      const streamed = finishOf(
        await collect((await subject.model.doStream(callFor(CASE_CALLS.plain))).stream),
      );
      for (const usage of [generated.usage, streamed.usage]) {
        expect(usage.promptTokens).toBeGreaterThan(0);
        expect(usage.completionTokens).toBeGreaterThan(0);
        expect(usage.reasoningTokens).toBeGreaterThanOrEqual(0);
      }
      if (subject.deterministic) expect(streamed.usage).toEqual(generated.usage);
    });
  });
}
