import { describe, expect, it } from "vitest";
import { generateWorldQA } from "./generate.ts";
import { extractNumbers, isAbstention, scoreAnswer } from "./score.ts";
import type { WorldQuestion } from "./types.ts";

function question(answer: WorldQuestion["answer"], extra: Partial<WorldQuestion> = {}): WorldQuestion {
  return {
    id: "q",
    type: "lookup",
    kind: "city-population",
    question: "What is the population of Lyon?",
    answer,
    entities: [],
    goldPassageIds: [],
    retrievalQueries: [],
    facts: [],
    split: "test",
    phrasing: { template: "t", heldOut: false },
    ...extra,
  };
}

describe("scoreAnswer", () => {
  const population = question({ kind: "number", value: 179559 });

  it("reads numbers however they are formatted", () => {
    expect(extractNumbers("179,559 and 179 559 and 1.5 million and -3.25")).toEqual([
      179559, 179559, 1500000, -3.25,
    ]);
    for (const text of ["179559", "179,559", "About 179 559 people.", "The population is 179559 (2019)."]) {
      expect(scoreAnswer(population, text)).toBe(true);
    }
    for (const text of ["179558", "17955", "1795590", "179,559 or 200,000", ""])
      expect(scoreAnswer(population, text)).toBe(false);
  });

  it("accepts the stated tolerance and shown work, not rival values", () => {
    const mass = question(
      { kind: "number", value: 18.01528, tolerance: 0.02 },
      {
        kind: "molar-mass",
        question: "molar mass of H2O?",
        facts: [
          { entity: "element:H", attribute: "atomicMass", value: 1.00794, passageId: "element:H", query: "" },
          { entity: "element:O", attribute: "atomicMass", value: 15.9994, passageId: "element:O", query: "" },
        ],
      },
    );
    expect(scoreAnswer(mass, "18.02 g/mol")).toBe(true);
    expect(scoreAnswer(mass, "2 * 1.00794 + 15.9994 = 18.01528")).toBe(true);
    expect(scoreAnswer(mass, "18.05")).toBe(false);
    expect(scoreAnswer(mass, "18.0153 or maybe 20")).toBe(false);
  });

  it("matches text by folded words and aliases, and refuses a rejected option named first", () => {
    const capital = question({ kind: "text", value: "Bogotá", aliases: ["Santa Fe de Bogota"] });
    expect(scoreAnswer(capital, "The capital is Bogota.")).toBe(true);
    expect(scoreAnswer(capital, "santa fe de bogotá")).toBe(true);
    expect(scoreAnswer(capital, "Medellín")).toBe(false);
    const comparison = question({ kind: "text", value: "Lyon", rejects: ["Nice"] });
    expect(scoreAnswer(comparison, "Lyon has more people than Nice.")).toBe(true);
    expect(scoreAnswer(comparison, "Nice")).toBe(false);
    expect(scoreAnswer(comparison, "Nice, not Lyon")).toBe(false);
  });

  it("wants abstention on unanswerable questions and never rewards it elsewhere", () => {
    const unanswerable = question({ kind: "abstain", value: "" });
    expect(isAbstention("I don't know.")).toBe(true);
    expect(scoreAnswer(unanswerable, "The knowledge base has no information about Zorbavia.")).toBe(true);
    expect(scoreAnswer(unanswerable, "", { abstained: true })).toBe(true);
    expect(scoreAnswer(unanswerable, "About 12000 people.")).toBe(false);
    expect(scoreAnswer(population, "179559", { abstained: true })).toBe(false);
    expect(scoreAnswer(population, "I don't know")).toBe(false);
  });
});

describe("scoreAnswer on generated questions", () => {
  it("accepts every question's own answer, written as a person would, and rejects abstaining", () => {
    const questions = generateWorldQA({ seed: 5, split: "dev", count: 300 });
    for (const question of questions) {
      const { answer } = question;
      if (answer.kind === "abstain") {
        expect(scoreAnswer(question, "The knowledge base does not say.")).toBe(true);
        expect(scoreAnswer(question, "42")).toBe(false);
        continue;
      }
      const stated =
        answer.kind === "number"
          ? `It is ${answer.value.toLocaleString("en-US", { maximumFractionDigits: 6 })}.`
          : `It is ${answer.value}.`;
      expect(scoreAnswer(question, stated), `${question.question} → ${stated}`).toBe(true);
      expect(scoreAnswer(question, "I don't know")).toBe(false);
      if (answer.kind === "number")
        expect(scoreAnswer(question, String(answer.value + 1 + (answer.tolerance ?? 0) * 2))).toBe(false);
    }
  });
});
