import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../errors.ts";
import type { Message } from "../spec.ts";
import { toChatHistory } from "./chat-history.ts";

const call = (toolCallId: string, query: string) => ({
  type: "tool-call" as const,
  toolCallId,
  toolName: "search",
  input: { query },
});
const result = (toolCallId: string, output: string, isError = false) => ({
  type: "tool-result" as const,
  toolCallId,
  toolName: "search",
  output,
  isError,
});

describe("toChatHistory", () => {
  it("opens an empty model turn after the user's message", () => {
    expect(
      toChatHistory([
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
      ]),
    ).toEqual([
      { type: "system", text: "Be brief." },
      { type: "user", text: "Hi" },
      { type: "model", response: [] },
    ]);
  });

  it("merges calls, their results and the turns that follow into one model turn to continue", () => {
    const messages: Message[] = [
      { role: "user", content: "Lyon and Nice?" },
      {
        role: "assistant",
        content: [{ type: "reasoning", text: "two searches" }, call("a", "Lyon"), call("b", "Nice")],
      },
      { role: "tool", content: [result("b", "[2] Nice"), result("a", "[1] Lyon")] },
      { role: "assistant", content: [{ type: "text", text: "Both found." }, call("c", "France")] },
      { role: "tool", content: [result("c", "no match", true)] },
    ];
    expect(toChatHistory(messages)).toEqual([
      { type: "user", text: "Lyon and Nice?" },
      {
        type: "model",
        response: [
          { type: "segment", segmentType: "thought", text: "two searches", ended: true },
          {
            type: "functionCall",
            name: "search",
            params: { query: "Lyon" },
            result: "[1] Lyon",
            startsNewChunk: true,
          },
          {
            type: "functionCall",
            name: "search",
            params: { query: "Nice" },
            result: "[2] Nice",
            startsNewChunk: undefined,
          },
          "Both found.",
          {
            type: "functionCall",
            name: "search",
            params: { query: "France" },
            result: "Error: no match",
            startsNewChunk: true,
          },
        ],
      },
    ]);
  });

  it("starts a new model turn after a new user message", () => {
    const history = toChatHistory([
      { role: "user", content: "1" },
      { role: "assistant", content: [{ type: "text", text: "one" }] },
      { role: "user", content: "2" },
    ]);
    expect(history.map((item) => item.type)).toEqual(["user", "model", "user", "model"]);
  });

  it("refuses calls without results and results without calls", () => {
    expect(() =>
      toChatHistory([
        { role: "user", content: "x" },
        { role: "assistant", content: [call("a", "x")] },
      ]),
    ).toThrow(InvalidInputError);
    expect(() =>
      toChatHistory([
        { role: "user", content: "x" },
        { role: "tool", content: [result("zzz", "?")] },
      ]),
    ).toThrow(/'zzz', which no open call has/);
  });
});
