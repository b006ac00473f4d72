/** Texts on which our tokenizer must agree with llama.cpp's (see src/model/llamacpp/llamacpp.test.ts). */
import { FIXTURE_CORPUS } from "./model-fixtures.ts";
import { randomText, seededRandom } from "./seeded-random.ts";

/** The fixture corpus plus numbers and scripts of many kinds, each also upper- and lower-cased. */
export const TOKENIZER_CORPUS = [
  ...FIXTURE_CORPUS,
  "Numbers: 3.14159, 1,234,567, -42, 0x1F, 2024-01-01, 10^6, ½ ² ٣ ४ ⅷ; prices $9.99 €12,50 ¥1000.",
  "Unicode: Ærøskøbing, Świętokrzyskie, İstanbul, Ελλάδα, Россия, עברית, العربية, हिन्दी, ไทย, 🇯🇵🏳️‍🌈.",
].flatMap((text) => [text, text.toUpperCase(), text.toLowerCase()]);

/** Hand-picked hard cases: every pre-tokenizer rule, special tokens, control characters, long runs. */
export const FIXED_TEXTS = [
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
  TOKENIZER_CORPUS.join(" ").slice(0, 20000),
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
/** The fixed texts and 300 random strings over a hard alphabet. */
export const TOKENIZER_TEXTS = [...FIXED_TEXTS, ...RANDOM_TEXTS];
