/** WorldQA's question format, shared by the eval suite, the retrieval benchmark and the curriculum. */

export const QUESTION_TYPES = ["lookup", "multihop", "arithmetic", "comparison", "unanswerable"] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

export const SPLITS = ["train", "dev", "test"] as const;
export type Split = (typeof SPLITS)[number];

/** The expected answer. `abstain`: the KB cannot answer, and the right response is to say so. */
export type ExpectedAnswer =
  | {
      kind: "number";
      value: number;
      /** Largest accepted absolute difference. Default: exact (after formatting). */
      tolerance?: number;
      /** What the number counts or measures ("people", "square kilometres", "g/mol"). */
      unit?: string;
    }
  | {
      kind: "text";
      value: string;
      /** Other accepted answers (a country's official name, a currency's code). */
      aliases?: string[];
      /** Answers that must not be given instead (the other option of a comparison). */
      rejects?: string[];
    }
  | { kind: "abstain"; value: "" };

/** One fact the answer rests on: which passage states it and a search query that finds that passage. */
export interface Fact {
  /** Record id, e.g. "city:2996944". */
  entity: string;
  /** The record's field ("population", "capital", "atomicMass"). */
  attribute: string;
  value: number | string;
  /** The passage that states the value (equals the record id in the world KB). */
  passageId: string;
  /** A search query that retrieves it. */
  query: string;
}

export interface WorldQuestion {
  /** Stable for a given seed: type, phrasing and entities hashed. */
  id: string;
  type: QuestionType;
  /** Finer kind, e.g. "city-population", "capital-population", "population-difference". */
  kind: string;
  question: string;
  answer: ExpectedAnswer;
  /** Record ids the question is about; all in the question's split. */
  entities: string[];
  /** Passages that together give the answer. */
  goldPassageIds: string[];
  /** Search queries that find the gold passages, one per fact. */
  retrievalQueries: string[];
  /** The facts in the order a solver needs them. */
  facts: Fact[];
  /** For arithmetic: the calculation on the facts' values, e.g. "472317 - 342669". */
  expression?: string;
  split: Split;
  phrasing: { template: string; heldOut: boolean };
}
