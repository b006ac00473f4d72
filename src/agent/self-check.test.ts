import { describe, expect, it } from "vitest";
import { createMockModel, type MockResponse } from "../providers/mock.ts";
import { createTraceRenderer } from "./render.ts";
import { runAgent } from "./run-agent.ts";
import { questionNames, selfCheckFailure } from "./self-check.ts";
import { memoryKnowledge, subtractionCalculator } from "./test-fixtures.ts";
import type { StepRecord } from "./types.ts";

const QUESTION = "How many more people live in Lyon than in Nice?";
const search = (query: string): MockResponse => ({ toolCalls: [{ toolName: "search", input: { query } }] });
/** A run that looks up Lyon only and answers with its population. */
const lyonOnly = [search("Lyon population"), { text: "522250 [1]" }];
/** The whole procedure: both cities, the difference, the answer. */
const both = [
  search("Lyon population"),
  search("Nice population"),
  { toolCalls: [{ toolName: "calc", input: { expression: "522250 - 342669" } }] },
  { text: "179581 [1][2]" },
];

function stepsSearching(...queries: Array<string | [query: string, hits: string]>): StepRecord[] {
  return queries.map((searched, index) => {
    const [query, content] = typeof searched === "string" ? [searched, ""] : searched;
    const call = { toolCallId: `c${index}`, toolName: "search", input: { query }, content, isError: false };
    return {
      step: index + 1,
      reasoning: "",
      text: "",
      toolCalls: [{ ...call, durationMs: 0 }],
      finishReason: "tool-calls",
      usage: { promptTokens: 0, completionTokens: 0, reasoningTokens: 0 },
      budgetTokens: undefined,
      durationMs: 0,
    };
  });
}

describe("questionNames", () => {
  it("groups a question's capitalised words into names, parted by 'and', 'or', 'versus' and other words", () => {
    expect(questionNames(QUESTION)).toEqual([["Lyon"], ["Nice"]]);
    expect(questionNames("Şaḩam versus Ahlen: which city is bigger?")).toEqual([["Ahlen"]]);
    expect(questionNames("Is Rio de Janeiro or São Paulo larger?")).toEqual([
      ["Is", "Rio", "Janeiro"],
      ["São", "Paulo"],
    ]);
    expect(questionNames("Between Lysychans’k and Weimar, Germany, which is larger?")).toEqual([
      ["Between", "Lysychans’k"],
      ["Weimar", "Germany"],
    ]);
    expect(questionNames("Subtract the area of Saint Kitts and Nevis from the area of Oman.")).toEqual([
      ["Saint", "Kitts"],
      ["Nevis"],
      ["Oman"],
    ]);
  });

  it("reads a formula's glued symbols as one name each, and finds none in a question without names", () => {
    expect(questionNames("One mole of ZnIr3Cr2 has what mass in grams?")).toEqual([["Zn"], ["Ir"], ["Cr"]]);
    expect(questionNames("What is 17 times 23?")).toEqual([]);
  });
});

describe("selfCheckFailure", () => {
  it("fails a run whose searches leave out a name of the question, and passes one that names each", () => {
    expect(selfCheckFailure(QUESTION, { steps: stepsSearching("city Lyon population") })).toBe(
      "the searches named nothing of “Nice”",
    );
    expect(
      selfCheckFailure(QUESTION, { steps: stepsSearching("city Lyon population", "city Nice population") }),
    ).toBeUndefined();
    // One word of a name is enough: "Weimar" names "Weimar, Germany".
    expect(
      selfCheckFailure("Is Lysychans’k or Weimar, Germany larger?", {
        steps: stepsSearching("city Lysychans’k", "city Weimar population"),
      }),
    ).toBeUndefined();
  });

  it("counts a name as looked up when a search's hits write it together with the name before it", () => {
    const question = "Which is larger, Chile or Saint Kitts and Nevis?";
    const kitts = "[2] Saint Kitts and Nevis is a country in the Caribbean. Area: 261 square kilometres.";
    expect(
      selfCheckFailure(question, {
        steps: stepsSearching("country Chile area", ["country Saint Kitts area", kitts]),
      }),
    ).toBeUndefined();
    expect(
      selfCheckFailure(question, {
        steps: stepsSearching("country Chile area", [
          "country Saint Kitts area",
          "[2] Saint Kitts is a city.",
        ]),
      }),
    ).toBe("the searches named nothing of “Nevis”");
    // Two cities that no hit writes together are two names to search.
    const lyon = "[1] Lyon is a city in France. Population: 522250.";
    expect(
      selfCheckFailure("Lyon and Nice together have how many people?", {
        steps: stepsSearching(["city Lyon", lyon]),
      }),
    ).toBe("the searches named nothing of “Nice”");
  });

  it("fails a run that ran out of steps, whatever it searched", () => {
    const steps = stepsSearching("Lyon", "Nice");
    const abstention = { rule: "no-answer" as const, reason: "no answer within 2 steps" };
    expect(selfCheckFailure(QUESTION, { steps, abstention })).toBe("no answer within 2 steps");
    const declined = { rule: "model-abstained" as const, reason: "the model found no answer" };
    expect(selfCheckFailure(QUESTION, { steps, abstention: declined })).toBeUndefined();
  });
});

describe("runAgent with resample", () => {
  it("samples again when the first run fails the self-check, and keeps the first sampled run that passes", async () => {
    const model = createMockModel({ responses: [...lyonOnly, ...lyonOnly, ...both] });
    let rendered = "";
    const result = await runAgent({
      model,
      question: QUESTION,
      knowledge: memoryKnowledge(),
      tools: subtractionCalculator(),
      budget: "off",
      temperature: 0,
      resample: { runs: 3, temperature: 0.7 },
      onEvent: createTraceRenderer({ stream: { write: (text: string) => (rendered += text) }, color: false }),
    });
    expect(result.answer).toBe("179581 [1][2]");
    expect(result.citations.map((citation) => citation.id)).toEqual(["city:2996944", "city:2990440"]);
    expect(result.selfCheck).toEqual({
      attempts: 3,
      kept: 3,
      failures: ["the searches named nothing of “Nice”", "the searches named nothing of “Nice”", undefined],
    });
    expect(result.steps).toHaveLength(4);
    // The first run is greedy; the others sample with seeds 1, 2.
    expect(model.calls.map((call) => [call.temperature, call.seed])).toEqual([
      [0, undefined],
      [0, undefined],
      [0.7, 1],
      [0.7, 1],
      [0.7, 2],
      [0.7, 2],
      [0.7, 2],
      [0.7, 2],
    ]);
    // Usage counts every run's tokens, not only the kept one's.
    const kept = result.steps.reduce((sum, step) => sum + step.usage.completionTokens, 0);
    expect(result.usage.completionTokens).toBeGreaterThan(kept);
    expect(result.trace.filter((event) => event.type === "finish")).toHaveLength(3);
    expect(rendered).toContain("check │ run 1: the searches named nothing of “Nice”; sampling run 2\n");
  });

  it("keeps the first run when no sampled run passes", async () => {
    const model = createMockModel({ responses: [...lyonOnly, ...lyonOnly] });
    const result = await runAgent({
      model,
      question: QUESTION,
      knowledge: memoryKnowledge(),
      budget: "off",
      resample: { runs: 1, temperature: 0.7 },
    });
    expect(result.answer).toBe("522250 [1]");
    expect(result.selfCheck).toMatchObject({ attempts: 2, kept: 1 });
    expect(result.trace.at(-1)).toMatchObject({ type: "self-check", next: "keep", kept: 1 });
  });

  it("runs once when the first run passes, without a knowledge base, or with no runs to spare", async () => {
    const passing = await runAgent({
      model: createMockModel({ responses: both }),
      question: QUESTION,
      knowledge: memoryKnowledge(),
      tools: subtractionCalculator(),
      budget: "off",
      resample: { runs: 3, temperature: 0.7 },
    });
    expect(passing.selfCheck).toBeUndefined();
    const noKnowledge = createMockModel({ responses: [{ text: "I don't know." }] });
    await runAgent({ model: noKnowledge, question: QUESTION, resample: { runs: 3, temperature: 0.7 } });
    expect(noKnowledge.calls).toHaveLength(1);
    const none = createMockModel({ responses: lyonOnly });
    const single = await runAgent({
      model: none,
      question: QUESTION,
      knowledge: memoryKnowledge(),
      budget: "off",
      resample: { runs: 0, temperature: 0.7 },
    });
    expect(single.selfCheck).toBeUndefined();
    await expect(
      runAgent({
        model: createMockModel({ responses: [] }),
        question: QUESTION,
        knowledge: memoryKnowledge(),
        resample: { runs: -1, temperature: 0.7 },
      }),
    ).rejects.toThrow(/resample.runs is -1/);
  });
});
