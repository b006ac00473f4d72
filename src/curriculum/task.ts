/**
 * A task is a question together with the procedure that answers it: which searches to run (and which
 * passage in their hits is the evidence), which calculation to make, and how the answer is written.
 * Tasks come from WorldQA (world-tasks.ts) or from any structured KB's records (record-tasks.ts); the
 * solver (solve.ts) runs the real tools over a task and records the trace.
 *
 *   lookup       search → answer "value [n]"
 *   multihop     search → search (its query uses a value read in the first) → answer
 *   arithmetic   search × n → calc(expression) → answer "result [n][m]"
 *   comparison   search × 2 → calc(a - b) → answer the name on the side the sign points to
 *   unanswerable search → no passage states it → answer ABSTENTION
 */
import type { ExpectedAnswer, QuestionType, Split, WorldQuestion } from "../eval/worldqa/types.ts";

/** One search of the procedure and the passage among its hits that holds the fact. */
export interface LookupStep {
  /** The query, exactly as the model writes it: `search(QUERY)`. */
  query: string;
  /** The passage that states the fact; undefined for unanswerable tasks (no passage does). */
  passageId?: string;
  /** The fact's value as the passage writes it ("472317", "Lima"); checked against the passage text. */
  value?: string;
}

/** How the answer follows from the observations. */
export type AnswerRule =
  /** The text as given (a looked-up value), followed by the evidence citations. */
  | { kind: "value"; text: string }
  /** The calc result, followed by the evidence citations. */
  | { kind: "calc" }
  /** calc(a - b) was made: `positive` when the result is positive, else `negative`. */
  | { kind: "sign"; positive: string; negative: string }
  /** No passage answers: the abstention sentence, no citations. */
  | { kind: "abstain" };

export interface Task {
  /** Stable id (from the question's id). */
  id: string;
  type: QuestionType;
  /** Finer kind, e.g. "capital-population". */
  kind: string;
  question: string;
  split: Split;
  /** Phrasing template id, e.g. "city-population/t2". */
  template: string;
  /** Whether the phrasing is one of the held-out ones (never used for training). */
  heldOut: boolean;
  /** A short plan, only for questions that need several steps. */
  thinking?: string;
  lookups: LookupStep[];
  /** The calc expression on the values as the passages write them, e.g. "472317 - 342669". */
  calc?: string;
  answer: AnswerRule;
  /** What a correct answer is (for scoring and for checking the trace). */
  expected: ExpectedAnswer;
  /** Record ids the question is about (entity-disjoint splits are checked on these). */
  entities: string[];
  /** The question in WorldQA's form, which scoreAnswer checks answers against. */
  source: WorldQuestion;
}
