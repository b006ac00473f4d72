import { describe, expect, it } from "vitest";
import { predictDifficulty } from "./difficulty.ts";

describe("predictDifficulty", () => {
  it("reads the question type, entities and operations, and reports the formula", () => {
    expect(predictDifficulty("What is the population of Lyon?")).toEqual({
      type: "lookup",
      entities: 1,
      operations: 0,
      tokens: 32,
      rationale: "lookup base 32 + 32 × (1 entities − 1) + 48 × 0 operations = 32",
    });
    expect(predictDifficulty("What is the population of the capital of Peru?")).toMatchObject({
      type: "multi-hop",
      entities: 1,
      operations: 1,
      tokens: 144,
    });
    expect(predictDifficulty("Which is more populous, Lyon or Nice?")).toMatchObject({
      type: "comparison",
      entities: 2,
      tokens: 96 + 32 + 48,
    });
    expect(predictDifficulty("How many more people live in Lyon than in Nice?")).toMatchObject({
      type: "arithmetic",
      entities: 2,
      operations: 1,
      tokens: 128 + 32 + 48,
    });
  });

  it("counts a multi-word name once and numbers as entities", () => {
    expect(predictDifficulty("What is the population of New York?").entities).toBe(1);
    expect(predictDifficulty("What is 472317 - 342669?")).toMatchObject({ type: "arithmetic", entities: 2 });
  });

  it("grows with the work asked for and stops at 1024", () => {
    const easy = predictDifficulty("What is the capital of France?").tokens;
    const hard = predictDifficulty(
      "What is the sum of the populations of Lyon, Nice, Paris, Lille and Nantes, divided by the total of Marseille and Toulouse?",
    ).tokens;
    expect(hard).toBeGreaterThan(easy);
    const huge = predictDifficulty(`${"Add A and B and C and D and E plus ".repeat(20)}?`);
    expect(huge.tokens).toBe(1024);
    expect(huge.rationale).toMatch(/capped at 1024/);
  });
});
