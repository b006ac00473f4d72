import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../errors.ts";
import { anthropicThinking, effortForTokens, openAIBudgetFields, resolveBudget } from "./budget.ts";

describe("resolveBudget", () => {
  it("derives the effort from tokens and tokens from the effort", () => {
    expect(resolveBudget({ tokens: 0 })).toMatchObject({ tokens: 0, effort: "none" });
    expect(resolveBudget({ tokens: 500 })).toMatchObject({ tokens: 500, effort: "low" });
    expect(resolveBudget({ tokens: 5000 })).toMatchObject({ effort: "medium" });
    expect(resolveBudget({ tokens: 20000 })).toMatchObject({ effort: "high" });
    expect(resolveBudget({ effort: "medium" })).toMatchObject({ tokens: 4096 });
    expect(resolveBudget({ effort: "auto" }).tokens).toBeUndefined();
    expect(resolveBudget(undefined)).toMatchObject({ tokens: undefined, effort: "auto", minTokens: 0 });
  });

  it("rejects negative, fractional and inconsistent budgets with what was expected", () => {
    expect(() => resolveBudget({ tokens: -1 })).toThrow(InvalidInputError);
    expect(() => resolveBudget({ tokens: 1.5 })).toThrow(/whole number/);
    expect(() => resolveBudget({ tokens: 10, minTokens: 20 })).toThrow(/≤ budget.tokens/);
  });

  it("buckets tokens into efforts at 0, 1024 and 8192", () => {
    expect([0, 1, 1024, 1025, 8192, 8193].map(effortForTokens)).toEqual([
      "none",
      "low",
      "low",
      "medium",
      "medium",
      "high",
    ]);
  });
});

describe("openAIBudgetFields: one budget, each dialect's native control", () => {
  const cases: [Parameters<typeof openAIBudgetFields>[0], object, object, object][] = [
    // dialect, {tokens: 2000}, {tokens: 0}, {effort: auto}
    ["openai", { reasoning_effort: "medium" }, { reasoning_effort: "minimal" }, {}],
    [
      "gemini",
      { extra_body: { google: { thinking_config: { thinking_budget: 2000, include_thoughts: true } } } },
      { extra_body: { google: { thinking_config: { thinking_budget: 0, include_thoughts: true } } } },
      { extra_body: { google: { thinking_config: { thinking_budget: -1, include_thoughts: true } } } },
    ],
    [
      "qwen3",
      { chat_template_kwargs: { enable_thinking: true } },
      { chat_template_kwargs: { enable_thinking: false } },
      { chat_template_kwargs: { enable_thinking: true } },
    ],
    [
      "vllm",
      { chat_template_kwargs: { enable_thinking: true }, thinking_token_budget: 2000 },
      { chat_template_kwargs: { enable_thinking: false } },
      { chat_template_kwargs: { enable_thinking: true } },
    ],
    [
      "llama-server",
      { chat_template_kwargs: { enable_thinking: true }, thinking_budget_tokens: 2000 },
      { chat_template_kwargs: { enable_thinking: false }, thinking_budget_tokens: 0 },
      { chat_template_kwargs: { enable_thinking: true }, thinking_budget_tokens: -1 },
    ],
    ["none", {}, {}, {}],
  ];
  for (const [dialect, withTokens, off, auto] of cases) {
    it(dialect, () => {
      expect(openAIBudgetFields(dialect, { tokens: 2000 }).fields).toEqual(withTokens);
      expect(openAIBudgetFields(dialect, { tokens: 0 }).fields).toEqual(off);
      expect(openAIBudgetFields(dialect, { effort: "auto" }).fields).toEqual(auto);
      expect(openAIBudgetFields(dialect, undefined)).toEqual({ fields: {}, warnings: [] });
    });
  }

  it("warns where a dialect cannot honour a token count", () => {
    expect(openAIBudgetFields("qwen3", { tokens: 2000 }).warnings[0]).toMatch(
      /only switch thinking on or off/,
    );
    expect(openAIBudgetFields("none", { tokens: 2000 }).warnings[0]).toMatch(/takes no thinking budget/);
  });
});

describe("anthropicThinking", () => {
  it("maps tokens to budget_tokens below max_tokens", () => {
    expect(anthropicThinking({ tokens: 2000 }, 4096)).toEqual({
      thinking: { type: "enabled", budget_tokens: 2000 },
      maxTokens: 4096,
      warnings: [],
    });
    expect(anthropicThinking({ tokens: 0 }, 4096).thinking).toEqual({ type: "disabled" });
    expect(anthropicThinking({ effort: "high" }, 32000).thinking).toEqual({
      type: "enabled",
      budget_tokens: 16384,
    });
  });

  it("raises a budget below 1024 and a max_tokens not above the budget, saying so", () => {
    const small = anthropicThinking({ tokens: 64 }, 4096);
    expect(small.thinking).toEqual({ type: "enabled", budget_tokens: 1024 });
    expect(small.warnings[0]).toMatch(/at least 1024/);
    const tight = anthropicThinking({ tokens: 4096 }, 4096);
    expect(tight.maxTokens).toBe(5120);
    expect(tight.warnings[0]).toMatch(/must exceed the thinking budget/);
  });
});
