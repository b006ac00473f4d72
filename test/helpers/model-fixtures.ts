/** Small models and tokenizers for tests of the model's file formats and llama.cpp interoperability. */
import { trainTokenizer } from "../../src/model/bpe-train.ts";
import { type ModelConfig, resolveModelConfig } from "../../src/model/config.ts";
import { CoreModel } from "../../src/model/model.ts";
import type { Tokenizer } from "../../src/model/tokenizer.ts";

/** Varied text: words, digits, punctuation, accents, CJK, emoji, whitespace runs, and the chat format. */
export const FIXTURE_CORPUS = [
  "The population of Lyon is 522250 and the population of Nice is 342669; Lyon has 179581 more people.",
  "<|user|>What is the capital of Peru?<|end|><|assistant|><|think|>look it up<|/think|><|call|>search(Peru capital)<|/call|>",
  "<|tool|>[1] Lima is the capital of Peru.<|end|><|assistant|><|answer|>Lima [1]<|end|>",
  "Ça coûte 12,50 € — naïve café, résumé, Zürich; 東京タワー 中文 한국어; emoji 😀👍🏽🇫🇷!",
  "def f(x):\n    return x ** 2  # square\n\n\tindented\r\nwindows line   three spaces",
  "It's, we're, they'll, I'd, you've, I'm — don't; DON'T; \"quoted\" (parenthesised) [bracketed] {braced}",
].flatMap((text) => Array(12).fill(text));

let cachedTokenizer: Tokenizer | undefined;

/** A tokenizer trained on FIXTURE_CORPUS (about 400 tokens). */
export function fixtureTokenizer(): Tokenizer {
  cachedTokenizer ??= trainTokenizer(FIXTURE_CORPUS, { vocabSize: 420, progress: false });
  return cachedTokenizer;
}

/** Configuration of a tiny dense (or MoE) model over the fixture tokenizer's vocabulary. */
export function fixtureConfig(
  options: { moe?: boolean; overrides?: Partial<ModelConfig> } = {},
): ModelConfig {
  return resolveModelConfig({
    dim: 32,
    nLayers: 2,
    nHeads: 4,
    nKvHeads: 2,
    ffnDim: 48,
    vocabSize: fixtureTokenizer().vocabSize,
    contextLength: 64,
    nExperts: options.moe ? 4 : 0,
    tieEmbeddings: !options.moe,
    ...options.overrides,
  });
}

/** A random model from CoreModel.init with every weight matrix scaled by `scale` (norms stay 1). */
export function fixtureModel(config: ModelConfig, seed = 1, scale = 1): CoreModel {
  const model = CoreModel.init(config, seed);
  if (scale !== 1) {
    for (let index = 0; index < model.params.length; index++) model.params[index] *= scale;
    for (const name of [
      "output_norm.weight",
      ...Array.from({ length: config.nLayers }, (_, l) => [
        `blk.${l}.attn_norm.weight`,
        `blk.${l}.ffn_norm.weight`,
      ]).flat(),
    ]) {
      model.tensor(name).fill(1);
    }
  }
  return model;
}
