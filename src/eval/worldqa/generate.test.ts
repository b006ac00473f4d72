import { describe, expect, it } from "vitest";
import { recordPassage } from "../../knowledge/world/passages.ts";
import { loadWorldRecords } from "../../knowledge/world/records.ts";
import { generateWorldQA, QUESTION_KINDS } from "./generate.ts";
import { entitySplits } from "./splits.ts";
import { QUESTION_TYPES, type WorldQuestion } from "./types.ts";

const records = loadWorldRecords();
const train = generateWorldQA({ seed: 7, split: "train", count: 400 });
const test = generateWorldQA({ seed: 7, split: "test", count: 200 });

describe("generateWorldQA", () => {
  it("is deterministic from its seed, and another seed draws other questions", () => {
    expect(generateWorldQA({ seed: 7, split: "test", count: 200 })).toEqual(test);
    const other = generateWorldQA({ seed: 8, split: "test", count: 200 });
    const shared = other.filter((question) => test.some((mine) => mine.id === question.id));
    expect(shared.length).toBeLessThan(60);
  });

  it("returns the requested count, types in turn, every type with several kinds and phrasings", () => {
    expect(train).toHaveLength(400);
    expect(new Set(train.map((question) => question.id)).size).toBe(400);
    expect(train.slice(0, 5).map((question) => question.type)).toEqual([...QUESTION_TYPES]);
    for (const type of QUESTION_TYPES) {
      const ofType = train.filter((question) => question.type === type);
      expect(new Set(ofType.map((question) => question.phrasing.template)).size).toBeGreaterThanOrEqual(6);
    }
    const only = generateWorldQA({ seed: 1, split: "dev", count: 20, types: ["comparison"] });
    expect(only.every((question) => question.type === "comparison")).toBe(true);
  });

  it("keeps entities inside their split: no test entity in a training question", () => {
    const splits = entitySplits(records);
    for (const question of [...train, ...test]) {
      for (const id of question.entities) expect(splits.get(id)).toBe(question.split);
    }
    const trainEntities = new Set(train.flatMap((question) => question.entities));
    expect(test.flatMap((question) => question.entities).filter((id) => trainEntities.has(id))).toEqual([]);
    const invented = (questions: WorldQuestion[]) =>
      new Set(
        questions
          .filter((q) => q.kind.startsWith("invented"))
          .map((q) => q.retrievalQueries[0].split(" ")[0]),
      );
    const trainNames = invented(train);
    expect([...invented(test)].filter((name) => trainNames.has(name))).toEqual([]);
  });

  it("cuts the small pools 80/10/10: countries 200/25/25, elements 94/12/12", () => {
    const splits = entitySplits(records);
    const count = (prefix: string, split: string) =>
      [...splits].filter(([id, value]) => id.startsWith(prefix) && value === split).length;
    expect([count("country:", "train"), count("country:", "dev"), count("country:", "test")]).toEqual([
      200, 25, 25,
    ]);
    expect([count("element:", "train"), count("element:", "dev"), count("element:", "test")]).toEqual([
      94, 12, 12,
    ]);
    // The hash mixes every character: ids that differ only at the end (the one-letter symbols) spread over
    // the splits like any others (v1 put twelve of the fourteen in test and none in train).
    const oneLetter = records.elements.filter((element) => element.symbol.length === 1);
    expect(oneLetter).toHaveLength(14);
    expect(oneLetter.filter((element) => splits.get(element.id) === "train").length).toBeGreaterThanOrEqual(
      8,
    );
  });

  it("states every fact's value in its gold passage, and each query names the entity", () => {
    for (const question of [...train, ...test]) {
      expect(question.goldPassageIds).toEqual([...new Set(question.facts.map((fact) => fact.passageId))]);
      for (const fact of question.facts) {
        const record = records.byId.get(fact.passageId)!;
        const text = recordPassage(record, records).text;
        for (const part of String(fact.value).split(", ")) expect(text).toContain(part);
      }
    }
  });

  it("computes arithmetic answers from the facts: the expression evaluates to the answer", () => {
    const arithmetic = [...train, ...test].filter((question) => question.type === "arithmetic");
    expect(arithmetic.length).toBeGreaterThan(50);
    for (const question of arithmetic) {
      expect(question.expression).toMatch(/^[\d.\s*+-]+$/);
      const value = Function(`return ${question.expression}`)() as number;
      expect(question.answer.kind).toBe("number");
      if (question.answer.kind === "number")
        expect(Math.abs(value - question.answer.value)).toBeLessThan(1e-6);
    }
    const molar = arithmetic.find((question) => question.question.includes("H2O"));
    if (molar?.answer.kind === "number") expect(molar.answer.value).toBeCloseTo(18.01528, 5);
  });

  it("asks about an ambiguous city with its country, and unanswerable questions have no gold passage", () => {
    const all = generateWorldQA({ seed: 3, split: "train", count: 2000, types: ["lookup", "unanswerable"] });
    const cityQuestions = all.filter((question) => question.kind === "city-population");
    for (const question of cityQuestions) {
      const city = records.byId.get(question.facts[0].entity);
      if (city?.kind === "city" && city.sameNameCount > 1)
        expect(question.question).toContain(city.countryName);
    }
    for (const question of all.filter((q) => q.type === "unanswerable")) {
      expect(question.answer.kind).toBe("abstain");
      expect(question.goldPassageIds).toEqual([]);
      expect(question.retrievalQueries.length).toBe(1);
    }
  });

  it("uses held-out phrasings only when asked, and they differ from every training phrasing", () => {
    const heldOut = generateWorldQA({ seed: 7, split: "test", count: 100, heldOutPhrasings: true });
    expect(
      heldOut.every((question) => question.phrasing.heldOut && /\/h\d$/.test(question.phrasing.template)),
    ).toBe(true);
    expect(test.every((question) => !question.phrasing.heldOut)).toBe(true);
    for (const kind of QUESTION_KINDS) {
      expect(kind.templates.length).toBeGreaterThanOrEqual(3);
      expect(kind.heldOut.length).toBeGreaterThanOrEqual(2);
      for (const phrasing of kind.heldOut) expect(kind.templates).not.toContain(phrasing);
    }
  });
});
