/**
 * Grounded decoding: every word the core writes in a call's argument or in its answer is a word of the
 * conversation (the question, the tool results) or one of the model's procedure words (the few words its
 * procedures write themselves: `city`, `element`, the abstention sentence, …). A small model learns
 * *which* span to copy long before it copies every byte of a name it has never seen; the mask makes the
 * copy exact. It constrains form, never content: the model still chooses what to search, which numbers
 * to compute with and what to answer, and the agent still checks that the answer is supported.
 *
 * Words are numbers (digits, with their decimal points: 55.845 is one word) and runs of letters ([a-z]
 * and every byte ≥ 0x80, so that any non-ASCII letter is one, after an optional ASCII capital: a
 * capital starts a new word). Everything else separates words. "H2SO4" is the words H, 2, S, O, 4;
 * "472,317" is 472 and 317 and, joined, 472317. A number is copied whole: 55.8 is not a word of 55.845.
 * An answer's name is copied whole too: its value may end only with a word that ends a value somewhere
 * in the context (endingWords), so "Bandar" cannot end an answer copied from "Bandar Seri Begawan is…".
 * A call's names are whole in the same way: after a capitalised word that the context only ever
 * continues with another name (continuingNames: "South" of "South Africa"), the call goes on with that
 * name, not with a field word, a number or the call's end ("country South capital" is refused).
 *
 *   const grounding = createGrounding(contextTexts, procedureWords);
 *   let state = grounding.start;
 *   const mask = grounding.mask(state, tokenBytes);         // 1 where the token keeps every word grounded
 *   state = grounding.advance(state, tokenBytes[chosen])!;
 *   grounding.canEnd(state)                                 // the text may end here
 *
 * Token texts are "byte strings": one char per byte (Latin-1), so partial UTF-8 sequences compare exactly.
 */
import type { Tokenizer } from "../model/tokenizer.ts";
import type { ProcedureWords } from "./procedure-words.ts";

/** The partial word at the end of the text so far ("" between words), and the words finished before it. */
export interface GroundingState {
  readonly word: string;
  readonly written?: readonly string[];
  /** In a call: the last word begins a name the context always continues (a call copies names whole). */
  readonly nameOpen?: boolean;
}

/**
 * A hit the answer may cite as `[number]`: one whose passage holds a word the model wrote after reading
 * it (a later call's argument, procedure words aside: `supported`), or a word of the answer itself.
 */
export interface Citable {
  number: string;
  words: ReadonlySet<string>;
  supported: boolean;
}

export interface Grounding {
  readonly start: GroundingState;
  /** The state after `bytes` (a byte string), or null when a word would leave the grounded ones. */
  advance(state: GroundingState, bytes: string): GroundingState | null;
  /** Whether the text may end in this state (its last word is complete). */
  canEnd(state: GroundingState): boolean;
  /** For each token's byte string, 1 when it may follow `state`. */
  mask(state: GroundingState, tokenBytes: readonly string[]): Uint8Array;
}

const isDigit = (code: number) => code >= 48 && code <= 57;
/** A letter that continues a word: lower-case ASCII or any byte of a non-ASCII character. */
const isLower = (code: number) => (code >= 97 && code <= 122) || code >= 0x80;
const isCapital = (code: number) => code >= 65 && code <= 90;
/** Whether a text starts with an ASCII capital (a name's word, as WORD and TOKEN split them). */
const startsCapital = (text: string | undefined) => isCapital(text?.charCodeAt(0) ?? 0);

/** UTF-8 bytes of a string as a byte string. */
export function byteString(text: string): string {
  return Buffer.from(text, "utf8").toString("latin1");
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

/**
 * Grounding for the core's call arguments and answer, from the conversation so far (what the model
 * read, in order, and its calls' arguments): the context is read once for both.
 */
export function groundingFor(
  trace: GroundingTrace,
  procedureWords: ProcedureWords,
): { call: Grounding; answer: Grounding } {
  const context = readContext(trace.filter((turn) => turn.role === "read").map((turn) => turn.text));
  return {
    call: groundingOver(context.words, procedureWords.call, undefined, undefined, context.continuing),
    answer: groundingOver(
      context.words,
      procedureWords.answer,
      citableHits(trace, procedureWords.call),
      context.ending,
    ),
  };
}

export function createGrounding(
  contextTexts: readonly string[],
  procedureWords: readonly string[],
  /** The hits citations may name (citableHits); default: any number. */
  citable?: readonly Citable[],
  /** Whether an answer's value must end where a value ends in the context (endingWords). Default false. */
  wholeValues = false,
): Grounding {
  const context = readContext(contextTexts);
  return groundingOver(context.words, procedureWords, citable, wholeValues ? context.ending : undefined);
}

/** Lower-case words that join the parts of a name: Rio de Janeiro, Turks and Caicos, São José dos Pinhais. */
const JOINER_LIST =
  "a al and da das de del della den der des di do dos du e el en la las le les los of the van von y";
const JOINERS = JOINER_LIST.split(" ");
const JOINER = new RegExp(`^(?:${JOINERS.join("|")})$`);
const JOINER_PREFIXES = new Set(JOINERS.flatMap((word) => [...word].map((_, end) => word.slice(0, end + 1))));
const TOKEN = /\d+(?:\.\d+)*|[A-Z][a-z\x80-\xff]*|[a-z\x80-\xff]+|[^\sA-Za-z\d\x80-\xff]/g;

/**
 * The words after which a value may end: those that some context text ends a name or a phrase with.
 * A word does not end one where the text goes on with a capitalised word, directly or across joiners
 * and hyphens ("Bandar" in "Bandar Seri Begawan", "São José" in "São José dos Pinhais", "Porto" in
 * "Porto-Novo"); it does before punctuation, a number, another lower-case word or the end of the text
 * — except inside a hit's labelled value, which runs to its punctuation ("Philippine" in "Currency:
 * Philippine peso (PHP)."). An answer's value (before its citations, or at its end) must end with one of these words: a name is
 * copied whole, as numbers are.
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

interface Context {
  /** The words a grounded text may copy. */
  words: Set<string>;
  /** The words a value may end with (endingWords). */
  ending: Set<string>;
  /** The names a call may not stop at (continuingNames). */
  continuing: Set<string>;
}

/** In one pass over the texts: the words a grounded text may copy, where values end, where names go on. */
function readContext(contextTexts: readonly string[]): Context {
  const words = new Set<string>();
  const ending = new Set<string>();
  const continued = new Set<string>();
  const stopped = new Set<string>();
  for (const text of contextTexts) {
    for (const line of text.split("\n")) {
      const bytes = uncitedBytes(line);
      for (const word of wordsOf(bytes)) words.add(word);
      const tokens = [...bytes.matchAll(TOKEN)];
      const isWord = (index: number) => /^[\da-zA-Z\x80-\xff]/.test(tokens[index]?.[0] ?? "");
      /** Whether token `index` is a hyphen or apostrophe written between two letters' words. */
      const isJoint = (index: number) =>
        (tokens[index]?.[0] === "-" || tokens[index]?.[0] === "'") &&
        tokens[index].index === tokens[index - 1].index + tokens[index - 1][0].length &&
        isWord(index + 1);
      const isHitLine = /^\[\d+\] /.test(line);
      const isLetters = (index: number) => /^[a-zA-Z\x80-\xff]/.test(tokens[index]?.[0] ?? "");
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
        if (!continues && !(inValue && isLetters(index) && isLetters(index + 1))) ending.add(token[0]);
        if (!startsCapital(token[0])) return;
        const glued = isWord(index + 1) && tokens[index + 1].index === token.index + token[0].length;
        const byAnd = !isHitLine && tokens.slice(index + 1, next).some((joiner) => joiner[0] === "and");
        (continues && !glued && !byAnd ? continued : stopped).add(token[0]);
      });
      for (const grouped of bytes.match(/\d{1,3}(?:,\d{3})+/g) ?? []) ending.add(grouped.replaceAll(",", ""));
    }
  }
  return { words, ending, continuing: new Set([...continued].filter((word) => !stopped.has(word))) };
}

function groundingOver(
  context: ReadonlySet<string>,
  procedureWords: readonly string[],
  citable?: readonly Citable[],
  /** The words a value may end with (endingWords); default: any. */
  endingContext?: ReadonlySet<string>,
  /** The names a call may not stop at (continuingNames); default: none. */
  continuing?: ReadonlySet<string>,
): Grounding {
  const own = procedureWords.flatMap((word) => wordsOf(byteString(word)));
  const words = new Set([...context, ...own]);
  const ending = endingContext && new Set([...endingContext, ...own]);
  const tracksWords = citable !== undefined || ending !== undefined;
  /** Whether the value so far may end here: its last word (`word`, or the last one written) ends one. */
  const mayEndValue = (word: string, written: readonly string[]) => {
    if (!ending) return true;
    const last = word !== "" && word !== "." ? word.replace(/\.$/, "") : written.at(-1);
    return last === undefined || ending.has(last);
  };
  const prefixes = new Set<string>();
  for (const word of words)
    for (let length = 1; length <= word.length; length++) prefixes.add(word.slice(0, length));
  const start: GroundingState = { word: "" };
  /** A finished word is grounded; a number's trailing "." was a full stop, not its decimal point. */
  const complete = (word: string) => words.has(word.endsWith(".") ? word.slice(0, -1) : word);

  /**
   * The state's `word` is the word being written, or "" between words, or "." right after a number's
   * full stop (no digit may follow: 19.2 is not 19 then 2), or "[…" inside a citation marker.
   */
  /** Whether `[n]` may cite hit n, given the answer's words so far; `partial`: n may still grow. */
  function mayCite(number: string, written: readonly string[], partial: boolean): boolean {
    if (!citable) return true;
    return citable.some(
      (hit) =>
        (partial ? hit.number.startsWith(number) : hit.number === number) &&
        (hit.supported || written.some((word) => hit.words.has(word))),
    );
  }

  function step(word: string, code: number, char: string, written: readonly string[]): string | null {
    if (word.startsWith("[")) {
      const number = word.slice(Math.max(word.lastIndexOf("["), word.lastIndexOf(",")) + 1).trim();
      if (isDigit(code)) return mayCite(number + char, written, true) ? word + char : null;
      if (code === 32) return word + char;
      if (code !== 44 && code !== 93) return null; // [1], [1, 2]
      if (number === "" || !mayCite(number, written, false)) return null;
      return code === 44 ? word + char : "";
    }
    if (word === ".") {
      if (isDigit(code)) return null;
      word = "";
    }
    if (word !== "") {
      const number = isDigit(word.charCodeAt(0));
      if (number && code === 46 && !word.endsWith(".")) {
        if (prefixes.has(`${word}.`)) return `${word}.`; // a decimal point, or a full stop: see `complete`
        return words.has(word) ? "." : null;
      }
      const continues = number ? isDigit(code) : isLower(code);
      if (continues) return prefixes.has(word + char) ? word + char : null;
      if (!complete(word)) return null;
      if (number && word.endsWith(".") && isDigit(code)) return null;
    }
    if (code === 91) return mayEndValue(word, written) ? "[" : null;
    if (!(isDigit(code) || isLower(code) || isCapital(code))) return "";
    return prefixes.has(char) ? char : null;
  }

  /**
   * Whether a name stays open after the finished word `done` (continuing), or null when `done` may
   * not follow the open name: only another capitalised word or a joiner goes on with it.
   */
  function nameAfter(open: boolean, done: string): boolean | null {
    const capitalised = startsCapital(done);
    if (open && !capitalised) return JOINER.test(done) ? true : null;
    return capitalised && continuing!.has(done);
  }

  /** Whether the word being written may follow an open name: a capital, or on the way to a joiner. */
  const mayFollowName = (word: string) => word === "" || startsCapital(word) || JOINER_PREFIXES.has(word);

  function advance(state: GroundingState, bytes: string): GroundingState | null {
    let word: string | null = state.word;
    let written = state.written ?? [];
    let nameOpen: boolean | null = state.nameOpen ?? false;
    for (let index = 0; index < bytes.length && word !== null; index++) {
      const before: string = word;
      word = step(word, bytes.charCodeAt(index), bytes[index], written);
      // A word ends when the next character does not extend it.
      const finished =
        word !== null &&
        before !== "" &&
        before !== "." &&
        !before.startsWith("[") &&
        !word.startsWith(before);
      const done = finished ? (before.endsWith(".") ? before.slice(0, -1) : before) : "";
      if (tracksWords && finished) written = [...written, done];
      if (!continuing || word === null) continue;
      if (finished) nameOpen = nameAfter(nameOpen, done);
      if (nameOpen === null || (nameOpen && (bytes[index] === ")" || !mayFollowName(word)))) return null;
    }
    if (word === null) return null;
    const open = nameOpen === true;
    if (word === state.word && written === state.written && open === (state.nameOpen ?? false)) return state;
    return continuing ? { word, written, nameOpen: open } : { word, written };
  }

  const canEnd = (state: GroundingState) =>
    (state.word === "" || state.word === "." || (!state.word.startsWith("[") && complete(state.word))) &&
    mayEndValue(state.word, state.written ?? []);
  return {
    start,
    advance,
    canEnd,
    mask(state, tokenBytes) {
      const allowed = new Uint8Array(tokenBytes.length);
      for (let id = 0; id < tokenBytes.length; id++)
        allowed[id] = tokenBytes[id].length > 0 && advance(state, tokenBytes[id]) !== null ? 1 : 0;
      return allowed;
    },
  };
}

/** Each token's bytes as a byte string ("" for special tokens). */
export function tokenByteStrings(tokenizer: Tokenizer): string[] {
  const texts: string[] = [];
  for (let id = 0; id < tokenizer.vocabSize; id++)
    texts.push(tokenizer.isSpecial(id) ? "" : Buffer.from(tokenizer.decodeToken(id)).toString("latin1"));
  return texts;
}

/** One conversation as the assistant lives it, in order: what it reads, the calls and answers it writes. */
export type GroundingTrace = Array<{ role: "read" | "call" | "answer"; text: string }>;

/**
 * The hits of a conversation that an answer may cite: every `[n] passage` line of what the model read,
 * `supported` when a later call of the model's names one of its words (procedure words aside).
 */
export function citableHits(trace: GroundingTrace, procedureWords: readonly string[]): Citable[] {
  const own = new Set(procedureWords.flatMap((word) => wordsOf(byteString(word))));
  const hits: Citable[] = [];
  for (const turn of trace) {
    if (turn.role === "answer") continue;
    if (turn.role === "read") {
      for (const line of turn.text.split("\n")) {
        const hit = line.match(/^\[(\d+)\] (.*)$/);
        if (hit) hits.push({ number: hit[1], words: new Set(wordsOf(byteString(hit[2]))), supported: false });
      }
      continue;
    }
    const named = wordsOf(byteString(turn.text)).filter((word) => !own.has(word));
    for (const hit of hits) if (named.some((word) => hit.words.has(word))) hit.supported = true;
  }
  return hits;
}
