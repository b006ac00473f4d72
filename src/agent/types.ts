/**
 * The small interfaces the agent loop is written against, so that any tool registry and any knowledge
 * store plug in: a tool executor (`{name, input}` → `{content, isError, data?}`) and a knowledge search
 * returning hits that the agent numbers for citation.
 */
import type { Hit } from "../knowledge/types.ts";
import type { ToolDefinition, Usage } from "../providers/spec.ts";
import type { DifficultyPrediction } from "./difficulty.ts";
import type { TraceEvent } from "./trace.ts";

/** What a tool returned. */
export interface ToolOutcome {
  /** Text the model reads as the observation. */
  content: string;
  /** The tool failed; `content` says why. */
  isError: boolean;
  /** Structured result for programs (not shown to the model). */
  data?: unknown;
}

/** Runs tools by name. A tools registry adapts to this in a few lines. */
export interface ToolExecutor {
  /** The tools the model may call. */
  definitions(): ToolDefinition[];
  execute(call: { name: string; input: unknown }, options: { signal: AbortSignal }): Promise<ToolOutcome>;
}

/** Searches passages (a KnowledgeStore satisfies this). */
export interface KnowledgeSearch {
  search(query: string, options?: { k?: number }): Promise<Hit[]>;
}

/** A passage the answer cites: `n` is the number shown to the model, `[n]` in the answer. */
export interface Citation {
  n: number;
  /** The passage id in its knowledge base. */
  id: string;
  source: string;
  text: string;
}

export interface ToolCallRecord {
  toolCallId: string;
  toolName: string;
  input: unknown;
  content: string;
  isError: boolean;
  durationMs: number;
  /** Numbers given to the hits this call returned (search only). */
  hitNumbers?: number[];
}

/** One model call and the tool calls it asked for. */
export interface StepRecord {
  step: number;
  reasoning: string;
  text: string;
  toolCalls: ToolCallRecord[];
  finishReason: string;
  usage: Usage;
  /** The thinking budget this call was given, in tokens (undefined: the model's default). */
  budgetTokens: number | undefined;
  durationMs: number;
}

/** Why an answer was withheld: the rule that fired (docs/agent.md) and what it found. */
export interface Abstention {
  rule:
    | "no-answer"
    | "model-abstained"
    | "invalid-citation"
    | "uncited"
    | "ungrounded"
    | "unsupported-number";
  reason: string;
}

export interface BudgetReport {
  /** What was asked: tokens, "auto" or "off". */
  requested: number | "auto" | "off";
  /** The budget used for the whole run, in thinking tokens. */
  tokens: number;
  /** The predictor's reasoning, when `requested` was "auto". */
  prediction?: DifficultyPrediction;
}

/** Runs sampled again when a run fails the self-check (runAgent's `resample`). */
export interface ResampleOptions {
  /** Most runs after the first. */
  runs: number;
  /** Their sampling temperature. */
  temperature: number;
}

/** How resampling went (runAgent's `resample`), when the first run failed the self-check. */
export interface SelfCheckReport {
  /** Runs made, the first included. */
  attempts: number;
  /** The run kept (1-based): the first that passed, else 1. */
  kept: number;
  /** Why each run failed the self-check (self-check.ts), or undefined where it passed. */
  failures: Array<string | undefined>;
}

export interface AgentResult {
  /** The answer, or "I don't know: …" when abstaining. */
  answer: string;
  abstained: boolean;
  abstention?: Abstention;
  /** The passages the answer cites, in order of first citation. */
  citations: Citation[];
  /** "provider:modelId". */
  model: string;
  usage: Usage;
  steps: StepRecord[];
  budget: BudgetReport;
  /** Things a provider could not honour (a budget below its minimum, say). */
  warnings: string[];
  trace: TraceEvent[];
  durationMs: number;
  /** Present when the first run failed the self-check and the agent sampled more (`resample`). */
  selfCheck?: SelfCheckReport;
}
