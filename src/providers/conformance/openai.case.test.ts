/** The conformance suite against the `openai` provider, on replayed OpenAI transcripts. */
import { expect } from "vitest";
import { createOpenAIModel } from "../openai.ts";
import { runConformanceSuite } from "./cases.ts";
import { createReplaySubject } from "./replay-subject.ts";

runConformanceSuite("openai", () =>
  createReplaySubject({
    name: "openai",
    folder: "openai",
    createModel: (server) =>
      createOpenAIModel({ modelId: "gpt-5-mini", baseURL: `${server.url}/v1`, apiKey: "sk-test" }),
    budgetTokens: 64,
    checkBudgetRequest: (body) => expect(body).toMatchObject({ reasoning_effort: "low" }),
  }),
);
