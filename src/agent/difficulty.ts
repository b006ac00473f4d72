/**
 * A transparent difficulty predictor for `--budget auto`: it reads the question's type, how many
 * entities it names and how many operations it asks for, and turns them into a thinking budget by a
 * fixed formula that it reports along with the budget. A learned predictor replaces it later.
 *
 *   tokens = base[type] + 32 × (entities − 1) + 48 × operations, at most 1024
 *   base: lookup 32, comparison 96, multi-hop 96, arithmetic 128
 */

export type QuestionType = "lookup" | "comparison" | "multi-hop" | "arithmetic";

export interface DifficultyPrediction {
  type: QuestionType;
  /** Named things in the question: capitalised words (sentence starts and question words excluded) and numbers. */
  entities: number;
  /** Arithmetic or comparison operations asked for. */
  operations: number;
  /** The budget chosen. */
  tokens: number;
  /** The formula with its numbers, for the trace and --json. */
  rationale: string;
}

const BASE_TOKENS: Record<QuestionType, number> = {
  lookup: 32,
  comparison: 96,
  "multi-hop": 96,
  arithmetic: 128,
};
const MAX_TOKENS = 1024;

const ARITHMETIC =
  /\b(how many more|how much more|how many fewer|difference|sum|total|combined|times|ratio|percent(age)?|average|molar mass|divided|multiplied|plus|minus)\b|[+\-*/×÷]\s*\d/gi;
const COMPARISON =
  /\b(larger|largest|bigger|biggest|smaller|smallest|more populous|higher|lower|older|newer|compare)\b/gi;
const MULTI_HOP =
  /\b(of the (capital|largest city|country|currency|element)|whose|in which|where the)\b|'s (capital|largest)/gi;
const QUESTION_WORDS = new Set([
  "What",
  "Which",
  "Who",
  "How",
  "Where",
  "When",
  "Is",
  "Are",
  "Does",
  "Do",
  "The",
  "In",
  "Of",
]);

export function predictDifficulty(question: string): DifficultyPrediction {
  const arithmetic = question.match(ARITHMETIC)?.length ?? 0;
  const comparison = question.match(COMPARISON)?.length ?? 0;
  const multiHop = question.match(MULTI_HOP)?.length ?? 0;
  const type: QuestionType =
    arithmetic > 0 ? "arithmetic" : comparison > 0 ? "comparison" : multiHop > 0 ? "multi-hop" : "lookup";
  const entities = countEntities(question);
  const operations = arithmetic + comparison + multiHop;
  const raw = BASE_TOKENS[type] + 32 * Math.max(0, entities - 1) + 48 * operations;
  const tokens = Math.min(MAX_TOKENS, raw);
  const rationale = `${type} base ${BASE_TOKENS[type]} + 32 × (${entities} entities − 1) + 48 × ${operations} operations = ${raw}${raw > MAX_TOKENS ? `, capped at ${MAX_TOKENS}` : ""}`;
  return { type, entities, operations, tokens, rationale };
}

/** Runs of capitalised words (one entity each, "New York" is one) and numbers. */
function countEntities(question: string): number {
  let count = 0;
  for (const sentence of question.split(/[.?!]\s+/)) {
    const words = sentence.trim().split(/\s+/);
    let inName = false;
    for (const [index, word] of words.entries()) {
      const clean = word.replace(/[^\p{L}\p{N}'-]/gu, "").replace(/'s$/, "");
      const isName =
        /^\p{Lu}/u.test(clean) && !(index === 0 && QUESTION_WORDS.has(clean)) && !QUESTION_WORDS.has(clean);
      const isNumber = /^\d[\d,.]*$/.test(clean);
      if ((isName && !inName) || isNumber) count++;
      inName = isName;
    }
  }
  return Math.max(1, count);
}
