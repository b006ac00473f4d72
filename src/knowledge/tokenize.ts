/**
 * The one tokenisation cogcore uses for search terms: Unicode letters and digits, lower-cased, diacritics
 * folded (`Thessaloníki` → `thessaloniki`). It matches SQLite FTS5's `unicode61 remove_diacritics 2`, so
 * the PostgreSQL store, the benchmark peers and the SQLite store all see the same terms.
 */

const COMBINING_MARKS = /\p{M}+/gu;
const SEPARATORS = /[^\p{L}\p{N}]+/u;

/** Lower-cases and removes diacritics: "Thessaloníki" → "thessaloniki". */
export function foldText(text: string): string {
  return text.normalize("NFD").replace(COMBINING_MARKS, "").toLowerCase();
}

/** Splits text into folded terms. */
export function tokenize(text: string): string[] {
  return foldText(text)
    .split(SEPARATORS)
    .filter((term) => term.length > 0);
}

const TERM = /[\p{L}\p{N}][\p{L}\p{N}\p{M}]*/gu;

/** How many terms `tokenize` would return, without building them (for passage lengths). */
export function termCount(text: string): number {
  let count = 0;
  TERM.lastIndex = 0;
  while (TERM.exec(text) !== null) count++;
  return count;
}

/** Words too common in questions to select passages ("what is the population of Lyon" → population, lyon). */
export const QUERY_STOPWORDS: ReadonlySet<string> = new Set(
  (
    "a an and are as at be by did do does for from had has have how i in is it its me of on or tell the " +
    "their there these this those to was were what when where which who whom whose why with you your " +
    "many much more most than please give find show about"
  ).split(" "),
);

/**
 * The terms of a query worth searching for: its words without question words ("what is the population
 * of Lyon" → population, lyon), unless nothing else is left. A question word written with a capital
 * after the first word is kept: "symbol In" and "Be atomic mass" name elements.
 */
export function queryTerms(query: string): string[] {
  const words = query.match(/[\p{L}\p{N}\p{M}]+/gu) ?? [];
  const all: string[] = [];
  const content: string[] = [];
  words.forEach((word, index) => {
    for (const term of tokenize(word)) {
      all.push(term);
      const capitalised = word !== word.toLowerCase() && index > 0;
      if (!QUERY_STOPWORDS.has(term) || capitalised) content.push(term);
    }
  });
  const chosen = content.length > 0 ? content : all;
  return [...new Set(chosen)];
}
