/**
 * One thinking budget, mapped to each provider's native control. The table in docs/budget.md is this
 * file in words; keep them together.
 */
import { InvalidInputError } from "../errors.ts";
import type { ReasoningEffort, ThinkingBudget } from "./spec.ts";

/** Which budget control an OpenAI-compatible endpoint understands (per model, in the config). */
export const OPENAI_DIALECTS = ["openai", "gemini", "qwen3", "vllm", "llama-server", "none"] as const;
export type OpenAIDialect = (typeof OPENAI_DIALECTS)[number];

/** Token counts that stand for each effort level when a provider needs a number. */
export const EFFORT_TOKENS: Record<Exclude<ReasoningEffort, "auto">, number> = {
  none: 0,
  low: 1024,
  medium: 4096,
  high: 16384,
};

/** Anthropic's documented floor for `thinking.budget_tokens`. */
export const ANTHROPIC_MIN_THINKING_TOKENS = 1024;

/** A budget with both forms filled in: `tokens` undefined means "the model decides". */
export interface ResolvedBudget {
  tokens: number | undefined;
  effort: ReasoningEffort;
  minTokens: number;
}

/** Checks a budget and fills in whichever of tokens / effort is missing. Undefined stays "auto". */
export function resolveBudget(budget: ThinkingBudget | undefined): ResolvedBudget {
  const tokens = budget?.tokens;
  const minTokens = budget?.minTokens ?? 0;
  if (tokens !== undefined && (!Number.isInteger(tokens) || tokens < 0))
    throw new InvalidInputError(`budget.tokens is ${tokens}`, { expected: "a whole number of tokens ≥ 0" });
  if (!Number.isInteger(minTokens) || minTokens < 0 || (tokens !== undefined && minTokens > tokens))
    throw new InvalidInputError(`budget.minTokens is ${minTokens}`, {
      expected: "a whole number ≥ 0 and ≤ budget.tokens",
    });
  if (tokens !== undefined) return { tokens, effort: budget?.effort ?? effortForTokens(tokens), minTokens };
  const effort = budget?.effort ?? "auto";
  return { tokens: effort === "auto" ? undefined : EFFORT_TOKENS[effort], effort, minTokens };
}

/** 0 → none, ≤ 1024 → low, ≤ 8192 → medium, more → high. */
export function effortForTokens(tokens: number): Exclude<ReasoningEffort, "auto"> {
  if (tokens === 0) return "none";
  if (tokens <= 1024) return "low";
  if (tokens <= 8192) return "medium";
  return "high";
}

export interface NativeBudget {
  /** Fields merged into the request body. */
  fields: Record<string, unknown>;
  /** What could not be honoured, said plainly. */
  warnings: string[];
}

/** The request fields that carry the budget for an OpenAI-compatible endpoint speaking `dialect`. */
export function openAIBudgetFields(dialect: OpenAIDialect, budget: ThinkingBudget | undefined): NativeBudget {
  if (budget === undefined) return { fields: {}, warnings: [] };
  const { tokens, effort } = resolveBudget(budget);
  const off = effort === "none" || tokens === 0;
  switch (dialect) {
    case "openai":
      // reasoning_effort takes levels only; "minimal" is the lowest level reasoning models accept.
      if (effort === "auto") return { fields: {}, warnings: [] };
      return { fields: { reasoning_effort: off ? "minimal" : effort }, warnings: [] };
    case "gemini":
      // Gemini's OpenAI-compatible endpoint: -1 = dynamic, 0 = off.
      return {
        fields: {
          extra_body: {
            google: { thinking_config: { thinking_budget: tokens ?? -1, include_thoughts: true } },
          },
        },
        warnings: [],
      };
    case "qwen3":
      return {
        fields: { chat_template_kwargs: { enable_thinking: !off } },
        warnings:
          tokens !== undefined && !off
            ? [`the qwen3 dialect can only switch thinking on or off; ${tokens} tokens is not enforced`]
            : [],
      };
    case "vllm":
      return {
        fields: {
          chat_template_kwargs: { enable_thinking: !off },
          ...(tokens !== undefined && !off ? { thinking_token_budget: tokens } : {}),
        },
        warnings: [],
      };
    case "llama-server":
      return {
        fields: {
          chat_template_kwargs: { enable_thinking: !off },
          thinking_budget_tokens: off ? 0 : (tokens ?? -1),
        },
        warnings: [],
      };
    case "none":
      return { fields: {}, warnings: ["this endpoint takes no thinking budget (dialect 'none'); not sent"] };
  }
}

export interface AnthropicThinking {
  thinking: { type: "enabled"; budget_tokens: number } | { type: "disabled" } | undefined;
  maxTokens: number;
  warnings: string[];
}

/**
 * Anthropic `thinking`: `budget_tokens` must be ≥ 1024 and < `max_tokens`. A smaller budget is raised to
 * 1024 and `max_tokens` raised above the budget, each with a warning (never silently).
 */
export function anthropicThinking(budget: ThinkingBudget | undefined, maxTokens: number): AnthropicThinking {
  if (budget === undefined) return { thinking: undefined, maxTokens, warnings: [] };
  const { tokens, effort } = resolveBudget(budget);
  if (effort === "none" || tokens === 0) return { thinking: { type: "disabled" }, maxTokens, warnings: [] };
  const warnings: string[] = [];
  let budgetTokens = tokens ?? EFFORT_TOKENS.medium;
  if (budgetTokens < ANTHROPIC_MIN_THINKING_TOKENS) {
    warnings.push(
      `anthropic thinking needs at least ${ANTHROPIC_MIN_THINKING_TOKENS} tokens; budget ${budgetTokens} raised to ${ANTHROPIC_MIN_THINKING_TOKENS}`,
    );
    budgetTokens = ANTHROPIC_MIN_THINKING_TOKENS;
  }
  let max = maxTokens;
  if (max <= budgetTokens) {
    max = budgetTokens + 1024;
    warnings.push(
      `max_tokens ${maxTokens} must exceed the thinking budget ${budgetTokens}; raised to ${max}`,
    );
  }
  return { thinking: { type: "enabled", budget_tokens: budgetTokens }, maxTokens: max, warnings };
}

/** A rough token count (4 characters a token) for providers that do not report reasoning tokens. */
export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / 4);
}
