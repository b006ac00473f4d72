/**
 * Evidence: the passages the run retrieved, numbered for citation, and the rule that decides whether
 * an answer is supported or the agent abstains (docs/agent.md, "When it abstains").
 *
 *   no-answer          no final answer within the step limit
 *   model-abstained    the model itself said it does not know
 *   invalid-citation   the answer cites [n] that no search returned
 *   uncited            passages were retrieved but the answer cites none
 *   ungrounded         nothing was retrieved or computed: the answer comes from the model's memory
 *   unsupported-number a number in the answer is in no cited passage, tool result or the question
 */
import { focusPassage } from "../knowledge/focus.ts";
import type { Hit } from "../knowledge/types.ts";
import type { Abstention, Citation } from "./types.ts";

/** Numbers hits in the order first seen; the same passage keeps its number across searches. */
export class EvidenceLedger {
  private readonly byNumber = new Map<number, Hit>();
  private readonly numberById = new Map<string, number>();

  /** Registers hits and returns their numbers. */
  add(hits: Hit[]): number[] {
    return hits.map((hit) => {
      const known = this.numberById.get(hit.id);
      if (known !== undefined) return known;
      const n = this.byNumber.size + 1;
      this.byNumber.set(n, hit);
      this.numberById.set(hit.id, n);
      return n;
    });
  }

  get(n: number): Hit | undefined {
    return this.byNumber.get(n);
  }

  get size(): number {
    return this.byNumber.size;
  }
}

/**
 * The observation the model reads after a search: one numbered line per passage, with its source;
 * with `focus` (the core's compact calls ask for it), each passage cut to what the query asks.
 */
export function formatHits(query: string, hits: Hit[], numbers: number[], focus = false): string {
  if (hits.length === 0) return `No passages found for "${query}".`;
  return hits
    .map((hit, index) => {
      const text = focus ? focusPassage(hit.text, query) : hit.text.trim();
      return `[${numbers[index]}] ${text} (source: ${hit.source})`;
    })
    .join("\n");
}

/** The `[n]` markers in order of first appearance; `[1, 2]` and `[1][2]` both count. */
export function citedNumbers(answer: string): number[] {
  const seen: number[] = [];
  for (const match of answer.matchAll(/\[(\d+(?:\s*,\s*\d+)*)\]/g)) {
    for (const piece of match[1].split(",")) {
      const n = Number(piece.trim());
      if (!seen.includes(n)) seen.push(n);
    }
  }
  return seen;
}

const MODEL_ABSTAINS =
  /^\s*(i (do not|don't|cannot|can't) (know|answer|find|determine)|i am not sure|unknown\b|not (found|available) in|the (evidence|knowledge base|passages?) (does|do) not)|\bABSTAIN\b/i;

/** Numbers written in a text, commas and spaces between digit groups removed: "522,250" → "522250". */
export function numbersIn(text: string): string[] {
  const found = text
    .replace(/\[\d+(?:\s*,\s*\d+)*\]/g, " ")
    .match(/\d{1,3}(?:[,\u202f\u00a0 ]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?/g);
  return (found ?? []).map((number) => number.replace(/[,\u202f\u00a0 ]/g, "").replace(/\.0+$/, ""));
}

export interface JudgeInput {
  question: string;
  /** The final answer text, or undefined when the run ended without one. */
  answer: string | undefined;
  ledger: EvidenceLedger;
  /** Outputs of successful tool calls other than search. */
  toolOutputs: string[];
  maxSteps: number;
  /** Why the run stopped before its last step without an answer (the context ran out), if it did. */
  stoppedBy?: string;
}

export type Judgement =
  | { abstention: Abstention; citations: [] }
  | { abstention: undefined; citations: Citation[] };

/** Applies the abstention rule, in the order above; the first rule that fires decides. */
export function judgeAnswer(input: JudgeInput): Judgement {
  const abstain = (rule: Abstention["rule"], reason: string): Judgement => ({
    abstention: { rule, reason },
    citations: [],
  });
  const answer = input.answer?.trim() ?? "";
  if (answer === "")
    return abstain("no-answer", input.stoppedBy ?? `no answer within ${input.maxSteps} steps`);
  if (MODEL_ABSTAINS.test(answer))
    return abstain("model-abstained", "the model found no answer in the evidence");
  const cited = citedNumbers(answer);
  const invalid = cited.filter((n) => input.ledger.get(n) === undefined);
  if (invalid.length > 0)
    return abstain(
      "invalid-citation",
      `the answer cites [${invalid.join("], [")}], which no search returned`,
    );
  if (input.ledger.size > 0 && cited.length === 0)
    return abstain("uncited", "passages were retrieved but the answer cites none of them");
  if (cited.length === 0 && input.toolOutputs.length === 0)
    return abstain("ungrounded", "no retrieved passage or tool result supports the answer");
  const citations = cited.map((n) => {
    const hit = input.ledger.get(n)!;
    return { n, id: hit.id, source: hit.source, text: hit.text };
  });
  const support = new Set(
    [input.question, ...input.toolOutputs, ...citations.map((citation) => citation.text)].flatMap(numbersIn),
  );
  // Single digits are exempt: counts and ordinals in plain wording ("2 cities") are not claims.
  const unsupported = numbersIn(answer).filter((number) => !support.has(number) && !/^\d$/.test(number));
  if (unsupported.length > 0)
    return abstain(
      "unsupported-number",
      `${unsupported.join(", ")} appears in no cited passage or tool result`,
    );
  return { abstention: undefined, citations };
}
