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

/** Words too common in questions to select passages ("what is the population of Lyon" → population, lyon). */
export const QUERY_STOPWORDS: ReadonlySet<string> = new Set(
  (
    "a an and are as at be by did do does for from had has have how i in is it its me of on or tell the " +
    "their there these this those to was were what when where which who whom whose why with you your " +
    "many much more most than please give find show about"
  ).split(" "),
);

/** The terms of a query worth searching for: its tokens without question words, unless nothing else is left. */
export function queryTerms(query: string): string[] {
  const tokens = [...new Set(tokenize(query))];
  const content = tokens.filter((term) => !QUERY_STOPWORDS.has(term));
  return content.length > 0 ? content : tokens;
}
