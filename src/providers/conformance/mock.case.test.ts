/** The conformance suite against the mock provider: the reference run of the suite itself. */
import { createMockModel, type MockResponse } from "../mock.ts";
import type { CallOptions } from "../spec.ts";
import { runConformanceSuite } from "./cases.ts";

/** Answers each conformance conversation as a well-behaved model would. */
function answer(call: CallOptions): MockResponse {
  const last = call.messages.at(-1);
  if (last?.role === "tool")
    return { text: "The calculator reported an error: division by zero is undefined." };
  const question = last?.role === "user" ? last.content : "";
  if (question.includes("472317"))
    return { toolCalls: [{ toolName: "calc", input: { expression: "472317 - 342669" } }] };
  if (question.includes("Lyon"))
    return {
      toolCalls: [
        { toolName: "search", input: { query: "Lyon population" } },
        { toolName: "search", input: { query: "Nice population" } },
      ],
    };
  if (question.includes("17 * 23"))
    return {
      reasoning: "17 times 20 is 340 and 17 times 3 is 51 so the product is 340 plus 51 which is 391 ".repeat(
        8,
      ),
      text: "17 * 23 = 391.",
    };
  return { text: "The capital of France is Paris.", partDelayMs: 1 };
}

runConformanceSuite("mock", async () => ({
  name: "mock",
  model: createMockModel({ responses: Array.from({ length: 20 }, () => answer) }),
  budgetTokens: 64,
  enforcesTokenBudget: true,
  deterministic: true,
}));
