/**
 * Statistics of a curriculum: traces and tokens per question type (all tokens, and those the model
 * learns to write), where the evidence ranked among the hits, and why tasks were dropped.
 */
import type { QuestionType } from "../eval/worldqa/types.ts";
import type { Tokenizer } from "../model/tokenizer.ts";
import type { Curriculum } from "./generate.ts";
import { traceSequence } from "./sequences.ts";

export interface TypeStatistics {
  traces: number;
  /** Mean tokens per trace. */
  meanTokens: number;
  /** Mean tokens per trace with a loss weight (what the model writes). */
  meanLearnedTokens: number;
  maxTokens: number;
  /** Traces with a `<|think|>` plan. */
  withThinking: number;
}

export interface CurriculumStatistics {
  traces: number;
  attempted: number;
  dropped: Curriculum["dropped"];
  byType: Partial<Record<QuestionType | "drill", TypeStatistics>>;
  /** Evidence passages by rank among their search's hits: [first, second, third, …]. */
  evidenceRanks: number[];
  /** Questions naming a place by more than its own name ("Paris, Texas, United States"). */
  disambiguatedNames: number;
  totalTokens: number;
}

export function curriculumStatistics(curriculum: Curriculum, tokenizer: Tokenizer): CurriculumStatistics {
  const byType: Partial<Record<QuestionType | "drill", TypeStatistics & { sum: number; learned: number }>> =
    {};
  const evidenceRanks: number[] = [];
  let totalTokens = 0;
  let disambiguatedNames = 0;
  for (const trace of curriculum.traces) {
    const { tokens, weights } = traceSequence(trace.turns, tokenizer);
    const entry = byType[trace.type] ?? {
      traces: 0,
      meanTokens: 0,
      meanLearnedTokens: 0,
      maxTokens: 0,
      withThinking: 0,
      sum: 0,
      learned: 0,
    };
    byType[trace.type] = entry;
    entry.traces++;
    entry.sum += tokens.length;
    entry.learned += weights.reduce((sum, weight) => sum + weight, 0);
    entry.maxTokens = Math.max(entry.maxTokens, tokens.length);
    if (trace.turns.some((turn) => turn.role === "assistant" && turn.thinking !== undefined))
      entry.withThinking++;
    totalTokens += tokens.length;
    for (const rank of trace.evidenceRanks) evidenceRanks[rank] = (evidenceRanks[rank] ?? 0) + 1;
    if (
      trace.turns.some(
        (turn) => turn.role === "assistant" && turn.calls?.some((call) => /\(city [^)]*,/.test(call)),
      )
    )
      disambiguatedNames++;
  }
  const result: CurriculumStatistics["byType"] = {};
  for (const [type, entry] of Object.entries(byType) as [
    QuestionType,
    TypeStatistics & { sum: number; learned: number },
  ][]) {
    const { sum, learned, ...rest } = entry;
    result[type] = {
      ...rest,
      meanTokens: Math.round(sum / entry.traces),
      meanLearnedTokens: Math.round((10 * learned) / entry.traces) / 10,
    };
  }
  return {
    traces: curriculum.traces.length,
    attempted: curriculum.attempted,
    dropped: curriculum.dropped,
    byType: result,
    evidenceRanks: Array.from(evidenceRanks, (count) => count ?? 0),
    disambiguatedNames,
    totalTokens,
  };
}
