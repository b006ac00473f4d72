/** The conformance suite against the `anthropic` provider, on replayed Messages API transcripts. */
import { expect } from "vitest";
import { createAnthropicModel } from "../anthropic.ts";
import { runConformanceSuite } from "./cases.ts";
import { createReplaySubject } from "./replay-subject.ts";

runConformanceSuite("anthropic", () =>
  createReplaySubject({
    name: "anthropic",
    folder: "anthropic",
    createModel: (server) =>
      createAnthropicModel({ modelId: "claude-sonnet-4-6", baseURL: server.url, apiKey: "sk-ant-test" }),
    budgetTokens: 1024,
    budgetMaxOutputTokens: 2048,
    checkBudgetRequest: (body, budgetTokens) =>
      expect(body).toMatchObject({
        thinking: { type: "enabled", budget_tokens: budgetTokens },
        max_tokens: 2048,
      }),
  }),
);
