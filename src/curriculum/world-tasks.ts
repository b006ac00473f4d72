/**
 * WorldQA questions as tasks over the world KB. One query rule for every fact, so a small model has
 * little to learn about queries: the record's kind, then its name as the question or a passage writes it.
 *
 *   a city       "city {city as the question names it}"    city Lyon · city Paris, Texas, United States
 *   a country    "country {country}"                        country Peru
 *   an element   "element {element}", or by its symbol "element symbol {S}"
 *   a capital    "city {capital} {country}" (the second hop: the capital's name alone is often ambiguous)
 *
 * The kind comes first so that the name keeps its leading space: `search(country Peru)` tokenises
 * " Peru" exactly as the question and the passages do, so the model copies tokens instead of spelling
 * (with "Peru country", the byte-level pre-tokeniser would glue "(" to the name: "(P", "eru").
 * Values are written as the passages write them (plainNumber), so calc gets the digits the model copies.
 */

import { InvalidInputError } from "../errors.ts";
import { parseFormula } from "../eval/worldqa/kinds-compute.ts";
import { splitPools } from "../eval/worldqa/pools.ts";
import type { QuestionType, WorldQuestion } from "../eval/worldqa/types.ts";
import { plainNumber } from "../knowledge/world/passages.ts";
import type {
  CityRecord,
  CountryRecord,
  ElementRecord,
  WorldRecord,
  WorldRecords,
} from "../knowledge/world/records.ts";
import type { AnswerRule, LookupStep, Task } from "./task.ts";

/** How a question names each city of its split ("Lyon", "Paris, France"). */
function cityLabels(records: WorldRecords, question: WorldQuestion): Map<string, string> {
  const pools = splitPools(records, question.split);
  return new Map(pools.cities.map((entry) => [entry.city.id, entry.label]));
}

function record<K extends WorldRecord["kind"]>(
  records: WorldRecords,
  id: string,
  kind: K,
): Extract<WorldRecord, { kind: K }> {
  const found = records.byId.get(id);
  if (found?.kind !== kind) {
    throw new InvalidInputError(`no ${kind} record ${id}`, { expected: `a ${kind} of the world records` });
  }
  return found as Extract<WorldRecord, { kind: K }>;
}

/** The field a step reads, named last in its query: the search tool's focused hits show that field. */
type Field = "population" | "capital" | "area" | "currency" | "mass";
const ask = (field?: Field) => (field ? ` ${field}` : "");

function cityStep(city: CityRecord, label: string, value: string, field?: Field): LookupStep {
  return { query: `city ${label}${ask(field)}`, passageId: city.id, value };
}

function countryStep(country: CountryRecord, value: string, field?: Field): LookupStep {
  return { query: `country ${country.name}${ask(field)}`, passageId: country.id, value };
}

function elementStep(element: ElementRecord, value: string, bySymbol: boolean, field?: Field): LookupStep {
  const query = bySymbol ? `element symbol ${element.symbol}` : `element ${element.name}`;
  return { query: `${query}${ask(field)}`, passageId: element.id, value };
}

/** The field a single-lookup kind reads ("city-country" reads the first sentence: no field). */
const LOOKUP_FIELD: Partial<Record<string, Field>> = {
  "city-population": "population",
  "country-capital": "capital",
  "country-currency": "currency",
  "country-area": "area",
  "element-mass": "mass",
};

/**
 * The kind's plan, or undefined for single-step kinds. It names the steps, not the entities: the names
 * are copied once, into the calls, where the model copies them from the question or a passage.
 */
function plan(question: WorldQuestion): string | undefined {
  switch (question.kind) {
    case "capital-population":
      return "the capital, then its population, then answer";
    case "city-country-currency":
      return "the country of the city, then its currency, then answer";
    case "city-country-capital":
      return "the country of the city, then its capital, then answer";
    case "population-difference":
      return "two populations, then subtract";
    case "population-sum":
      return "two populations, then add";
    case "area-difference":
      return "two areas, then subtract";
    case "molar-mass":
      // The formula's parts, in the order the calc adds them: "1 Th + 3 Sr" for ThSr3.
      return `the atomic mass of each element, then add ${formulaParts(question)
        .map(([symbol, count]) => `${count} ${symbol}`)
        .join(" + ")}`;
    case "city-more-people":
      return "two populations, then compare";
    case "country-larger":
      return "two areas, then compare";
    case "element-heavier":
      return "two atomic masses, then compare";
    default:
      return undefined;
  }
}

interface Procedure {
  lookups: LookupStep[];
  calc?: string;
  answer: AnswerRule;
  /** The entities as the question names them, in the order the procedure visits them. */
  names: string[];
}

/** The procedure for a lookup or multi-hop question. */
function lookupProcedure(q: WorldQuestion, records: WorldRecords, labels: Map<string, string>): Procedure {
  const [first, second] = q.facts;
  const value = (fact: { value: number | string }) =>
    typeof fact.value === "number" ? plainNumber(fact.value) : fact.value;
  const answerText =
    q.answer.kind === "abstain"
      ? ""
      : String(q.answer.kind === "number" ? plainNumber(q.answer.value) : q.answer.value);
  const answer: AnswerRule = { kind: "value", text: answerText };
  switch (q.kind) {
    case "city-population":
    case "city-country": {
      const city = record(records, first.entity, "city");
      const label = labels.get(city.id) ?? city.name;
      return {
        lookups: [cityStep(city, label, value(first), LOOKUP_FIELD[q.kind])],
        answer,
        names: [label],
      };
    }
    case "country-capital":
    case "country-region":
    case "country-currency":
    case "country-area": {
      const country = record(records, first.entity, "country");
      return {
        lookups: [countryStep(country, answerText, LOOKUP_FIELD[q.kind])],
        answer,
        names: [country.name],
      };
    }
    case "element-number":
    case "element-mass":
    case "element-symbol":
    case "symbol-element": {
      const element = record(records, first.entity, "element");
      const bySymbol = q.kind === "symbol-element";
      return {
        lookups: [elementStep(element, answerText, bySymbol, LOOKUP_FIELD[q.kind])],
        answer,
        names: [element.name],
      };
    }
    case "capital-population": {
      const country = record(records, first.entity, "country");
      const capital = record(records, second.entity, "city");
      const capitalName = country.capitals[0];
      return {
        lookups: [
          countryStep(country, capitalName, "capital"),
          {
            query: `city ${capitalName} ${country.name} population`,
            passageId: capital.id,
            value: value(second),
          },
        ],
        answer,
        names: [country.name],
      };
    }
    case "city-country-currency":
    case "city-country-capital": {
      const city = record(records, first.entity, "city");
      const country = record(records, second.entity, "country");
      const label = labels.get(city.id) ?? city.name;
      return {
        lookups: [
          cityStep(city, label, country.name),
          countryStep(country, answerText, q.kind === "city-country-currency" ? "currency" : "capital"),
        ],
        answer,
        names: [label],
      };
    }
    default:
      throw new InvalidInputError(`no procedure for the WorldQA kind '${q.kind}'`, {
        expected: "a lookup, multihop, arithmetic, comparison or unanswerable kind",
      });
  }
}

/** The steps reading each fact of an arithmetic or comparison question (two cities, countries or elements). */
function factSteps(q: WorldQuestion, records: WorldRecords, labels: Map<string, string>) {
  return q.facts.map((fact) => {
    const found = records.byId.get(fact.entity);
    const value = plainNumber(fact.value as number);
    if (found?.kind === "city") {
      const label = labels.get(found.id) ?? found.name;
      return { step: cityStep(found, label, value, "population"), name: label };
    }
    if (found?.kind === "country") return { step: countryStep(found, value, "area"), name: found.name };
    const element = record(records, fact.entity, "element");
    const bySymbol = q.kind === "molar-mass";
    return {
      step: elementStep(element, value, bySymbol, "mass"),
      name: bySymbol ? element.symbol : element.name,
    };
  });
}

/** The formula in a molar-mass question, as [symbol, count] pairs in order: H2SO4 → H 2, S 1, O 4. */
function formulaParts(q: WorldQuestion): Array<[string, number]> {
  const formula = q.question
    .split(/\s+/)
    .map((word) => word.replace(/[^A-Za-z0-9]/g, ""))
    .find((word) => /^(?:[A-Z][a-z]?\d*)+$/.test(word) && /\d|[A-Z].*[A-Z]/.test(word));
  return parseFormula(formula ?? "");
}

/**
 * Molar mass: "2 * 1.00794 + 1 * 32.065 + 4 * 15.9994", every term with its count (1 too), in the
 * formula's order: the model copies each count from its plan and each mass from a search.
 */
function molarExpression(q: WorldQuestion, values: string[]): string {
  const counts = formulaParts(q).map(([, count]) => count);
  if (counts.length !== values.length) {
    throw new InvalidInputError(`cannot read the formula of '${q.question}'`, {
      expected: "one count per element of the formula",
    });
  }
  return values.map((value, index) => `${counts[index]} * ${value}`).join(" + ");
}

function computeProcedure(q: WorldQuestion, records: WorldRecords, labels: Map<string, string>): Procedure {
  const steps = factSteps(q, records, labels);
  const lookups = steps.map((entry) => entry.step);
  const values = lookups.map((step) => step.value!);
  const names = steps.map((entry) => entry.name);
  if (q.type === "comparison") {
    const [nameA, nameB] = names;
    // The answer names the option as the question wrote it (a city's label, which WorldQA accepts).
    const answer: AnswerRule = { kind: "sign", positive: nameA, negative: nameB };
    return { lookups, calc: `${values[0]} - ${values[1]}`, answer, names };
  }
  const calc =
    q.kind === "molar-mass"
      ? molarExpression(q, values)
      : `${values[0]} ${q.kind === "population-sum" ? "+" : "-"} ${values[1]}`;
  return { lookups, calc, answer: { kind: "calc" }, names };
}

/** The world query for an unanswerable question's entity (invented, or real with a fact the KB lacks). */
function unanswerableProcedure(
  q: WorldQuestion,
  records: WorldRecords,
  labels: Map<string, string>,
): Procedure {
  const [query] = q.retrievalQueries;
  const subject = query.replace(/ (population|capital|atomic number|founded)$/, "");
  const kindWord: Record<string, string> = {
    "invented-city-population": "city",
    "invented-country-capital": "country",
    "invented-element-number": "element",
    "country-population": "country",
    "city-founding": "city",
  };
  const fieldWord: Record<string, string> = {
    "invented-city-population": " population",
    "invented-country-capital": " capital",
    "country-population": " population",
  };
  let name = subject;
  if (q.kind === "city-founding") {
    const cityId = q.entities.find((id) => id.startsWith("city:"))!;
    name = labels.get(cityId) ?? record(records, cityId, "city").name;
  } else if (q.kind === "country-population") {
    name = record(records, q.entities[0], "country").name;
  }
  return {
    lookups: [{ query: `${kindWord[q.kind] ?? "city"} ${name}${fieldWord[q.kind] ?? ""}` }],
    answer: { kind: "abstain" },
    names: [name],
  };
}

/** The task (question + procedure) for a WorldQA question. */
export function worldTask(question: WorldQuestion, records: WorldRecords): Task {
  const labels = cityLabels(records, question);
  const type: QuestionType = question.type;
  const procedure =
    type === "unanswerable"
      ? unanswerableProcedure(question, records, labels)
      : type === "arithmetic" || type === "comparison"
        ? computeProcedure(question, records, labels)
        : lookupProcedure(question, records, labels);
  return {
    id: question.id,
    type,
    kind: question.kind,
    question: question.question,
    split: question.split,
    template: question.phrasing.template,
    heldOut: question.phrasing.heldOut,
    thinking: plan(question),
    lookups: procedure.lookups,
    calc: procedure.calc,
    answer: procedure.answer,
    expected: question.answer,
    entities: question.entities,
    source: question,
  };
}
