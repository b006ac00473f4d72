import { describe, expect, it } from "vitest";
import { randomText, seededRandom } from "../../test/helpers/seeded-random.ts";
import { pretokenize, toCodepoints } from "./pretokenize.ts";

/** The qwen2 regex itself, with JavaScript's Unicode classes: a reference for text whose classes agree. */
const QWEN2_REGEX =
  /(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;

function regexSplit(text: string): string[] {
  return [...text.matchAll(QWEN2_REGEX)].map((match) => match[0]);
}

describe("pretokenize (llama.cpp qwen2)", () => {
  it("splits words, single digits, contractions, punctuation and whitespace as the qwen2 regex does", () => {
    expect(pretokenize("Hello world, it's 2024!")).toEqual([
      "Hello",
      " world",
      ",",
      " it",
      "'s",
      " ",
      "2",
      "0",
      "2",
      "4",
      "!",
    ]);
    expect(pretokenize("DON'T  stop\n\n  ok\tgo")).toEqual([
      "DON",
      "'T",
      " ",
      " stop",
      "\n\n",
      " ",
      " ok",
      "\tgo",
    ]);
    expect(pretokenize("3.14159")).toEqual(["3", ".", "1", "4", "1", "5", "9"]);
    expect(pretokenize(" 中文 émoji 😀!!\r\n")).toEqual([" 中文", " émoji", " 😀!!\r\n"]);
    expect(pretokenize("x   ")).toEqual(["x", "   "]);
    expect(pretokenize("a \n b")).toEqual(["a", " \n", " b"]);
    expect(pretokenize("")).toEqual([]);
  });

  it("agrees with the regex on random text over letters, digits, marks, punctuation and whitespace", () => {
    const alphabet = [..."aZé'sStTreLL0919 .,!?-\n\r\t\u00a0\u3000中文😀\u0301_()<|>", "ve", "'ll", "  "];
    const next = seededRandom(7);
    for (let sample = 0; sample < 2000; sample++) {
      const text = randomText(next, alphabet, Math.floor(next() * 24));
      expect(pretokenize(text), JSON.stringify(text)).toEqual(regexSplit(text));
    }
  });

  it("uses llama.cpp's Unicode tables, not the JavaScript engine's", () => {
    // U+088F is a letter only in Unicode versions newer than llama.cpp's table: for llama.cpp it is a
    // non-letter that starts the next word, where Node's regex would keep "a\u088fb" as one word.
    expect(pretokenize("a\u088fb")).toEqual(["a", "\u088fb"]);
    expect(regexSplit("a\u088fb")).toEqual(["a\u088fb"]);
  });

  it("turns lone surrogates into U+FFFD and keeps surrogate pairs", () => {
    expect([...toCodepoints("a\ud800b\udc00😀")]).toEqual([0x61, 0xfffd, 0x62, 0xfffd, 0x1f600]);
  });
});
