import { describe, expect, it } from "vitest";
import { queryTerms, termCount, tokenize } from "./tokenize.ts";

describe("tokenize", () => {
  it("folds case and diacritics and splits on everything but letters and digits", () => {
    expect(tokenize("Thessaloníki, São Paulo; Zürich-Œrlikon 45.7485 N")).toEqual([
      "thessaloniki",
      "sao",
      "paulo",
      "zurich",
      "œrlikon",
      "45",
      "7485",
      "n",
    ]);
  });

  it("counts terms exactly as tokenize does, without building them", () => {
    for (const text of [
      "",
      "  ",
      "Lyon is a city in France.",
      "e\u0301cole a\u0301 Montréal",
      "Ad-Damazin, 2019: 186051",
      "日本 東京",
    ]) {
      expect(termCount(text)).toBe(tokenize(text).length);
    }
  });

  it("drops question words unless nothing else is left or they name something", () => {
    expect(queryTerms("What is the population of the capital of Peru?")).toEqual([
      "population",
      "capital",
      "peru",
    ]);
    expect(queryTerms("what is it")).toEqual(["what", "is", "it"]);
    expect(queryTerms("atomic mass of symbol In")).toEqual(["atomic", "mass", "symbol", "in"]);
    expect(queryTerms("Lyon Lyon LYON")).toEqual(["lyon"]);
  });
});
