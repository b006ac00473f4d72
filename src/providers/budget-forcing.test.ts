import { describe, expect, it } from "vitest";
import { AbortedError } from "../errors.ts";
import { type DecodedToken, forceThinkingBudget, type TokenDecoder } from "./budget-forcing.ts";

/**
 * A decoder that proposes scripted words; "<|/think|>" in the script is the model closing the span.
 * After forced text the script continues past a refused close, as a model that keeps thinking would.
 */
function scriptedDecoder(script: string[]) {
  const context: string[] = [];
  let position = 0;
  const decoder: TokenDecoder = {
    async propose() {
      const text = script[Math.min(position, script.length - 1)];
      return { id: position, text };
    },
    async accept(token: DecodedToken) {
      context.push(token.text);
      position++;
    },
    async force(text: string) {
      context.push(`[${text}]`);
      // The refused close is not proposed again: after the cue the model goes on with the script.
      if (script[position] === "<|/think|>" && position < script.length - 1) position++;
      return text.trim().split(/\s+/).length;
    },
  };
  return { decoder, context };
}

const THOUGHT = ["17", " times", " 20", " is", " 340", "<|/think|>", " and", " 51", " more", "<|/think|>"];

describe("forceThinkingBudget", () => {
  it("lets the model close the span within the budget", async () => {
    const { decoder, context } = scriptedDecoder(THOUGHT);
    const result = await forceThinkingBudget(decoder, { maxTokens: 100, closeText: "<|/think|>" });
    expect(result).toEqual({
      text: "17 times 20 is 340",
      reasoningTokens: 5,
      closedBy: "model",
      continuations: 0,
    });
    expect(context.at(-1)).toBe("<|/think|>");
  });

  it("forces the close at exactly the budget", async () => {
    const { decoder, context } = scriptedDecoder(THOUGHT);
    const result = await forceThinkingBudget(decoder, { maxTokens: 3, closeText: "<|/think|>" });
    expect(result).toMatchObject({ text: "17 times 20", reasoningTokens: 3, closedBy: "budget" });
    expect(context).toEqual(["17", " times", " 20", "[<|/think|>]"]);
  });

  it("replaces an early close with the cue 'Wait' until the minimum is reached", async () => {
    const { decoder, context } = scriptedDecoder(THOUGHT);
    const deltas: string[] = [];
    const result = await forceThinkingBudget(decoder, {
      maxTokens: 100,
      minTokens: 8,
      closeText: "<|/think|>",
      onText: (text) => deltas.push(text),
    });
    // 5 words, "Wait" (6), then the model goes on: and 51 more (9) and closes, now past the minimum.
    expect(context).toEqual([
      "17",
      " times",
      " 20",
      " is",
      " 340",
      "[ Wait]",
      " and",
      " 51",
      " more",
      "<|/think|>",
    ]);
    expect(result).toEqual({
      text: "17 times 20 is 340 Wait and 51 more",
      reasoningTokens: 9,
      closedBy: "model",
      continuations: 1,
    });
    expect(deltas.join("")).toBe(result.text);
  });

  it("stops replacing after maxContinuations", async () => {
    const { decoder } = scriptedDecoder(["<|/think|>"]);
    const result = await forceThinkingBudget(decoder, {
      maxTokens: 100,
      minTokens: 50,
      maxContinuations: 2,
      closeText: "<|/think|>",
    });
    expect(result).toMatchObject({ text: "Wait Wait", continuations: 2, closedBy: "model" });
  });

  it("closes at once with a budget of 0", async () => {
    const { decoder, context } = scriptedDecoder(THOUGHT);
    const result = await forceThinkingBudget(decoder, { maxTokens: 0, closeText: "</think>" });
    expect(result).toMatchObject({ text: "", reasoningTokens: 0, closedBy: "budget" });
    expect(context).toEqual(["[</think>]"]);
  });

  it("the budget wins over the minimum when both are reached", async () => {
    const { decoder } = scriptedDecoder(["a", "<|/think|>"]);
    const result = await forceThinkingBudget(decoder, {
      maxTokens: 4,
      minTokens: 4,
      closeText: "<|/think|>",
    });
    expect(result.reasoningTokens).toBe(4);
    expect(result.closedBy).toBe("budget");
  });

  it("throws AbortedError when aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    const { decoder } = scriptedDecoder(THOUGHT);
    await expect(
      forceThinkingBudget(decoder, {
        maxTokens: 10,
        closeText: "<|/think|>",
        abortSignal: controller.signal,
      }),
    ).rejects.toBeInstanceOf(AbortedError);
  });
});
