/**
 * Our tokenizer against llama.cpp's on a GGUF we export: for varied text (numbers, punctuation, accents,
 * emoji, CJK, whitespace runs, newlines, special tokens, long runs, random strings) llama.cpp's
 * `model.tokenize(text, special)` gives exactly our ids, with and without special-token parsing. The same
 * llama.cpp child also checks that an F16 export loads and computes close to our forward pass.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURE_CORPUS } from "../../../test/helpers/model-fixtures.ts";
import { randomText, seededRandom } from "../../../test/helpers/seeded-random.ts";
import { trainTokenizer } from "../bpe-train.ts";
import { resolveModelConfig } from "../config.ts";
import { exportGguf, importGguf } from "../gguf-llama.ts";
import { CoreModel } from "../model.ts";
import { maxAbsLogprobDiff } from "./compare.ts";
import { runLlamaCpp } from "./harness.ts";
import type { LlamaCppResult } from "./protocol.ts";

const directory = mkdtempSync(join(tmpdir(), "cogcore-tokenizer-parity-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const corpus = [
  ...FIXTURE_CORPUS,
  "Numbers: 3.14159, 1,234,567, -42, 0x1F, 2024-01-01, 10^6, ½ ² ٣ ४ ⅷ; prices $9.99 €12,50 ¥1000.",
  "Unicode: Ærøskøbing, Świętokrzyskie, İstanbul, Ελλάδα, Россия, עברית, العربية, हिन्दी, ไทย, 🇯🇵🏳️‍🌈.",
].flatMap((text) => [text, text.toUpperCase(), text.toLowerCase()]);

const tokenizer = trainTokenizer(corpus, { vocabSize: 900, progress: false });

const FIXED_TEXTS = [
  "Hello world",
  "3.14159 1,234,567 -42 0x1F 2024-01-01 ½²٣४",
  "!!! ??? ... --- *** ((( ))) <<< >>> ||| /// \\\\\\",
  "Ça coûte naïve café résumé Zürich Ærøskøbing İstanbul",
  "e\u0301 a\u0308 combining marks; zero\u200bwidth; nbsp\u00a0here; bom\ufeffinside",
  "😀👍🏽🇫🇷 👨‍👩‍👧 🏳️‍🌈",
  "東京タワー 中文 한국어 日本語のテキスト",
  "a  b   c\t\td\n\n\ne \r\n f\u000b\u000cg\u0085h\u2028i\u3000j",
  "  leading",
  "trailing   ",
  "\n",
  " ",
  "",
  "<|user|>What is 2+2?<|end|><|assistant|><|answer|>4<|end|>",
  "<|user <|user| <|/think|><|think|> <|call|>calc(1+1)<|/call|>",
  "x<|end|>y<|end|><|end|>z",
  "It's DON'T we'LL they'Re I'd you've 'tis ''",
  "\u0000\u0001\u0002 control \u007f\u0080\u009f",
  "lone \ud800 surrogate \udfff here",
  "-".repeat(3000),
  `${" ".repeat(500)}x`,
  "9".repeat(200),
  corpus.join(" ").slice(0, 20000),
];

const ALPHABET = [
  ..."aeiouAZqxé東😀 \t\n\r.,!?'\"-_()<>|/0123456789\u00a0\u2028\u3000\u0301\u200d",
  "'s",
  "'ll",
  "<|user|>",
  "<|end|>",
  "<|/think|>",
  "<|",
  "|>",
  "population",
  " the",
];
const random = seededRandom(17);
const RANDOM_TEXTS = Array.from({ length: 300 }, () =>
  randomText(random, ALPHABET, 1 + Math.floor(random() * 60)),
);
const TEXTS = [...FIXED_TEXTS, ...RANDOM_TEXTS];

let results: LlamaCppResult[] = [];
let model: CoreModel;
const sequence = tokenizer.encode(FIXTURE_CORPUS[1], { allowSpecial: true }).slice(0, 48);

beforeAll(async () => {
  const config = resolveModelConfig({
    dim: 32,
    nLayers: 1,
    nHeads: 2,
    nKvHeads: 1,
    ffnDim: 32,
    vocabSize: tokenizer.vocabSize,
    contextLength: 64,
  });
  const path = join(directory, "tokenizer-f16.gguf");
  exportGguf(path, { config, params: CoreModel.init(config, 5).params, tokenizer }, { type: "F16" });
  model = new CoreModel(config, importGguf(path).params); // the F16-rounded weights llama.cpp computes with
  results = await runLlamaCpp(path, [
    { kind: "tokenize", texts: TEXTS, special: true },
    { kind: "tokenize", texts: TEXTS, special: false },
    { kind: "logprobs", tokens: sequence },
  ]);
}, 120_000);

describe("tokenizer parity with llama.cpp", () => {
  for (const [index, special] of [true, false].entries()) {
    it(`gives llama.cpp's ids on ${TEXTS.length} texts, special tokens ${special ? "parsed" : "as text"}`, () => {
      const result = results[index];
      if (result.kind !== "tokenize") throw new Error("expected token ids");
      const mismatches = TEXTS.flatMap((text, textIndex) => {
        const ours = tokenizer.encode(text, { allowSpecial: special });
        const theirs = result.ids[textIndex];
        return ours.join(",") === theirs.join(",")
          ? []
          : [{ text: text.slice(0, 120), ours: ours.slice(0, 40), theirs: theirs.slice(0, 40) }];
      });
      expect(mismatches).toEqual([]);
      const chat =
        result.ids[FIXED_TEXTS.indexOf("<|user|>What is 2+2?<|end|><|assistant|><|answer|>4<|end|>")];
      expect(chat.includes(tokenizer.specialTokenId("<|user|>"))).toBe(special);
    });
  }

  it("exports F16 GGUF files that llama.cpp loads and runs close to our forward pass", () => {
    const result = results[2];
    if (result.kind !== "logprobs") throw new Error("expected log-probabilities");
    expect(
      maxAbsLogprobDiff(model.forwardLogits(sequence), result.logprobs, model.config.vocabSize),
    ).toBeLessThan(1e-2);
  });
});
