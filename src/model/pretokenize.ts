/**
 * Pre-tokenisation: how text is cut into words before BPE merges apply inside each word. We use llama.cpp's
 * `qwen2` pre-tokenizer (GGUF `tokenizer.ggml.pre = "qwen2"`), whose regex is
 *
 *   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 *
 * Every digit is its own word (\p{N}), so numbers are always spelled digit by digit, which helps a small
 * model copy and compute them. This is a step-by-step port of llama.cpp's hand-written matcher for that
 * regex (`unicode_regex_split_custom_qwen2` in src/unicode.cpp), with llama.cpp's Unicode classes, so that
 * llama.cpp and Ollama cut any text exactly as we do.
 */
import { codepointClasses, LETTER, NUMBER, WHITESPACE } from "./unicode-classes.ts";

/** The llama.cpp pre-tokenizer name written into GGUF files. */
export const PRE_TOKENIZER = "qwen2";

/**
 * The same rule as a regex, written into GGUF files as `tokenizer.ggml.pretokenizer` for runtimes that take
 * the regex itself rather than llama.cpp's name (Ollama's Go engine, which otherwise groups digits by 3).
 */
export const PRE_TOKENIZER_REGEX =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

const OUT_OF_RANGE = -1;
const CARRIAGE_RETURN = 0x0d;
const LINE_FEED = 0x0a;
const APOSTROPHE = 0x27;
const SPACE = 0x20;

function isLineBreak(codepoint: number): boolean {
  return codepoint === CARRIAGE_RETURN || codepoint === LINE_FEED;
}

/** ASCII lower case, which is all the contraction rule needs (only A-Z lower-case to s t m d r v e l). */
function lower(codepoint: number): number {
  return codepoint >= 0x41 && codepoint <= 0x5a ? codepoint + 32 : codepoint;
}

/** Length (2 or 3) of a contraction such as 's or 'LL starting at `position`, or 0. */
function contractionLength(codepoints: Uint32Array, position: number): number {
  const end = codepoints.length;
  if (codepoints[position] !== APOSTROPHE || position + 1 >= end) return 0;
  const next = lower(codepoints[position + 1]);
  if (next === 0x73 || next === 0x74 || next === 0x6d || next === 0x64) return 2; // s t m d
  if (position + 2 >= end) return 0;
  const nextNext = lower(codepoints[position + 2]);
  const pair = (next === 0x72 || next === 0x76) && nextNext === 0x65; // re ve
  return pair || (next === 0x6c && nextNext === 0x6c) ? 3 : 0; // ll
}

/**
 * Cuts one text fragment (code points, special tokens already removed) into words.
 * Returns the end index (exclusive, in code points) of each word, in order.
 */
export function splitWordEnds(codepoints: Uint32Array): number[] {
  const classes = codepointClasses();
  const end = codepoints.length;
  const at = (position: number) => (position < end ? codepoints[position] : OUT_OF_RANGE);
  // Class bits of a code point; 0 past the end (llama.cpp's empty flags).
  const classOf = (position: number) => (position < end ? classes[codepoints[position]] : 0);
  const inRange = (position: number) => position < end;
  const ends: number[] = [];
  let position = 0;
  while (position < end) {
    const codepoint = codepoints[position];
    const flags = classOf(position);
    const contraction = contractionLength(codepoints, position);
    if (contraction > 0) {
      position += contraction;
      ends.push(position);
      continue;
    }
    // [^\r\n\p{L}\p{N}]?\p{L}+
    if (!isLineBreak(codepoint) && !(flags & NUMBER) && (flags & LETTER || classOf(position + 1) & LETTER)) {
      position++;
      while (classOf(position) & LETTER) position++;
      ends.push(position);
      continue;
    }
    // \p{N}
    if (flags & NUMBER) {
      ends.push(++position);
      continue;
    }
    // <space>?[^\s\p{L}\p{N}]+[\r\n]*
    let flags2 = codepoint === SPACE ? classOf(position + 1) : flags;
    let defined2 = codepoint === SPACE ? inRange(position + 1) : true;
    if (!(flags2 & (WHITESPACE | LETTER | NUMBER))) {
      if (codepoint === SPACE) position++;
      while (defined2 && !(flags2 & (WHITESPACE | LETTER | NUMBER))) {
        position++;
        flags2 = classOf(position);
        defined2 = inRange(position);
      }
      while (isLineBreak(at(position))) position++;
      ends.push(position);
      continue;
    }
    position = matchWhitespace(codepoints, position, classOf);
    ends.push(position);
  }
  return ends;
}

/** The whitespace alternatives \s*[\r\n]+ | \s+(?!\S) | \s+ | (no match: one code point). Returns the new end. */
function matchWhitespace(
  codepoints: Uint32Array,
  position: number,
  classOf: (position: number) => number,
): number {
  const end = codepoints.length;
  let count = 0;
  let lastLineBreakEnd = 0;
  while (classOf(position + count) & WHITESPACE) {
    if (isLineBreak(codepoints[position + count])) lastLineBreakEnd = position + count + 1;
    count++;
  }
  if (lastLineBreakEnd > 0) return lastLineBreakEnd;
  if (count > 1 && position + count < end) return position + count - 1;
  if (count > 0) return position + count;
  return position + 1;
}

/** Code points of a string; lone UTF-16 surrogates become U+FFFD, as TextEncoder and N-API convert them. */
export function toCodepoints(text: string): Uint32Array {
  const codepoints = new Uint32Array(text.length);
  let count = 0;
  for (let index = 0; index < text.length; index++) {
    let codepoint = text.charCodeAt(index);
    if (codepoint >= 0xd800 && codepoint <= 0xdfff) {
      const next = index + 1 < text.length ? text.charCodeAt(index + 1) : 0;
      if (codepoint <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        codepoint = 0x10000 + ((codepoint - 0xd800) << 10) + (next - 0xdc00);
        index++;
      } else {
        codepoint = 0xfffd;
      }
    }
    codepoints[count++] = codepoint;
  }
  return codepoints.subarray(0, count);
}

/** Cuts a text fragment into words (strings); lone surrogates become U+FFFD. */
export function pretokenize(text: string): string[] {
  const codepoints = toCodepoints(text);
  const words: string[] = [];
  let start = 0;
  for (const wordEnd of splitWordEnds(codepoints)) {
    words.push(codepointsToString(codepoints, start, wordEnd));
    start = wordEnd;
  }
  return words;
}

/** The string of codepoints[start, end), converted in chunks so that a long word cannot overflow the stack. */
export function codepointsToString(codepoints: Uint32Array, start: number, end: number): string {
  let text = "";
  for (let chunk = start; chunk < end; chunk += 4096) {
    text += String.fromCodePoint(...codepoints.subarray(chunk, Math.min(end, chunk + 4096)));
  }
  return text;
}
