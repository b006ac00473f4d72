/** The shape of a WorldQA question kind: how to draw its entities and facts, and how to phrase it. */
import type { SplitPools } from "./pools.ts";
import type { ExpectedAnswer, Fact, QuestionType } from "./types.ts";

/** A question before it is phrased: the values its templates fill in, and everything else it carries. */
export interface Draft {
  /** Template slots, e.g. {city: "Lyon"}. */
  slots: Record<string, string>;
  answer: ExpectedAnswer;
  entities: string[];
  facts: Fact[];
  expression?: string;
  /** Queries for unanswerable questions, which have no facts. */
  retrievalQueries?: string[];
}

export interface QuestionKind {
  /** E.g. "city-population". */
  kind: string;
  type: QuestionType;
  /** Phrasings used for training and evaluation; `{slot}` is filled from the draft. */
  templates: string[];
  /** Phrasings never used for training: the robustness measure. */
  heldOut: string[];
  /** Draws one question's content, or undefined when this split has nothing suitable. */
  draw(pools: SplitPools, random: () => number): Draft | undefined;
}

/** A fact stated by one record's passage (in the world KB a passage's id is its record's id). */
export function fact(entity: string, attribute: string, value: number | string, query: string): Fact {
  return { entity, attribute, value, passageId: entity, query };
}

/** Rounds away binary noise from sums of decimals: 18.015280000000001 → 18.01528. */
export function tidy(value: number): number {
  return Number(value.toFixed(6));
}
