import { describe, expect, it } from "vitest";
import {
  ABSTENTION,
  type CoreTurn,
  parseAssistantTurn,
  renderAssistantTurn,
  renderConversation,
} from "./chat-template.ts";

describe("chat template", () => {
  const turns: CoreTurn[] = [
    { role: "user", content: "How many more people live in Lyon than in Nice?" },
    { role: "assistant", thinking: "two lookups, then a difference", calls: ["search(Lyon population)"] },
    { role: "tool", content: "[1] Lyon … Population: 522228." },
    { role: "assistant", calls: ["calc(522228 - 342669)"] },
    { role: "tool", content: "179559" },
    { role: "assistant", answer: "179559 [1][2]" },
  ];

  it("renders the documented format", () => {
    expect(renderConversation(turns.slice(0, 3), { openAssistant: true })).toBe(
      "<|user|>How many more people live in Lyon than in Nice?<|end|>" +
        "<|assistant|><|think|>two lookups, then a difference<|/think|><|call|>search(Lyon population)<|/call|>" +
        "<|tool|>[1] Lyon … Population: 522228.<|end|><|assistant|>",
    );
    expect(() => renderAssistantTurn({ role: "assistant", calls: [] })).toThrow(
      /neither calls nor an answer/,
    );
  });

  it("parses what it renders, for every assistant turn", () => {
    for (const turn of turns) {
      if (turn.role !== "assistant") continue;
      const parsed = parseAssistantTurn(renderAssistantTurn(turn));
      expect(parsed).toEqual({
        thinking: turn.thinking,
        calls: turn.calls ?? [],
        answer: turn.answer,
        truncated: false,
      });
    }
  });

  it("marks truncated turns and reads unmarked text as an answer", () => {
    expect(parseAssistantTurn("<|think|>still thinking")).toMatchObject({
      thinking: "still thinking",
      truncated: true,
    });
    expect(parseAssistantTurn("<|call|>calc(1 +")).toMatchObject({ calls: ["calc(1 +"], truncated: true });
    expect(parseAssistantTurn("<|answer|>42 [1")).toMatchObject({ answer: "42 [1", truncated: true });
    expect(parseAssistantTurn(`${ABSTENTION}<|end|>`)).toMatchObject({ answer: ABSTENTION, calls: [] });
    expect(parseAssistantTurn("<|call|>a(1)<|/call|><|call|>b(2)<|/call|>").calls).toEqual(["a(1)", "b(2)"]);
  });
});
