import { describe, expect, it } from "vitest";
import { renderEvalReport } from "./report-html.ts";
import type { QuestionType } from "./worldqa/types.ts";
import { type Outcome, summarize, type WorldQAItem } from "./worldqa-eval.ts";

const item = (type: QuestionType, kind: string, outcome: Outcome, tokens = 10): WorldQAItem => ({
  id: `${kind}-${Math.random()}`,
  type,
  kind,
  question: `a ${kind} question <b>`,
  answer: outcome === "abstained" ? "I don't know" : "42 [1]",
  abstained: outcome === "abstained",
  outcome,
  completionTokens: tokens,
  steps: 2,
  calls: ["search(x)"],
  attempts: 1,
  durationMs: 1,
});

describe("summarize", () => {
  const items = [
    item("arithmetic", "molar-mass", "wrong"),
    item("lookup", "city-population", "correct"),
    item("arithmetic", "molar-mass", "correct"),
    item("arithmetic", "molar-mass", "abstained"),
    item("multihop", "capital-population", "correct", 30),
    item("unanswerable", "city-founding", "correct"),
  ];

  it("scores each type and each finer kind, kinds in the order of the types", () => {
    const summary = summarize(items);
    expect(summary.counts).toEqual({ correct: 4, wrong: 1, abstained: 1 });
    expect(summary.omniscienceIndex).toBe(50); // 100 × (4 − 1) / 6
    expect(summary.tokensPerCorrect).toBe(20); // 80 tokens, every answer's, / 4 correct
    expect(summary.accuracy.arithmetic).toBe(0.3333);
    expect(summary.byKind["molar-mass"]).toEqual({
      type: "arithmetic",
      n: 3,
      correct: 1,
      wrong: 1,
      abstained: 1,
      accuracy: 0.3333,
    });
    expect(Object.keys(summary.byKind)).toEqual([
      "city-population",
      "capital-population",
      "molar-mass",
      "city-founding",
    ]);
  });

  it("puts the per-kind table in the HTML report, escaped", () => {
    const html = renderEvalReport({
      model: "core",
      split: "test",
      seed: 7,
      heldOutPhrasings: false,
      noTools: false,
      seconds: 1,
      summary: summarize(items),
      items,
    });
    expect(html).toContain(
      "<tr><td>arithmetic</td><td>molar-mass</td><td>3</td><td>1</td><td>1</td><td>1</td><td>33.3%</td></tr>",
    );
    expect(html).toContain("a molar-mass question &#60;b&#62;");
    expect(html).not.toContain("question <b>");
    expect(html).toContain("training phrasings, with tools");
    const input = {
      model: "core",
      split: "test",
      seed: 7,
      noTools: true,
      seconds: 1,
      summary: summarize(items),
      items,
    };
    expect(renderEvalReport({ ...input, heldOutPhrasings: false, devPhrasings: true })).toContain(
      "development phrasings, no tools",
    );
    expect(renderEvalReport({ ...input, heldOutPhrasings: true })).toContain("held-out phrasings, no tools");
  });
});
