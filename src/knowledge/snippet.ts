/** Snippets: the part of a passage around the query's terms, each occurrence in [brackets]. */
import { foldText } from "./tokenize.ts";

const WORD = /[\p{L}\p{N}]+/gu;

/**
 * Highlights every word of `text` whose folded form is one of `terms`, and cuts the text to about
 * `maxLength` characters around the first highlighted word.
 */
export function highlightSnippet(text: string, terms: string[], maxLength = 240): string {
  const wanted = new Set(terms);
  let first = -1;
  const highlighted = text.replace(WORD, (word, offset: number) => {
    if (!wanted.has(foldText(word))) return word;
    if (first < 0) first = offset;
    return `[${word}]`;
  });
  if (highlighted.length <= maxLength) return highlighted;
  const position = first < 0 ? 0 : highlighted.indexOf("[", Math.max(0, first));
  const start = Math.max(0, position - Math.floor(maxLength / 3));
  const end = Math.min(highlighted.length, start + maxLength);
  return `${start > 0 ? "…" : ""}${highlighted.slice(start, end)}${end < highlighted.length ? "…" : ""}`;
}
