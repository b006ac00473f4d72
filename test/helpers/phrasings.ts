/** Word runs of question phrasings, for the tests that keep training, held-out and development phrasings apart. */
import { QUESTION_KINDS } from "../../src/eval/worldqa/generate.ts";

/** The slot names of a phrasing, sorted: "{a} versus {b}" → ["a", "b"]. */
export const slotsOf = (template: string) =>
  [...template.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

/** Runs of four words, slots counted as words: "{a} versus {b}: which" → "{} versus {} which". */
export function fourWordRuns(template: string): string[] {
  const words = template
    .toLowerCase()
    .replace(/\{\w+\}/g, " {} ")
    .split(/[^a-z0-9{}²']+/)
    .filter(Boolean);
  return words.slice(0, -3).map((_, index) => words.slice(index, index + 4).join(" "));
}

/** The words of a phrasing before its first name: "Subtract the area of {b} …" → "Subtract the area of". */
export const openingOf = (template: string) => template.split("{")[0].trim();

/** The held-out phrasings' runs of four words that no benchmark template has, each with its phrasing. */
export function heldOutOnlyRuns(): Map<string, string> {
  const templateRuns = new Set(QUESTION_KINDS.flatMap((kind) => kind.templates.flatMap(fourWordRuns)));
  const runs = new Map<string, string>();
  for (const kind of QUESTION_KINDS)
    for (const phrasing of kind.heldOut)
      for (const run of fourWordRuns(phrasing)) if (!templateRuns.has(run)) runs.set(run, phrasing);
  return runs;
}

/** The held-out phrasings' openings (those that open with words, not with a name). */
export const heldOutOpenings = () =>
  QUESTION_KINDS.flatMap((kind) => kind.heldOut.map(openingOf)).filter(Boolean);
