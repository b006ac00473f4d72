/** Passages cut to what a query asks about: the core reads a fraction of the tokens. */
const wordsIn = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

/** A "Label: value." sentence's label: a few words of letters before its first colon. */
const LABEL = /^([\p{L} ]{1,40}):\s*/u;

/** The label and value of a "Label: value." sentence ("Currency", "Philippine peso (PHP)."), if it is one. */
export function labelOf(sentence: string): { label: string; value: string } | undefined {
  const match = sentence.match(LABEL);
  return match ? { label: match[1]!, value: sentence.slice(match[0].length) } : undefined;
}

/** Abbreviations of names whose full stop ends no sentence: "St. Peter Port", "Mt. Hagen". */
const ABBREVIATION = /(?:^|[\s(.])(?:\p{L}|St|Ste|Mt|Ft|Col|Urb|Im|Sv|Dr|Jr|Sr|No)\.$/u;

/**
 * A passage's sentences: a full stop and a capital part them, unless the stop ends an abbreviation or
 * an initial ("Capital: St. Peter Port.", "Washington D.C.") and no "Label:" follows it.
 */
export function sentencesOf(text: string): string[] {
  const sentences: string[] = [];
  const flat = text.replace(/\s+/g, " ").trim();
  let from = 0;
  for (const boundary of flat.matchAll(/(?<=[.!?])\s+(?=\p{Lu})/gu)) {
    const before = flat.slice(0, boundary.index);
    const labelled = LABEL.test(flat.slice(boundary.index + boundary[0].length));
    if (!labelled && ABBREVIATION.test(before)) continue;
    sentences.push(flat.slice(from, boundary.index));
    from = boundary.index + boundary[0].length;
  }
  sentences.push(flat.slice(from));
  return sentences;
}

/**
 * A passage cut to what a query asks about: its first sentence (what the passage is about) and the
 * later sentences whose label (the words before a colon, else all its words) names a query word the
 * first one lacks. "city Lyon population" shows
 * "Lyon is a city in … France. Population: 522250."; a query whose every word the first sentence has
 * ("element Nickel": the atomic number is there) shows the first sentence alone; a query whose further
 * words no sentence names ("city Lyon founded") shows the whole passage.
 */
export function focusPassage(text: string, query: string): string {
  const sentences = sentencesOf(text);
  const first = new Set(wordsIn(sentences[0]));
  const asked = new Set(wordsIn(query).filter((word) => !first.has(word)));
  // A "Label: value." sentence is named by its label; any other sentence by any of its words.
  if (asked.size === 0) return sentences[0];
  const named = sentences
    .slice(1)
    .filter((sentence) => wordsIn(sentence.split(":")[0]).some((word) => asked.has(word)));
  return named.length === 0 ? sentences.join(" ") : [sentences[0], ...named].join(" ");
}
