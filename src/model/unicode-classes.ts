/**
 * Code point classes as llama.cpp sees them: letter (\p{L}), number (\p{N}) and whitespace (\s, the Unicode
 * White_Space property). Letter and number ranges come from llama.cpp's own Unicode table (generated into
 * unicode-classes.data.ts), not from the JavaScript engine, whose Unicode version differs.
 */
import { LETTER_RANGES, NUMBER_RANGES } from "./unicode-classes.data.ts";

export const LETTER = 1;
export const NUMBER = 2;
export const WHITESPACE = 4;

const MAX_CODEPOINTS = 0x110000;

/** llama.cpp's whitespace set (the Unicode White_Space property). */
const WHITESPACE_CODEPOINTS = [
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005,
  0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
];

let classTable: Uint8Array | undefined;

function fillRanges(table: Uint8Array, encoded: string, flag: number): void {
  let position = 0;
  const bounds = encoded.split(",").map((delta) => {
    position += Number.parseInt(delta, 36);
    return position;
  });
  for (let index = 0; index + 1 < bounds.length; index += 2) {
    for (let codepoint = bounds[index]; codepoint < bounds[index + 1]; codepoint++) table[codepoint] |= flag;
  }
}

/** (0x110000) class bits (LETTER | NUMBER | WHITESPACE) of every code point, built on first use. */
export function codepointClasses(): Uint8Array {
  if (classTable) return classTable;
  const table = new Uint8Array(MAX_CODEPOINTS);
  fillRanges(table, LETTER_RANGES, LETTER);
  fillRanges(table, NUMBER_RANGES, NUMBER);
  for (const codepoint of WHITESPACE_CODEPOINTS) table[codepoint] |= WHITESPACE;
  classTable = table;
  return table;
}
