/**
 * The solver: runs a task's procedure with the real tools and records what happened as a trace in the
 * core's chat format. Every observation is what the runtime produces at inference: the knowledge
 * store's own hits for the query, numbered and worded by the agent's evidence ledger (formatHits, the
 * same passage keeping its number across searches), and the calc tool's own result text through the
 * tools registry. A task whose evidence passage is not among the hits, or whose answer would not score
 * as correct or would not pass the agent's evidence rule, is dropped with the reason counted.
 */
import { EvidenceLedger, formatHits, judgeAnswer } from "../agent/evidence.ts";
import type { KnowledgeSearch, ResampleOptions } from "../agent/types.ts";
import { scoreAnswer } from "../eval/worldqa/score.ts";
import type { WorldQuestion } from "../eval/worldqa/types.ts";
import { ABSTENTION, type CoreTurn } from "../model/chat-template.ts";
import type { ToolRegistry } from "../tools/registry.ts";
import type { Task } from "./task.ts";

/** Passages per search, at training and at run time (the agent's `searchK` for core models). */
export const CORE_SEARCH_K = 3;

/** The agent's search as the curriculum shows it to a core: CORE_SEARCH_K hits, focused. */
export const CORE_SEARCH = { searchK: CORE_SEARCH_K, focusHits: true } as const;

/** A core's resampling when a run fails the agent's self-check (runAgent's `resample`). */
export const CORE_RESAMPLE = { runs: 8, temperature: 0.7 } as const;

/**
 * The agent's options for a model: a core searches as its curriculum showed it (CORE_SEARCH) and
 * resamples (CORE_RESAMPLE); the model's own `resample` comes first.
 */
export function agentOptionsFor(entry: {
  provider: string;
  resample?: ResampleOptions;
}): Partial<typeof CORE_SEARCH> & { resample?: ResampleOptions } {
  const core = entry.provider === "core";
  const resample = entry.resample ?? (core ? CORE_RESAMPLE : undefined);
  return { ...(core ? CORE_SEARCH : {}), ...(resample ? { resample } : {}) };
}

export interface SolverTools {
  /** The knowledge base the search tool reads. */
  knowledge: KnowledgeSearch;
  /** Holds `calc` (createCalcTool), called as the agent calls it: registry.observe. */
  registry: ToolRegistry;
  /** Passages per search. Default CORE_SEARCH_K. */
  searchK?: number;
}

export interface Trace {
  id: string;
  /** The question type, or "drill" for a copy drill (drills.ts). */
  type: Task["type"] | "drill";
  kind: string;
  split: Task["split"];
  template: string;
  question: string;
  /** The conversation: user, then assistant and tool turns in order. */
  turns: CoreTurn[];
  /** For each lookup with an evidence passage: its rank among the hits (0 = first). */
  evidenceRanks: number[];
  /** Record ids the question is about. */
  entities: string[];
}

/** Why a task produced no trace. */
export type DropReason =
  | "evidence-not-retrieved"
  | "value-not-in-passage"
  | "calc-failed"
  | "tie"
  | "answer-scores-wrong"
  | "answer-fails-evidence-rule";

export type SolveOutcome = { trace: Trace } | { dropped: DropReason; detail: string };

/** The answer without its `[n]` citation markers, which are not numbers of the answer. */
export function withoutCitations(answer: string): string {
  return answer.replace(/\s*\[\d+(?:\s*,\s*\d+)*\]/g, "").trim();
}

/** scoreAnswer on an answer that cites passages as `[n]` (scoreAnswer would read the n as numbers). */
export function scoreCitedAnswer(
  question: WorldQuestion,
  answer: string,
  options: { abstained?: boolean } = {},
): boolean {
  return scoreAnswer(question, withoutCitations(answer), options);
}

/** `[1][4]`: each evidence passage's number once, in order. */
function citations(numbers: number[]): string {
  return [...new Set(numbers)].map((n) => `[${n}]`).join("");
}

/** Runs the task's searches and calculation; returns its trace or why it was dropped. */
export async function solveTask(task: Task, tools: SolverTools): Promise<SolveOutcome> {
  const k = tools.searchK ?? CORE_SEARCH_K;
  const turns: CoreTurn[] = [{ role: "user", content: task.question }];
  const ledger = new EvidenceLedger();
  const cited: number[] = [];
  const evidenceRanks: number[] = [];
  const toolOutputs: string[] = [];
  let thinking = task.thinking;
  const assistant = (call: string) => {
    turns.push({ role: "assistant", ...(thinking !== undefined ? { thinking } : {}), calls: [call] });
    thinking = undefined;
  };
  for (const step of task.lookups) {
    assistant(`search(${step.query})`);
    const hits = await tools.knowledge.search(step.query, { k });
    const numbers = ledger.add(hits);
    turns.push({ role: "tool", content: formatHits(step.query, hits, numbers, true) });
    if (step.passageId === undefined) continue;
    const rank = hits.findIndex((hit) => hit.id === step.passageId);
    if (rank < 0)
      return { dropped: "evidence-not-retrieved", detail: `${step.passageId} for '${step.query}'` };
    if (step.value !== undefined && !hits[rank].text.includes(step.value))
      return { dropped: "value-not-in-passage", detail: `'${step.value}' in ${step.passageId}` };
    evidenceRanks.push(rank);
    cited.push(numbers[rank]);
  }
  let calcResult: string | undefined;
  if (task.calc !== undefined) {
    assistant(`calc(${task.calc})`);
    const result = await tools.registry.observe("calc", { expression: task.calc });
    turns.push({ role: "tool", content: result.content });
    if (result.isError) return { dropped: "calc-failed", detail: result.content };
    calcResult = result.content;
    toolOutputs.push(result.content);
  }
  const answer = answerText(task, calcResult, citations(cited));
  if (answer === undefined) return { dropped: "tie", detail: `calc(${task.calc}) = 0` };
  turns.push({ role: "assistant", ...(thinking !== undefined ? { thinking } : {}), answer });
  const abstained = task.answer.kind === "abstain";
  if (!scoreCitedAnswer(task.source, answer, { abstained }))
    return { dropped: "answer-scores-wrong", detail: `'${answer}' for '${task.question}'` };
  const judgement = judgeAnswer({ question: task.question, answer, ledger, toolOutputs, maxSteps: 6 });
  if ((judgement.abstention !== undefined) !== abstained)
    return { dropped: "answer-fails-evidence-rule", detail: judgement.abstention?.reason ?? answer };
  return {
    trace: {
      id: task.id,
      type: task.type,
      kind: task.kind,
      split: task.split,
      template: task.template,
      question: task.question,
      turns,
      evidenceRanks,
      entities: task.entities,
    },
  };
}

/**
 * The answer as the model writes it. It starts with a space, so a name keeps the tokens it has in the
 * question and the passages (" Lima", not "L", "ima"); the runtime trims it.
 */
function answerText(task: Task, calcResult: string | undefined, cites: string): string | undefined {
  switch (task.answer.kind) {
    case "abstain":
      return ` ${ABSTENTION}`;
    case "value":
      return ` ${task.answer.text} ${cites}`;
    case "calc":
      return ` ${calcResult} ${cites}`;
    case "sign":
      if (calcResult === "0") return undefined;
      return ` ${calcResult?.startsWith("-") ? task.answer.negative : task.answer.positive} ${cites}`;
  }
}
