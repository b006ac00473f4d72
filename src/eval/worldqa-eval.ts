/**
 * Running a model on WorldQA through the real agent loop (runAgent: search over the KB, calc, the
 * evidence rule) and scoring every answer. Scores:
 *
 *   accuracy per type   answerable: the answer is right; unanswerable: the run abstained
 *   omniscienceIndex    100 × (correct − wrong) / total; an abstention on an answerable question is 0
 *   tokensPerCorrect    tokens the model generated over the whole run ÷ correct answers
 *
 * The no-tools run offers no tool at all (the decoder masks `<|call|>`), and scores the model's own words:
 * the agent's evidence rule would turn every ungrounded answer into an abstention and hide what the
 * model would have said. A model that learned procedure, not facts, gets almost none of these right.
 */
import { runAgent } from "../agent/run-agent.ts";
import type { KnowledgeSearch, ResampleOptions, ToolExecutor } from "../agent/types.ts";
import { scoreCitedAnswer } from "../curriculum/solve.ts";
import { createProgress } from "../progress.ts";
import type { LanguageModel } from "../providers/spec.ts";
import { isAbstention } from "./worldqa/score.ts";
import { QUESTION_TYPES, type QuestionType, type WorldQuestion } from "./worldqa/types.ts";

export interface WorldQAEvalOptions {
  model: LanguageModel;
  questions: WorldQuestion[];
  /** The KB the search tool reads (not used with noTools). */
  knowledge?: KnowledgeSearch;
  /** calc and the other tools (not used with noTools). */
  tools?: ToolExecutor;
  /** Passages per search. Default: the agent's. */
  searchK?: number;
  /** Focused hits (runAgent's focusHits). Default false. */
  focusHits?: boolean;
  /** Sample again when a run fails the self-check (runAgent's resample). Default: none. */
  resample?: ResampleOptions;
  /** Offer no tools and score the model's own answer. Default false. */
  noTools?: boolean;
  /** Thinking budget per question. Default "auto". */
  budget?: number | "auto" | "off";
  /** Draw a progress bar. Default true (silenced by $COGCORE_QUIET). */
  progress?: boolean;
  abortSignal?: AbortSignal;
}

export type Outcome = "correct" | "wrong" | "abstained";

export interface WorldQAItem {
  id: string;
  type: QuestionType;
  kind: string;
  question: string;
  /** The answer scored: the agent's, or with noTools the model's own. */
  answer: string;
  abstained: boolean;
  outcome: Outcome;
  /** Tokens the model generated (thinking included). */
  completionTokens: number;
  steps: number;
  /** The calls made, in compact form. */
  calls: string[];
  /** Runs made: more than 1 when the first failed the self-check and the agent sampled more. */
  attempts: number;
  durationMs: number;
}

export interface WorldQASummary {
  accuracy: Record<QuestionType, number | null>;
  omniscienceIndex: number;
  tokensPerCorrect: number | null;
  n: number;
  counts: Record<Outcome, number>;
  /** Share of answerable questions answered (not abstained). */
  answeredRate: number;
  /** Outcomes of each finer kind ("capital-population", "molar-mass", …), kinds in order of type. */
  byKind: Record<string, KindScore>;
}

export interface KindScore {
  type: QuestionType;
  n: number;
  correct: number;
  wrong: number;
  abstained: number;
  accuracy: number;
}

/** Runs every question in turn; returns the scored items. */
export async function evaluateWorldQA(options: WorldQAEvalOptions): Promise<WorldQAItem[]> {
  const progress = createProgress({
    label: options.noTools ? "WorldQA (no tools)" : "WorldQA",
    total: options.questions.length,
    unit: "questions",
    quiet: options.progress === false ? true : undefined,
  });
  const items: WorldQAItem[] = [];
  try {
    for (const question of options.questions) {
      items.push(await evaluateOne(question, options));
      const correct = items.filter((item) => item.outcome === "correct").length;
      progress.update(items.length, `${correct}/${items.length} correct`);
    }
  } finally {
    progress.stop();
  }
  return items;
}

async function evaluateOne(question: WorldQuestion, options: WorldQAEvalOptions): Promise<WorldQAItem> {
  const result = await runAgent({
    model: options.model,
    question: question.question,
    ...(options.noTools ? {} : { knowledge: options.knowledge, tools: options.tools }),
    searchK: options.searchK,
    focusHits: options.focusHits,
    resample: options.resample,
    budget: options.budget,
    abortSignal: options.abortSignal,
  });
  const own = result.steps.at(-1)?.text.trim() ?? "";
  const answer = options.noTools ? own : result.answer;
  const abstained = options.noTools ? isAbstention(own) : result.abstained;
  const correct = scoreCitedAnswer(question, answer, { abstained });
  const outcome: Outcome = correct ? "correct" : abstained ? "abstained" : "wrong";
  return {
    id: question.id,
    type: question.type,
    kind: question.kind,
    question: question.question,
    answer,
    abstained,
    // An abstention on an unanswerable question is its right answer.
    outcome: question.answer.kind === "abstain" && abstained ? "correct" : outcome,
    completionTokens: result.usage.completionTokens,
    steps: result.steps.length,
    calls: result.steps.flatMap((step) =>
      step.toolCalls.map((call) => `${call.toolName}(${describeInput(call.input)})`),
    ),
    attempts: result.selfCheck?.attempts ?? 1,
    durationMs: result.durationMs,
  };
}

function describeInput(input: unknown): string {
  if (input && typeof input === "object") {
    // The compact form's one text field ("focus" and other flags aside).
    const texts = Object.values(input as Record<string, unknown>).filter(
      (value) => typeof value === "string",
    );
    if (texts.length === 1) return texts[0] as string;
  }
  return JSON.stringify(input);
}

/** The scores of a set of items. */
export function summarize(items: WorldQAItem[]): WorldQASummary {
  const counts: Record<Outcome, number> = { correct: 0, wrong: 0, abstained: 0 };
  for (const item of items) counts[item.outcome]++;
  const accuracy = {} as Record<QuestionType, number | null>;
  for (const type of QUESTION_TYPES) {
    const ofType = items.filter((item) => item.type === type);
    accuracy[type] =
      ofType.length === 0
        ? null
        : round(ofType.filter((item) => item.outcome === "correct").length / ofType.length);
  }
  const byKind: Record<string, KindScore> = {};
  const ordered = [...items].sort((a, b) => QUESTION_TYPES.indexOf(a.type) - QUESTION_TYPES.indexOf(b.type));
  for (const item of ordered) {
    byKind[item.kind] ??= { type: item.type, n: 0, correct: 0, wrong: 0, abstained: 0, accuracy: 0 };
    const score = byKind[item.kind];
    score.n++;
    score[item.outcome]++;
  }
  for (const score of Object.values(byKind)) score.accuracy = round(score.correct / score.n);
  const tokens = items.reduce((sum, item) => sum + item.completionTokens, 0);
  const answerable = items.filter((item) => item.type !== "unanswerable");
  return {
    accuracy,
    omniscienceIndex: items.length === 0 ? 0 : round((100 * (counts.correct - counts.wrong)) / items.length),
    tokensPerCorrect: counts.correct === 0 ? null : round(tokens / counts.correct),
    n: items.length,
    counts,
    answeredRate:
      answerable.length === 0
        ? 0
        : round(answerable.filter((item) => !item.abstained).length / answerable.length),
    byKind,
  };
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
