/**
 * Checking an answer against a WorldQA question.
 *
 * - Numbers: every number in the answer is read ("179,559", "179 559", "1.8 million", "-3"); the answer is
 *   right when one of them equals the expected value within the tolerance and none of the others is a
 *   rival value. Numbers the question or its facts contain (work shown: "472317 - 342669 = 129648") and
 *   years are not rivals.
 * - Text: the folded answer contains the expected value or an alias as whole words, and no rejected
 *   option comes before it ("Lyon has more people than Nice" is right; "Nice" is not).
 * - Abstain: the answer abstains (an empty answer, or words such as "I don't know", "not in the
 *   knowledge base"). Abstaining on an answerable question is never right.
 */
import { foldText } from "../../knowledge/tokenize.ts";
import type { WorldQuestion } from "./types.ts";

const ABSTENTION =
  /\b(don'?t know|do not know|not (in|found|available|known|listed|mentioned|stated|given)|no (information|data|passage|record|mention|answer)|cannot (find|answer|determine|say)|can'?t (find|answer|determine|say)|unable to|not sure|abstain|unknown|no such|does not (exist|appear|say|state|mention)|doesn'?t (exist|appear|say|state|mention))\b/i;

export interface ScoreOptions {
  /** The responder said it abstains (the agent's `abstained` flag). */
  abstained?: boolean;
}

/** Whether `answerText` answers `question` correctly. */
export function scoreAnswer(
  question: WorldQuestion,
  answerText: string,
  options: ScoreOptions = {},
): boolean {
  const abstained = options.abstained === true || isAbstention(answerText);
  if (question.answer.kind === "abstain") return abstained;
  if (options.abstained) return false;
  if (question.answer.kind === "number") return scoreNumber(question, answerText);
  return scoreText(
    question.answer.value,
    question.answer.aliases ?? [],
    question.answer.rejects ?? [],
    answerText,
  );
}

/** An empty answer or one that declines to answer. */
export function isAbstention(answerText: string): boolean {
  return answerText.trim() === "" || ABSTENTION.test(answerText);
}

const NUMBER = /-?\d{1,3}(?:(?:,|[  \u202f])\d{3})+(?:\.\d+)?(?!\d)|-?\d+(?:\.\d+)?/g;
const SCALE: Record<string, number> = { thousand: 1e3, million: 1e6, billion: 1e9 };

/** Every number written in the text, thousands separators removed and "million" applied. */
export function extractNumbers(text: string): number[] {
  const numbers: number[] = [];
  for (const match of text.matchAll(NUMBER)) {
    let value = Number(match[0].replace(/[,  \u202f]/g, ""));
    const after = text.slice((match.index ?? 0) + match[0].length).match(/^\s*(thousand|million|billion)\b/i);
    if (after) value *= SCALE[after[1].toLowerCase()];
    if (Number.isFinite(value)) numbers.push(value);
  }
  return numbers;
}

function scoreNumber(question: WorldQuestion, answerText: string): boolean {
  if (question.answer.kind !== "number") return false;
  const expected = question.answer.value;
  const tolerance = Math.max(question.answer.tolerance ?? 0, Math.abs(expected) * 1e-9);
  const matches = (value: number) => Math.abs(value - expected) <= tolerance;
  const numbers = extractNumbers(answerText);
  if (!numbers.some(matches)) return false;
  const given = new Set([
    ...extractNumbers(question.question),
    ...question.facts.flatMap((fact) => (typeof fact.value === "number" ? [fact.value] : [])),
  ]);
  const isYear = (value: number) => Number.isInteger(value) && value >= 1800 && value <= 2100;
  return numbers.every(
    (value) => matches(value) || given.has(value) || isYear(value) || isFormulaCount(value, question),
  );
}

/** Small counts that come from a formula in the question (the 2 of H2O). */
function isFormulaCount(value: number, question: WorldQuestion): boolean {
  return question.kind === "molar-mass" && Number.isInteger(value) && value >= 1 && value <= 12;
}

function normalise(text: string): string {
  return ` ${foldText(text)
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim()} `;
}

function scoreText(value: string, aliases: string[], rejects: string[], answerText: string): boolean {
  const answer = normalise(answerText);
  const position = (candidate: string) => {
    const needle = normalise(candidate);
    return needle.trim() === "" ? -1 : answer.indexOf(needle);
  };
  const found = [value, ...aliases].map(position).filter((index) => index >= 0);
  if (found.length === 0) return false;
  const first = Math.min(...found);
  return rejects.map(position).every((index) => index < 0 || index > first);
}
