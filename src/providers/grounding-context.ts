/**
 * What grounded decoding reads from a conversation's texts (grounding.ts): the words it may copy, the
 * words a value may end with, the names a call may not stop at, and the phrases words are copied in.
 * Texts are byte strings (one char per byte, Latin-1), as grounding.ts compares them.
 */

import { labelOf, sentencesOf } from "../knowledge/focus.ts";

/** Whether a byte is an ASCII capital. */
export const isCapital = (code: number) => code >= 65 && code <= 90;
/** Whether a text starts with an ASCII capital (a name's word, as WORD and TOKEN split them). */
export const startsCapital = (text: string | undefined) => isCapital(text?.charCodeAt(0) ?? 0);
/** Whether a word may start a name: an ASCII capital or a non-ASCII letter ("Åland", "Şaḩam"). */
export const mayStartName = (word: string) => startsCapital(word) || word.charCodeAt(0) >= 0x80;

/** UTF-8 bytes of a string as a byte string. */
export function byteString(text: string): string {
  return Buffer.from(text, "utf8").toString("latin1");
}

/** The text a byte string's UTF-8 bytes spell (byteString's inverse). */
export function textOfBytes(bytes: string): string {
  return Buffer.from(bytes, "latin1").toString("utf8");
}

const WORD = /\d+(?:\.\d+)*|[A-Z][a-z\x80-\xff]*|[a-z\x80-\xff]+/g;

/** The words of a byte string, plus numbers joined across `,` thousands separators. */
export function wordsOf(bytes: string): string[] {
  const words: string[] = bytes.match(WORD) ?? [];
  for (const grouped of bytes.match(/\d{1,3}(?:,\d{3})+/g) ?? []) words.push(grouped.replaceAll(",", ""));
  return words;
}

/** A text's bytes with its citation markers blanked: "[1]" is written freely, never copied as a number. */
export function uncitedBytes(text: string): string {
  return byteString(text.replace(/\[\d+\]/g, " "));
}

/** Every non-empty prefix of the words, added to `into` (a new set by default). */
export function prefixesOf(words: Iterable<string>, into = new Set<string>()): Set<string> {
  for (const word of words)
    for (let length = 1; length <= word.length; length++) into.add(word.slice(0, length));
  return into;
}

/** Lower-case words that join the parts of a name: Rio de Janeiro, Turks and Caicos, São José dos Pinhais. */
const JOINER_LIST =
  "a al and da das de del della den der des di do dos du e el en la las le les los of the van von y";
const JOINERS = JOINER_LIST.split(" ");
export const JOINER = new RegExp(`^(?:${JOINERS.join("|")})$`);
export const JOINER_PREFIXES = prefixesOf(JOINERS);
const TOKEN = /\d+(?:\.\d+)*|[A-Z][a-z\x80-\xff]*|[a-z\x80-\xff]+|[^\sA-Za-z\d\x80-\xff]/g;

/** A text's tokens, citation markers blanked: words as WORD splits them, and each other character. */
export const tokensOf = (text: string) => [...uncitedBytes(text).matchAll(TOKEN)];

/**
 * The words after which a value may end: those that some context text ends a name or a phrase with.
 * A word does not end one where the text goes on with a capitalised word, directly or across joiners
 * and hyphens ("Bandar" in "Bandar Seri Begawan", "São José" in "São José dos Pinhais", "Porto" in
 * "Porto-Novo"); it does before punctuation, a number, another lower-case word or the end of the text
 * — except inside a hit's labelled value, which runs to its punctuation ("Philippine" in "Currency:
 * Philippine peso (PHP)."). An answer's value (before its citations, or at its end) must end with one
 * of these words: a name is copied whole, as numbers are.
 */
export function endingWords(contextTexts: readonly string[]): Set<string> {
  return readContext(contextTexts).ending;
}

/**
 * The capitalised words that every context text continues with another name, across hyphens and
 * joiners ("South" in "South Africa", "French" in "French Southern and Antarctic Lands"): a call may
 * not stop a name there. Only a hit line (`[n] …`) joins names with "and": in a question, "Lyon and
 * Nice" are two names. A capital glued to the next one is a formula's symbol ("Zn" of "ZnYb2"), whole.
 */
export function continuingNames(contextTexts: readonly string[]): Set<string> {
  return readContext(contextTexts).continuing;
}

/**
 * For each word of letters, the words of letters that follow it in a phrase of some context text: next
 * in the same line, with only spaces, commas, hyphens, apostrophes, slashes or full stops between
 * ("Washington, D.C.", "Sana'a"; not across "Capital: " or "(source"). A value copied whole writes its
 * words in such pairs: "South African rand", not "South African Currency".
 */
export function phrasePairs(contextTexts: readonly string[]): Map<string, Set<string>> {
  return readContext(contextTexts).pairs;
}

/** What may separate two words of one phrase (phrasePairs). */
export const PHRASE_GAP = /^[ ,.'/-]*$/;
/** Whether a word (or token) starts with a letter: ASCII or any non-ASCII byte. */
export const isLetters = (text: string | undefined) => /^[a-zA-Z\x80-\xff]/.test(text ?? "");
/** Whether a text starts with a word's character: a digit or a letter. */
export const isWordStart = (text: string | undefined) => /^[\da-zA-Z\x80-\xff]/.test(text ?? "");

export interface Context {
  /** The words a grounded text may copy. */
  words: Set<string>;
  /** The words a value may end with (endingWords). */
  ending: Set<string>;
  /** The names a call may not stop at (continuingNames). */
  continuing: Set<string>;
  /** For each letters' word, the letters' words that follow it in a phrase of the context (phrasePairs). */
  pairs: Map<string, Set<string>>;
}

/** In one pass over the texts: the words a grounded text may copy, where values end, where names go on. */
export function readContext(contextTexts: readonly string[]): Context {
  const words = new Set<string>();
  const ending = new Set<string>();
  const continued = new Set<string>();
  const stopped = new Set<string>();
  const pairs = new Map<string, Set<string>>();
  for (const text of contextTexts) {
    for (const line of text.split("\n")) {
      const bytes = uncitedBytes(line);
      for (const word of wordsOf(bytes)) words.add(word);
      let previous: RegExpExecArray | undefined;
      for (const word of bytes.matchAll(WORD)) {
        const gap = previous && bytes.slice(previous.index + previous[0].length, word.index);
        if (previous && isLetters(previous[0]) && isLetters(word[0]) && PHRASE_GAP.test(gap!))
          pairs.get(previous[0])?.add(word[0]) ?? pairs.set(previous[0], new Set([word[0]]));
        previous = word;
      }
      const tokens = [...bytes.matchAll(TOKEN)];
      const isWord = (index: number) => isWordStart(tokens[index]?.[0]);
      /** Whether token `index` is a hyphen or apostrophe written between two letters' words. */
      const isJoint = (index: number) =>
        (tokens[index]?.[0] === "-" || tokens[index]?.[0] === "'") &&
        tokens[index].index === tokens[index - 1].index + tokens[index - 1][0].length &&
        isWord(index + 1);
      const isHitLine = /^\[\d+\] /.test(line);
      const isLettersAt = (index: number) => isLetters(tokens[index]?.[0]);
      /** Inside a hit's labelled value ("Currency: Philippine peso (PHP)."): from the colon to ( ) . , ; */
      let inValue = false;
      tokens.forEach((token, index) => {
        if (!isWord(index)) {
          if (token[0] === ":") inValue = isHitLine;
          else if ("().,;".includes(token[0])) inValue = false;
          return;
        }
        let next = index + 1;
        while (next < tokens.length && (isJoint(next) || (JOINER.test(tokens[next][0]) && isWord(next + 1))))
          next++;
        const continues = startsCapital(tokens[next]?.[0]);
        // A labelled value's words run to its end: "Philippine" does not end "Philippine peso".
        if (!continues && !(inValue && isLettersAt(index) && isLettersAt(index + 1))) ending.add(token[0]);
        if (!startsCapital(token[0])) return;
        const glued = isWord(index + 1) && tokens[index + 1].index === token.index + token[0].length;
        const byAnd = !isHitLine && tokens.slice(index + 1, next).some((joiner) => joiner[0] === "and");
        (continues && !glued && !byAnd ? continued : stopped).add(token[0]);
      });
      for (const grouped of bytes.match(/\d{1,3}(?:,\d{3})+/g) ?? []) ending.add(grouped.replaceAll(",", ""));
    }
  }
  const continuing = new Set([...continued].filter((word) => !stopped.has(word)));
  return { words, ending, continuing, pairs };
}

/** The numbered hits of a search's result, as formatHits writes them: "[n] passage (source: …)". */
export function hitsOf(text: string): Array<{ number: string; passage: string }> {
  const hits: Array<{ number: string; passage: string }> = [];
  for (const line of text.split("\n")) {
    const hit = line.match(/^\[(\d+)\] (.*?)(?:\s*\(source: .*)?$/);
    if (hit) hits.push({ number: hit[1]!, passage: hit[2]! });
  }
  return hits;
}

/**
 * What an answer's value may open and end with, from the step before it (answerOpenings): the first
 * words of the values it may be, the last words of those (any, when undefined), and whether a number
 * may open it instead. An answer opening with a procedure word (an abstention) is not bound by them.
 */
export interface AnswerOpenings {
  first: Set<string>;
  last?: Set<string>;
  numbers: boolean;
}

/** One conversation as the assistant lives it, in order: what it reads, the calls and answers it writes. */
export type GroundingTrace = Array<{ role: "read" | "call" | "answer"; text: string }>;

/**
 * What the answer after the last step may be, when that step says:
 * - a search whose query's last word names the label of a sentence of the hits read right after it
 *   (singular or plural: `currency`, "Currencies:") asked for that field: the answer is one of its
 *   values, whole. `country Philippines currency` then "… Currency: Philippine peso (PHP)." gives
 *   Philippine peso, not Philippines; each value of a list is one ("Capital: Pretoria, Bloemfontein,
 *   Cape Town."), a code in brackets none, and a value that opens with a number is that number
 *   ("Area: 342353 square kilometres." gives 342353 alone);
 * - a calculation (a call with no letters): the answer is a number, or a name the question wrote,
 *   from its start (nameStarts: "Oman" of "Is Oman or Ukraine larger?"; not "Hungary" from a hit, nor
 *   "Kitts" of "Saint Kitts").
 * Undefined after anything else.
 */
export function answerOpenings(
  trace: GroundingTrace,
  wording: ReadonlySet<string>,
): AnswerOpenings | undefined {
  const [call, read] = [trace.at(-2), trace.at(-1)];
  if (call?.role !== "call" || read?.role !== "read") return undefined;
  if (!/[\p{L}]/u.test(call.text)) {
    const question = trace.find((turn) => turn.role === "read")?.text ?? "";
    return { first: nameStarts(question, wording), numbers: true };
  }
  const field = call.text.toLowerCase().match(/[\p{L}\p{N}]+$/u)?.[0];
  if (field === undefined) return undefined;
  /** A word's possible singulars, itself included: a label names the field in either number. */
  const forms = (word: string) => [
    word,
    word.replace(/s$/, ""),
    word.replace(/es$/, ""),
    word.replace(/ies$/, "y"),
  ];
  const fieldForms = new Set(forms(field));
  /** Whether a label's word names the field ("Currencies" names `currency`). */
  const names = (word: string) => forms(word).some((form) => fieldForms.has(form));
  const first = new Set<string>();
  const last = new Set<string>();
  for (const { passage } of hitsOf(read.text)) {
    for (const sentence of sentencesOf(passage)) {
      const labelled = labelOf(sentence);
      if (!labelled?.label.toLowerCase().split(" ").some(names)) continue;
      const listed = labelled.value.replace(/\.$/, "").replace(/\s*\([^)]*\)/g, "");
      for (const value of listed.split(/,\s+(?=[\p{Lu}\d])/u)) {
        const words = byteString(value).match(WORD) ?? [];
        const [opening, closing] = [words[0], words.at(-1)];
        if (opening === undefined || closing === undefined) continue;
        first.add(opening);
        last.add(/^\d/.test(opening) ? opening : closing);
      }
    }
  }
  return first.size > 0 ? { first, last, numbers: false } : undefined;
}

/**
 * The words that start a name in a question: capitalised, and not after another name's word, directly
 * or across a joiner or hyphen ("Oman", "Saint" of "Is Oman or Saint Kitts and Nevis larger?"; not
 * "Kitts"). "and" parts names here, as in continuingNames: "Lyon and Nice" are two, so "Nevis" starts
 * one too. The question's first word continues no name, and its wording ("Is", "Which") is none.
 */
export function nameStarts(question: string, wording: ReadonlySet<string>): Set<string> {
  const starts = new Set<string>();
  const tokens = tokensOf(question);
  const text = (index: number) => tokens[index]?.[0] ?? "";
  const isName = (index: number) => mayStartName(text(index)) && !wording.has(text(index));
  const joinsName = (token: string) =>
    token === "-" || token === "'" || (token !== "and" && JOINER.test(token));
  const glued = (index: number) => tokens[index]!.index + text(index).length === tokens[index + 1]?.index;
  tokens.forEach((_, index) => {
    if (!isName(index)) return;
    let before = index - 1;
    while (before > 0 && joinsName(text(before))) before--;
    if (before > 0 && isName(before)) return;
    // A name may open with lower-case letters glued to it: "'s-Hertogenbosch" opens with "s".
    let first = index;
    while (first > 0 && glued(first - 1) && (joinsName(text(first - 1)) || /^[a-z]+$/.test(text(first - 1))))
      first--;
    starts.add(text(tokens.slice(first, index + 1).findIndex((token) => isWordStart(token[0])) + first));
  });
  return starts;
}
