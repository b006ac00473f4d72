/**
 * The agent loop: generate → parse tool calls → execute them with timeouts → append the observations
 * → continue, up to a step limit; then the answer, with `[n]` citations mapped to the passages the
 * searches actually returned, or an abstention when no evidence supports it (evidence.ts).
 * Every run records a trace of typed events (trace.ts).
 */
import { InvalidInputError, LimitExceededError } from "../errors.ts";
import { InvalidResponseError } from "../providers/errors.ts";
import {
  addUsage,
  emptyUsage,
  type LanguageModel,
  type Message,
  type StreamPart,
  type ThinkingBudget,
  type ToolCallPart,
  type ToolDefinition,
} from "../providers/spec.ts";
import { predictDifficulty } from "./difficulty.ts";
import { EvidenceLedger, judgeAnswer } from "./evidence.ts";
import { SEARCH_TOOL_DESCRIPTION, SYSTEM_PROMPT } from "./prompt.ts";
import { resampleOnFailure } from "./self-check.ts";
import { executeCalls, type RunState, toResultPart } from "./tool-calls.ts";
import { createTraceRecorder, type TraceEvent, type TraceRecorder } from "./trace.ts";
import type {
  AgentResult,
  BudgetReport,
  KnowledgeSearch,
  ResampleOptions,
  StepRecord,
  ToolExecutor,
} from "./types.ts";

export interface RunAgentOptions {
  /** The model that reasons and calls tools. */
  model: LanguageModel;
  /** The question to answer. */
  question: string;
  /** Tools besides search (calc, python, …). Default: none. */
  tools?: ToolExecutor;
  /** Knowledge the `search` tool reads; its hits are numbered for citation. Default: none (no search tool). */
  knowledge?: KnowledgeSearch;
  /** Thinking budget for the whole run: tokens, "auto" (predicted) or "off". Default: "auto". */
  budget?: number | "auto" | "off";
  /** Fewest thinking tokens on the first step (budget forcing, where the provider supports it). Default: 0. */
  minThinkingTokens?: number;
  /** Most model calls; the last one is offered no tools, so it must answer. Default: 6. */
  maxSteps?: number;
  /** Time limit of one tool call. Default: 10 000 ms. */
  toolTimeoutMs?: number;
  /** Passages per search. Default: 5. */
  searchK?: number;
  /** Show each hit cut to what the query asks (focusPassage), as the core is trained. Default: false. */
  focusHits?: boolean;
  /** Most output tokens per model call. Default: the provider's. */
  maxOutputTokens?: number;
  /** Sampling temperature. Default: the provider's. */
  temperature?: number;
  /** Sampling seed. Default: none. */
  seed?: number;
  /**
   * Runs again, sampling, when a run fails the self-check (self-check.ts: it ran out of steps, or its
   * searches left out a name of the question): up to `runs` more runs at `temperature`, seeds 1, 2, …;
   * the first that passes is kept, else the first run. Only with a knowledge base. Default: none.
   */
  resample?: ResampleOptions;
  /** Instructions. Default: SYSTEM_PROMPT. */
  system?: string;
  /** Receives every trace event as it happens (the --trace renderer). */
  onEvent?: (event: TraceEvent) => void;
  abortSignal?: AbortSignal;
}

export async function runAgent(options: RunAgentOptions): Promise<AgentResult> {
  if (!options.question.trim())
    throw new InvalidInputError("the question is empty", { expected: "a question" });
  const maxSteps = options.maxSteps ?? 6;
  if (!Number.isInteger(maxSteps) || maxSteps < 1)
    throw new InvalidInputError(`maxSteps is ${maxSteps}`, { expected: "a whole number ≥ 1" });
  const resample = options.knowledge ? options.resample : undefined;
  if (resample && (!Number.isInteger(resample.runs) || resample.runs < 0))
    throw new InvalidInputError(`resample.runs is ${resample.runs}`, { expected: "a whole number ≥ 0" });
  const trace = createTraceRecorder(options.onEvent);
  const first = await runOnce(options, maxSteps, trace);
  if (!resample || resample.runs === 0) return first;
  return resampleOnFailure(options.question, first, resample, trace, (temperature, seed) =>
    options.abortSignal?.aborted ? undefined : runOnce({ ...options, temperature, seed }, maxSteps, trace),
  );
}

/** One run of the agent loop, recording into `trace`. */
async function runOnce(
  options: RunAgentOptions,
  maxSteps: number,
  trace: TraceRecorder,
): Promise<AgentResult> {
  const started = trace.now();
  const budget = chooseBudget(options.budget ?? "auto", options.question);
  const state: RunState = {
    options,
    trace,
    ledger: new EvidenceLedger(),
    toolOutputs: [],
    tools: toolDefinitions(options),
  };
  const messages: Message[] = [
    { role: "system", content: options.system ?? SYSTEM_PROMPT },
    { role: "user", content: options.question },
  ];
  const steps: StepRecord[] = [];
  const warnings: string[] = [];
  let usage = emptyUsage();
  let answer: string | undefined;
  let stoppedBy: string | undefined;
  for (let step = 1; step <= maxSteps && answer === undefined; step++) {
    const remaining = Math.max(0, budget.tokens - usage.reasoningTokens);
    const outcome = await runStepWithin(state, messages, step, step === maxSteps, remaining);
    if ("stoppedBy" in outcome) {
      stoppedBy = outcome.stoppedBy;
      break;
    }
    steps.push(outcome.record);
    warnings.push(...outcome.warnings.filter((warning) => !warnings.includes(warning)));
    usage = addUsage(usage, outcome.record.usage);
    if (outcome.record.toolCalls.length === 0) answer = outcome.record.text;
  }
  const judgement = judgeAnswer({
    question: options.question,
    answer,
    ledger: state.ledger,
    toolOutputs: state.toolOutputs,
    maxSteps,
    stoppedBy,
  });
  const abstained = judgement.abstention !== undefined;
  const finalAnswer = abstained ? `I don't know: ${judgement.abstention?.reason}.` : (answer ?? "").trim();
  const durationMs = state.trace.now() - started;
  state.trace.emit({
    type: "finish",
    steps: steps.length,
    answer: finalAnswer,
    abstained,
    usage,
    durationMs,
  });
  return {
    answer: finalAnswer,
    abstained,
    abstention: judgement.abstention,
    citations: judgement.citations,
    model: `${options.model.provider}:${options.model.modelId}`,
    usage,
    steps,
    budget,
    warnings,
    trace: state.trace.events,
    durationMs,
  };
}

/** Tokens for the whole run: a number as given, 0 for "off", the predictor's choice for "auto". */
export function chooseBudget(requested: number | "auto" | "off", question: string): BudgetReport {
  if (requested === "off") return { requested, tokens: 0 };
  if (requested === "auto") {
    const prediction = predictDifficulty(question);
    return { requested, tokens: prediction.tokens, prediction };
  }
  if (!Number.isInteger(requested) || requested < 0)
    throw new InvalidInputError(`the budget is ${requested}`, {
      expected: "a whole number of tokens, 'auto' or 'off'",
    });
  return { requested, tokens: requested };
}

/** The knowledge search the agent offers when it has a KB: its hits are numbered for citation. */
export const KNOWLEDGE_SEARCH_DEFINITION: ToolDefinition = {
  name: "search",
  description: SEARCH_TOOL_DESCRIPTION,
  inputSchema: {
    type: "object",
    properties: { query: { type: "string", description: "what to look up, e.g. Lyon population" } },
    required: ["query"],
    additionalProperties: false,
  },
};

function toolDefinitions(options: RunAgentOptions): ToolDefinition[] {
  const others = options.tools?.definitions() ?? [];
  if (!options.knowledge) return others;
  // The knowledge search owns the name "search": its numbering is what citations refer to.
  return [KNOWLEDGE_SEARCH_DEFINITION, ...others.filter((tool) => tool.name !== "search")];
}

interface StepOutcome {
  record: StepRecord;
  warnings: string[];
}

/**
 * runStep, or why the run stops here: a conversation that outgrew the model's context has no answer
 * (the agent abstains, saying so) rather than an error that would lose the whole run.
 */
async function runStepWithin(
  ...args: Parameters<typeof runStep>
): Promise<StepOutcome | { stoppedBy: string }> {
  try {
    return await runStep(...args);
  } catch (thrown) {
    if (thrown instanceof LimitExceededError && thrown.limit === "context")
      return { stoppedBy: `the conversation outgrew the model's context: ${thrown.message}` };
    throw thrown;
  }
}

async function runStep(
  state: RunState,
  messages: Message[],
  step: number,
  isLast: boolean,
  remainingBudget: number,
): Promise<StepOutcome> {
  const { options, trace } = state;
  const started = trace.now();
  const budget: ThinkingBudget = {
    tokens: remainingBudget,
    ...(step === 1 && options.minThinkingTokens
      ? { minTokens: Math.min(options.minThinkingTokens, remainingBudget) }
      : {}),
  };
  trace.emit({ type: "step-start", step, budgetTokens: budget.tokens });
  const result = await options.model.doStream({
    messages: [...messages],
    tools: isLast ? undefined : state.tools,
    budget,
    maxOutputTokens: options.maxOutputTokens,
    temperature: options.temperature,
    seed: options.seed,
    abortSignal: options.abortSignal,
  });
  const finish = await relayStream(result.stream, state, step);
  messages.push({ role: "assistant", content: finish.content });
  const calls = finish.content.filter((part): part is ToolCallPart => part.type === "tool-call");
  const toolCalls = isLast ? [] : await executeCalls(state, calls, step);
  if (toolCalls.length > 0) messages.push({ role: "tool", content: toolCalls.map(toResultPart) });
  const durationMs = trace.now() - started;
  trace.emit({
    type: "step-finish",
    step,
    finishReason: finish.finishReason,
    usage: finish.usage,
    durationMs,
  });
  const textOf = (type: "text" | "reasoning") =>
    finish.content.map((part) => (part.type === type ? part.text : "")).join("");
  return {
    record: {
      step,
      reasoning: textOf("reasoning"),
      // A last step that still asks for tools has no answer.
      text: isLast && calls.length > 0 ? "" : textOf("text"),
      toolCalls,
      finishReason: finish.finishReason,
      usage: finish.usage,
      budgetTokens: budget.tokens,
      durationMs,
    },
    warnings: result.warnings,
  };
}

type FinishPart = Extract<StreamPart, { type: "finish" }>;

/**
 * Passes stream parts to the trace and returns the finish part. The stream is read to its end, not
 * left at the finish part, so that an HTTP provider's response completes and its connection is reused.
 */
async function relayStream(
  stream: AsyncIterable<StreamPart>,
  state: RunState,
  step: number,
): Promise<FinishPart> {
  let finish: FinishPart | undefined;
  for await (const part of stream) {
    if (part.type === "reasoning-delta")
      state.trace.emit({ type: "reasoning-delta", step, delta: part.delta });
    else if (part.type === "text-delta") state.trace.emit({ type: "text-delta", step, delta: part.delta });
    else if (part.type === "tool-call")
      state.trace.emit({
        type: "tool-call",
        step,
        toolCallId: part.toolCallId,
        toolName: part.toolName,
        input: part.input,
      });
    else finish = part;
  }
  if (finish) return finish;
  throw new InvalidResponseError(`the ${state.options.model.provider} stream ended without a finish part`, {
    expected: "a stream closed by a finish part",
  });
}
