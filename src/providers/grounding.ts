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
 * Words are copied as phrases (phrasePairs): each word of an answer's value follows the one before it
 * somewhere in the context ("South African rand", never "South African Currency"), with no punctuation
 * but a name's, and only citations after its first citation; in a call, a lower-case word of a name
 * follows its neighbour as in the context, and the questions' own wording ("Compute", learned with the
 * procedure words) is never copied. The step before an answer bounds it (answerOpenings): after a search
 * that asked for a field, the answer is one of its values ("Philippine peso", not "Philippines"); after a
 * calculation, a number or one of the question's names.
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
import {
  type AnswerOpenings,
  answerOpenings,
  byteString,
  type Context,
  type GroundingTrace,
  hitsOf,
  isCapital,
  isLetters,
  isWordStart,
  JOINER,
  JOINER_PREFIXES,
  mayStartName,
  PHRASE_GAP,
  prefixesOf,
  readContext,
  startsCapital,
  wordsOf,
} from "./grounding-context.ts";
import type { ProcedureWords } from "./procedure-words.ts";

export type { GroundingTrace } from "./grounding-context.ts";
export {
  byteString,
  continuingNames,
  endingWords,
  nameStarts,
  phrasePairs,
  uncitedBytes,
  wordsOf,
} from "./grounding-context.ts";

/** The partial word at the end of the text so far ("" between words), and the words finished before it. */
export interface GroundingState {
  readonly word: string;
  readonly written?: readonly string[];
  /** In a call: the last word begins a name the context always continues (a call copies names whole). */
  readonly nameOpen?: boolean;
  /**
   * The context word the text's phrase so far ends with, when phrases are copied (phrasePairs): the next
   * word of the phrase must follow it somewhere in the context.
   */
  readonly phraseEnd?: string;
  /** In an answer: a citation was written, so only more citations may follow. */
  readonly cited?: boolean;
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

/** The characters of a call's argument: words, a name's punctuation (PHRASE_GAP) and arithmetic. */
const CALL_CHAR = /^[\da-zA-Z\x80-\xff\s,.'/()*+^%-]$/;

/**
 * Grounding for the core's call arguments and answer, from the conversation so far (what the model
 * read, in order, and its calls' arguments): the context is read once for both.
 */
export function groundingFor(
  trace: GroundingTrace,
  procedureWords: ProcedureWords,
): { call: Grounding; answer: Grounding } {
  const context = readContext(trace.filter((turn) => turn.role === "read").map((turn) => turn.text));
  const wording = new Set((procedureWords.wording ?? []).map(byteString));
  return {
    call: groundingOver(context, procedureWords.call, { names: true, barred: wording }),
    answer: groundingOver(context, procedureWords.answer, {
      citable: citableHits(trace, procedureWords.call),
      wholeValues: true,
      openings: answerOpenings(trace, wording),
    }),
  };
}

export function createGrounding(
  contextTexts: readonly string[],
  procedureWords: readonly string[],
  /** The hits citations may name (citableHits); default: any number. */
  citable?: readonly Citable[],
  /**
   * Whether an answer's value is copied whole: it ends where a value ends in the context (endingWords),
   * its words follow each other as they do in the context (phrasePairs), and nothing but citations
   * follows its first citation. Default false.
   */
  wholeValues = false,
): Grounding {
  return groundingOver(readContext(contextTexts), procedureWords, { citable, wholeValues });
}

interface GroundingOptions {
  /** The hits citations may name (citableHits); default: any number. */
  citable?: readonly Citable[];
  /** An answer's value is copied whole (createGrounding's wholeValues). Default false. */
  wholeValues?: boolean;
  /**
   * A call's names are copied whole (continuingNames), and a lower-case word of a name follows the word
   * before it as in the context (phrasePairs: "French and Antarctic" is refused); a capitalised word may
   * start another name ("city Dublin Ireland"). Default false.
   */
  names?: boolean;
  /** Words (byte strings) never written, though the context has them: a question's wording in a call. Default: none. */
  barred?: ReadonlySet<string>;
  /**
   * What the answer may be after the last step (answerOpenings): unless a procedure word opens it (an
   * abstention), it opens with one of `first` (or a number, where `numbers`) and then ends with one of
   * `last`, when given. Default: any grounded value.
   */
  openings?: AnswerOpenings;
}

function groundingOver(
  context: Context,
  procedureWords: readonly string[],
  options: GroundingOptions,
): Grounding {
  const { citable, wholeValues = false, names = false, openings } = options;
  const own = procedureWords.flatMap((word) => wordsOf(byteString(word)));
  const ownWords = new Set(own);
  const words = new Set([...context.words, ...own]);
  for (const word of options.barred ?? []) words.delete(word);
  const ending = wholeValues ? new Set([...context.ending, ...own]) : undefined;
  const continuing = names ? context.continuing : undefined;
  const pairs = wholeValues || names ? context.pairs : undefined;
  const tracksWords = citable !== undefined || ending !== undefined;
  /** The prefixes an answer's first word may have (openings): a value's, or a procedure word's. */
  const firstPrefixes = openings && prefixesOf([...openings.first, ...own]);
  /** Whether a word outside `openings.first` may open the answer: a procedure word, or a number where allowed. */
  const mayOpen = (word: string) => (openings?.numbers && isDigit(word.charCodeAt(0))) || ownWords.has(word);
  /** Whether the value so far may end here: its last word (`word`, or the last one written) ends one. */
  const mayEndValue = (word: string, written: readonly string[]) => {
    if (!ending) return true;
    const last = word !== "" && word !== "." ? word.replace(/\.$/, "") : written.at(-1);
    if (last === undefined) return true;
    if (openings) {
      const first = written[0] ?? last;
      if (openings.first.has(first) ? openings.last?.has(last) === false : !mayOpen(first)) return false;
    }
    return ending.has(last);
  };
  const prefixes = prefixesOf(words);
  const start: GroundingState = { word: "" };
  /** Per phrase end: the prefixes of the words that may follow it (its pairs, or a procedure word). */
  const nextPrefixes = new Map<string, Set<string>>();
  const mayFollowPhrase = (end: string, word: string) => {
    if (names && mayStartName(word)) return true;
    let allowed = nextPrefixes.get(end);
    if (!allowed) {
      allowed = prefixesOf([...(names ? own : []), ...(pairs?.get(end) ?? [])]);
      nextPrefixes.set(end, allowed);
    }
    return allowed.has(word);
  };
  /** Whether a finished word may follow the phrase's end: a pair of the context, a procedure word or no letters. */
  const followsPhrase = (end: string, word: string) =>
    !isLetters(word) ||
    (names && (ownWords.has(word) || mayStartName(word))) ||
    (pairs?.get(end)?.has(word) ?? false);
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
    let phraseEnd = state.phraseEnd;
    let cited = state.cited ?? false;
    for (let index = 0; index < bytes.length && word !== null; index++) {
      const before: string = word;
      const char = bytes[index];
      // After a value's citations, only more citations (wholeValues): "133697 [1][4]", then the end.
      if (cited && before === "" && char !== " " && char !== "[") return null;
      // A value copied whole has no punctuation but a name's (PHRASE_GAP), a number's and its citations'.
      if (
        wholeValues &&
        !before.startsWith("[") &&
        !PHRASE_GAP.test(char) &&
        char !== "[" &&
        !isWordStart(char)
      )
        return null;
      // A call writes names, numbers and arithmetic: no brackets, colons or quotes copied from a hit.
      if (names && !CALL_CHAR.test(char)) return null;
      word = step(word, bytes.charCodeAt(index), char, written);
      if (word === null) return null;
      // A word ends when the next character does not extend it.
      const finished = before !== "" && before !== "." && !before.startsWith("[") && !word.startsWith(before);
      const done = finished ? (before.endsWith(".") ? before.slice(0, -1) : before) : "";
      if (tracksWords && finished) written = [...written, done];
      // The answer's first word opens what the last step allows (openings).
      if (
        firstPrefixes &&
        written.length === 0 &&
        /^[^[.]/.test(word) &&
        !firstPrefixes.has(word) &&
        !mayOpen(word)
      )
        return null;
      if (wholeValues && before.startsWith("[") && word === "") cited = true;
      if (pairs) {
        // A phrase goes on through the context's pairs; a procedure word or a number ends it.
        if (finished) {
          if (phraseEnd !== undefined && !followsPhrase(phraseEnd, done)) return null;
          phraseEnd = isLetters(done) && !ownWords.has(done) ? done : undefined;
        }
        const between = word === "" || word === ".";
        if (between ? !PHRASE_GAP.test(char) : !isLetters(word)) phraseEnd = undefined;
        else if (!between && phraseEnd !== undefined && !mayFollowPhrase(phraseEnd, word)) return null;
      }
      if (!continuing) continue;
      if (finished) nameOpen = nameAfter(nameOpen, done);
      if (nameOpen === null || (nameOpen && (char === ")" || !mayFollowName(word)))) return null;
    }
    if (word === null) return null;
    const open = nameOpen === true;
    if (
      word === state.word &&
      written === state.written &&
      open === (state.nameOpen ?? false) &&
      phraseEnd === state.phraseEnd &&
      cited === (state.cited ?? false)
    )
      return state;
    return {
      word,
      written,
      ...(continuing ? { nameOpen: open } : {}),
      ...(phraseEnd !== undefined ? { phraseEnd } : {}),
      ...(cited ? { cited } : {}),
    };
  }

  const canEnd = (state: GroundingState) =>
    (state.word === "" || state.word === "." || (!state.word.startsWith("[") && complete(state.word))) &&
    (state.phraseEnd === undefined || followsPhrase(state.phraseEnd, state.word)) &&
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
      for (const { number, passage } of hitsOf(turn.text))
        hits.push({ number, words: new Set(wordsOf(byteString(passage))), supported: false });
      continue;
    }
    const named = wordsOf(byteString(turn.text)).filter((word) => !own.has(word));
    for (const hit of hits) if (named.some((word) => hit.words.has(word))) hit.supported = true;
  }
  return hits;
}
