/**
 * The core's chat format: one special token each, in this fixed order right after the 256 byte tokens
 * of the tokenizer's vocabulary. A call is compact, e.g. `<|call|>calc(472317 - 342669)<|/call|>`.
 *
 *   <|user|> question <|end|>
 *   <|assistant|> [<|think|> plan <|/think|>] <|call|> search(Lyon population) <|/call|>
 *   <|tool|> [1] … <|end|>
 *   <|assistant|> <|answer|> … [1] <|end|>
 */
export const SPECIAL_TOKENS = [
  "<|user|>",
  "<|assistant|>",
  "<|tool|>",
  "<|think|>",
  "<|/think|>",
  "<|call|>",
  "<|/call|>",
  "<|answer|>",
  "<|end|>",
] as const;

export type SpecialToken = (typeof SPECIAL_TOKENS)[number];
