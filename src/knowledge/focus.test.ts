import { describe, expect, it } from "vitest";
import { focusPassage, sentencesOf } from "./focus.ts";

const LYON =
  "Lyon is a city in Auvergne-Rhône-Alpes, France (Western Europe). Population: 522250. Coordinates: 45.7485 N, 4.8467 E.";
const NICKEL =
  "Nickel (symbol Ni) is a chemical element with atomic number 28. Atomic mass: 58.6934. Melting point: 1728 K.";
const TOGO =
  "Togo is a country in Western Africa (region: Africa). Capital: Lomé. Area: 56785 square kilometres. Borders: Benin, Ghana.";

describe("focusPassage", () => {
  it("keeps the first sentence and the sentences whose label the query names", () => {
    expect(focusPassage(LYON, "city Lyon population")).toBe(
      "Lyon is a city in Auvergne-Rhône-Alpes, France (Western Europe). Population: 522250.",
    );
    expect(focusPassage(TOGO, "country Togo capital")).toBe(
      "Togo is a country in Western Africa (region: Africa). Capital: Lomé.",
    );
  });

  it("matches labels, not values: a neighbour's name in Borders does not pull the sentence in", () => {
    expect(focusPassage(TOGO, "country Ghana area")).toBe(
      "Togo is a country in Western Africa (region: Africa). Area: 56785 square kilometres.",
    );
  });

  it("shows the first sentence alone when that sentence has every word of the query", () => {
    expect(focusPassage(TOGO, "country Togo")).toBe("Togo is a country in Western Africa (region: Africa).");
    expect(focusPassage(NICKEL, "element Nickel")).toBe(
      "Nickel (symbol Ni) is a chemical element with atomic number 28.",
    );
  });

  it("shows the whole passage when the query asks for something no sentence names", () => {
    expect(focusPassage(LYON, "city Lyon founded")).toBe(LYON);
    expect(focusPassage(TOGO, "country Ghana")).toBe(TOGO);
  });

  it("does not end a sentence at an abbreviation or an initial, unless a label follows", () => {
    const guernsey =
      "Guernsey is a country in Northern Europe (region: Europe). Capital: St. Peter Port. Area: 78 square kilometres.";
    expect(focusPassage(guernsey, "country Guernsey capital")).toBe(
      "Guernsey is a country in Northern Europe (region: Europe). Capital: St. Peter Port.",
    );
    const states =
      "United States is a country in Northern America. Capital: Washington D.C. Area: 9372610 square kilometres.";
    expect(sentencesOf(states)).toEqual([
      "United States is a country in Northern America.",
      "Capital: Washington D.C.",
      "Area: 9372610 square kilometres.",
    ]);
    expect(sentencesOf("St. Louis is a city in Missouri. Population: 319294.")).toEqual([
      "St. Louis is a city in Missouri.",
      "Population: 319294.",
    ]);
  });
});
