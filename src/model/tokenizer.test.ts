import { describe, expect, it } from "vitest";
import { randomText, seededRandom } from "../../test/helpers/seeded-random.ts";
import { CorruptFileError, InvalidInputError, NotFoundError } from "../errors.ts";
import { trainTokenizer } from "./bpe-train.ts";
import { BYTE_TO_CHAR, bytesToTokenText, tokenTextToBytes } from "./byte-unicode.ts";
import { SPECIAL_TOKENS } from "./chat-format.ts";
import { TOKEN_TYPE_CONTROL, TOKEN_TYPE_NORMAL, Tokenizer } from "./tokenizer.ts";

const corpus = [
  "The population of Lyon is 522250. The population of Nice is 342669.",
  "<|user|>How many more people live in Lyon than in Nice?<|end|><|assistant|><|think|>subtract<|/think|>",
  "<|call|>calc(522250 - 342669)<|/call|><|tool|>179581<|end|><|assistant|><|answer|>179581 more.<|end|>",
  "Ça coûte 12,50 € — naïve café, 東京タワー, emoji 😀👍🏽, tabs\tand\r\nnewlines   and spaces.",
].flatMap((text) => Array(20).fill(text));

const tokenizer = trainTokenizer(corpus, { vocabSize: 380, progress: false });

/** Text that exercises every pre-tokenizer rule, special-token text, and every kind of Unicode. */
const ALPHABET = [
  ..."aAzZ09 .,;:!?'\"-_()[]{}<>|/\\@#$%^&*+=~`\n\r\t\u000b\f\u0085\u00a0\u2028\u3000\ufeff",
  ..."éèçÀÖßñ東京中文한국어🙂😀👍🏽\u0301\u200d",
  "'s",
  "'LL",
  "<|user|>",
  "<|end|>",
  "<|/think|>",
  "Lyon",
  "population",
  "\ud800",
  "\udfff",
  "\u{10ffff}",
  "\u0000",
];

describe("byte-to-unicode table", () => {
  it("maps the 256 bytes to 256 distinct printable characters, as GPT-2 does", () => {
    expect(new Set(BYTE_TO_CHAR).size).toBe(256);
    expect(BYTE_TO_CHAR[0x20]).toBe("Ġ");
    expect(BYTE_TO_CHAR[0x0a]).toBe("Ċ");
    expect(BYTE_TO_CHAR[0x41]).toBe("A");
    expect(BYTE_TO_CHAR[0xad]).toBe("Ń");
    expect(bytesToTokenText(tokenTextToBytes("Ġthe")!)).toBe("Ġthe");
    expect(tokenTextToBytes("<|x")).toEqual(Uint8Array.of(0x3c, 0x7c, 0x78));
    expect(tokenTextToBytes("Ġ中")).toBeUndefined();
  });
});

describe("Tokenizer", () => {
  it("lays out bytes, then special tokens, then merges", () => {
    expect(tokenizer.vocabSize).toBe(380);
    expect(tokenizer.tokenText(0x20)).toBe("Ġ");
    SPECIAL_TOKENS.forEach((token, index) => {
      expect(tokenizer.specialTokenId(token)).toBe(256 + index);
      expect(tokenizer.tokenText(256 + index)).toBe(token);
      expect(tokenizer.tokenType(256 + index)).toBe(TOKEN_TYPE_CONTROL);
    });
    expect(tokenizer.tokenType(300)).toBe(TOKEN_TYPE_NORMAL);
    expect(tokenizer.bosId).toBe(tokenizer.specialTokenId("<|end|>"));
    expect(tokenizer.eosId).toBe(tokenizer.specialTokenId("<|end|>"));
    expect(() => tokenizer.specialTokenId("<|nope|>")).toThrow(NotFoundError);
    expect(() => tokenizer.tokenText(380)).toThrow(InvalidInputError);
  });

  it("encodes special tokens as single tokens only when allowed", () => {
    const text = "<|user|>hi<|end|>";
    const allowed = tokenizer.encode(text, { allowSpecial: true });
    expect(allowed[0]).toBe(tokenizer.specialTokenId("<|user|>"));
    expect(allowed.at(-1)).toBe(tokenizer.specialTokenId("<|end|>"));
    const plain = tokenizer.encode(text);
    expect(plain.some((id) => tokenizer.isSpecial(id))).toBe(false);
    expect(tokenizer.decode(plain)).toBe(text);
    expect(tokenizer.decode(allowed)).toBe(text);
  });

  it("spells every number digit by digit", () => {
    const ids = tokenizer.encode("522250 179581");
    const pieces = ids.map((id) => tokenizer.decode([id]));
    expect(pieces).toEqual(["5", "2", "2", "2", "5", "0", " ", "1", "7", "9", "5", "8", "1"]);
  });

  it("round-trips any string exactly; lone surrogates become U+FFFD", () => {
    const next = seededRandom(11);
    for (let sample = 0; sample < 3000; sample++) {
      const text = randomText(next, ALPHABET, Math.floor(next() * 40));
      const wellFormed = text.replace(
        /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
        "\ufffd",
      );
      for (const allowSpecial of [false, true]) {
        const ids = tokenizer.encode(text, { allowSpecial });
        expect(tokenizer.decode(ids), JSON.stringify(text)).toBe(wellFormed);
      }
    }
    expect(tokenizer.decode(tokenizer.encode("\ufeffBOM first"))).toBe("\ufeffBOM first");
  });

  it("decodes token by token into bytes that stream into the same text", () => {
    const text = "emoji 😀👍🏽 東京";
    const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
    let streamed = "";
    for (const id of tokenizer.encode(text))
      streamed += decoder.decode(tokenizer.decodeToken(id), { stream: true });
    expect(streamed + decoder.decode()).toBe(text);
  });

  it("survives a JSON round trip and rejects malformed JSON with a typed error", () => {
    const restored = Tokenizer.fromJSON(JSON.parse(JSON.stringify(tokenizer)));
    expect(restored.vocabSize).toBe(tokenizer.vocabSize);
    expect(restored.mergeStrings()).toEqual(tokenizer.mergeStrings());
    const sample = corpus.slice(0, 4).join(" ");
    expect(restored.encode(sample, { allowSpecial: true })).toEqual(
      tokenizer.encode(sample, { allowSpecial: true }),
    );
    const json = tokenizer.toJSON();
    expect(() => Tokenizer.fromJSON(null)).toThrow(CorruptFileError);
    expect(() => Tokenizer.fromJSON({ ...json, preTokenizer: "gpt2" })).toThrow(/pre-tokenizer/);
    expect(() => Tokenizer.fromJSON({ ...json, merges: ["Ġ"] })).toThrow(CorruptFileError);
    expect(() => Tokenizer.fromJSON({ ...json, merges: ["x y", "ab c"] })).toThrow(CorruptFileError);
    expect(() => Tokenizer.fromJSON({ ...json, bosToken: "<|nope|>" })).toThrow(/special token/);
    expect(() => Tokenizer.fromJSON({ ...json, specialTokens: ["a"] })).toThrow(CorruptFileError);
  });
});

describe("trainTokenizer", () => {
  it("learns frequent words as single tokens, deterministically", () => {
    const ids = tokenizer.encode(" population");
    expect(ids).toHaveLength(1);
    const again = trainTokenizer(corpus, { vocabSize: 380, progress: false });
    expect(again.mergeStrings()).toEqual(tokenizer.mergeStrings());
  });

  it("never merges across words, digits or special tokens", () => {
    for (let id = 256 + SPECIAL_TOKENS.length; id < tokenizer.vocabSize; id++) {
      const text = new TextDecoder().decode(tokenizer.decodeToken(id));
      expect(text, text).not.toMatch(/[0-9]|<\|/);
    }
  });

  it("stops early when no pair is frequent enough, and rejects impossible sizes", () => {
    const small = trainTokenizer(["ab ab"], { vocabSize: 1000, progress: false });
    expect(small.vocabSize).toBeLessThan(300);
    expect(() => trainTokenizer(["x"], { vocabSize: 100 })).toThrow(InvalidInputError);
  });
});
