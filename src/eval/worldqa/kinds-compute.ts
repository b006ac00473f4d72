/** Arithmetic and comparison question kinds: two or more facts and a calculation or a choice. */
import type { ElementRecord } from "../../knowledge/world/records.ts";
import { type Draft, fact, type QuestionKind, tidy } from "./kind.ts";
import type { NamedCity, SplitPools } from "./pools.ts";
import { integerBetween, pick } from "./random.ts";

/** Two distinct cities, the more populous first. */
function twoCities(pools: SplitPools, random: () => number): [NamedCity, NamedCity] | undefined {
  const first = pick(random, pools.cities);
  const second = pick(random, pools.cities);
  if (first.city.id === second.city.id || first.city.population === second.city.population) return undefined;
  if (first.city.name === second.city.name) return undefined;
  return first.city.population > second.city.population ? [first, second] : [second, first];
}

function populationFacts(cities: NamedCity[]) {
  return cities.map((entry) =>
    fact(entry.city.id, "population", entry.city.population, `${entry.query} population`),
  );
}

/** Real compounds, used when all their elements are in the split. */
const COMPOUNDS = [
  "H2O",
  "CO2",
  "NaCl",
  "CH4",
  "NH3",
  "H2SO4",
  "CaCO3",
  "Fe2O3",
  "C6H12O6",
  "KCl",
  "MgO",
  "SiO2",
  "Al2O3",
  "HCl",
  "NaOH",
  "CuSO4",
  "ZnO",
  "KNO3",
  "C2H6O",
  "N2O",
];

/** A formula as [symbol, count] pairs in order: H2SO4 → H 2, S 1, O 4. */
export function parseFormula(formula: string): [string, number][] {
  return [...formula.matchAll(/([A-Z][a-z]?)(\d*)/g)].map((match) => [
    match[1],
    match[2] ? Number(match[2]) : 1,
  ]);
}

function formatFormula(parts: [string, number][]): string {
  return parts.map(([symbol, count]) => (count > 1 ? `${symbol}${count}` : symbol)).join("");
}

/** A formula from the split's elements: a real compound when one fits, else one made of 1–3 of them. */
function drawFormula(pools: SplitPools, random: () => number): [ElementRecord, number][] | undefined {
  const bySymbol = new Map(pools.weighedElements.map((element) => [element.symbol, element]));
  const real = COMPOUNDS.map(parseFormula).filter((parts) => parts.every(([symbol]) => bySymbol.has(symbol)));
  if (real.length > 0 && random() < 0.5)
    return pick(random, real).map(([symbol, count]) => [bySymbol.get(symbol)!, count]);
  if (pools.weighedElements.length < 1) return undefined;
  const size = Math.min(integerBetween(random, 1, 3), pools.weighedElements.length);
  const chosen = new Map<string, [ElementRecord, number]>();
  while (chosen.size < size) {
    const element = pick(random, pools.weighedElements);
    chosen.set(element.symbol, [element, integerBetween(random, 1, 4)]);
  }
  const parts = [...chosen.values()];
  if (parts.length === 1 && parts[0][1] === 1) parts[0][1] = 2;
  return parts;
}

export const ARITHMETIC_KINDS: QuestionKind[] = [
  {
    kind: "population-difference",
    type: "arithmetic",
    templates: [
      "How many more people live in {a} than in {b}?",
      "By how many people does the population of {a} exceed that of {b}?",
      "What is the difference between the populations of {a} and {b}?",
    ],
    heldOut: [
      "{a} has how many more inhabitants than {b}?",
      "Subtract the population of {b} from that of {a}: what is left?",
    ],
    draw(pools, random) {
      const pair = twoCities(pools, random);
      if (!pair) return undefined;
      const [a, b] = pair;
      return {
        slots: { a: a.label, b: b.label },
        answer: { kind: "number", value: a.city.population - b.city.population, unit: "people" },
        entities: [...new Set([...a.entities, ...b.entities])],
        facts: populationFacts([a, b]),
        expression: `${a.city.population} - ${b.city.population}`,
      };
    },
  },
  {
    kind: "population-sum",
    type: "arithmetic",
    templates: [
      "What is the combined population of {a} and {b}?",
      "How many people live in {a} and {b} together?",
      "What is the total population of {a} and {b}?",
    ],
    heldOut: [
      "Add up the inhabitants of {a} and {b}: how many is that?",
      "{a} and {b} together are home to how many people?",
    ],
    draw(pools, random) {
      const pair = twoCities(pools, random);
      if (!pair) return undefined;
      const [a, b] = random() < 0.5 ? pair : [pair[1], pair[0]];
      return {
        slots: { a: a.label, b: b.label },
        answer: { kind: "number", value: a.city.population + b.city.population, unit: "people" },
        entities: [...new Set([...a.entities, ...b.entities])],
        facts: populationFacts([a, b]),
        expression: `${a.city.population} + ${b.city.population}`,
      };
    },
  },
  {
    kind: "area-difference",
    type: "arithmetic",
    templates: [
      "How many square kilometres larger is {a} than {b}?",
      "By how many square kilometres does the area of {a} exceed that of {b}?",
      "What is the difference in area between {a} and {b}, in square kilometres?",
    ],
    heldOut: [
      "{a} covers how many more square kilometres than {b}?",
      "Subtract the area of {b} from the area of {a}, in km².",
    ],
    draw(pools, random) {
      const first = pick(random, pools.countries);
      const second = pick(random, pools.countries);
      if (first.id === second.id || first.area === second.area || !(first.area > 0 && second.area > 0))
        return undefined;
      const [a, b] = first.area > second.area ? [first, second] : [second, first];
      return {
        slots: { a: a.name, b: b.name },
        answer: { kind: "number", value: tidy(a.area - b.area), tolerance: 0.01, unit: "square kilometres" },
        entities: [a.id, b.id],
        facts: [fact(a.id, "area", a.area, `${a.name} area`), fact(b.id, "area", b.area, `${b.name} area`)],
        expression: `${a.area} - ${b.area}`,
      };
    },
  },
  {
    kind: "molar-mass",
    type: "arithmetic",
    templates: [
      "What is the molar mass of {formula} in g/mol, from the atomic masses of its elements?",
      "Using atomic masses, what is the molar mass of {formula}?",
      "Compute the molar mass of {formula} from its elements' atomic masses.",
    ],
    heldOut: [
      "How many grams does one mole of {formula} weigh?",
      "One mole of {formula} has what mass in grams?",
    ],
    draw(pools, random): Draft | undefined {
      const parts = drawFormula(pools, random);
      if (!parts) return undefined;
      const value = tidy(parts.reduce((sum, [element, count]) => sum + count * element.atomicMass!, 0));
      return {
        slots: { formula: formatFormula(parts.map(([element, count]) => [element.symbol, count])) },
        answer: { kind: "number", value, tolerance: 0.02, unit: "g/mol" },
        entities: parts.map(([element]) => element.id),
        facts: parts.map(([element]) =>
          fact(element.id, "atomicMass", element.atomicMass!, `atomic mass of symbol ${element.symbol}`),
        ),
        expression: parts
          .map(([element, count]) =>
            count > 1 ? `${count} * ${element.atomicMass}` : `${element.atomicMass}`,
          )
          .join(" + "),
      };
    },
  },
];

export const COMPARISON_KINDS: QuestionKind[] = [
  {
    kind: "city-more-people",
    type: "comparison",
    templates: [
      "Which has more people, {a} or {b}?",
      "Which city is more populous: {a} or {b}?",
      "Does {a} or {b} have the larger population?",
    ],
    heldOut: [
      "Between {a} and {b}, which is home to more inhabitants?",
      "{a} versus {b}: which city is bigger by population?",
    ],
    draw(pools, random) {
      const pair = twoCities(pools, random);
      if (!pair) return undefined;
      const [larger, smaller] = pair;
      const [a, b] = random() < 0.5 ? [larger, smaller] : [smaller, larger];
      return {
        slots: { a: a.label, b: b.label },
        answer: {
          kind: "text",
          value: larger.city.name,
          aliases: [larger.label],
          rejects: [smaller.city.name],
        },
        entities: [...new Set([...a.entities, ...b.entities])],
        facts: populationFacts([a, b]),
      };
    },
  },
  {
    kind: "country-larger",
    type: "comparison",
    templates: [
      "Which country is larger by area, {a} or {b}?",
      "Which covers more square kilometres: {a} or {b}?",
      "Is {a} or {b} the larger country by area?",
    ],
    heldOut: [
      "Between {a} and {b}, which has the greater surface area?",
      "{a} versus {b}: which country is bigger in area?",
    ],
    draw(pools, random) {
      const first = pick(random, pools.countries);
      const second = pick(random, pools.countries);
      if (first.id === second.id || first.area === second.area || !(first.area > 0 && second.area > 0))
        return undefined;
      const larger = first.area > second.area ? first : second;
      const smaller = larger === first ? second : first;
      return {
        slots: { a: first.name, b: second.name },
        answer: { kind: "text", value: larger.name, aliases: [larger.officialName], rejects: [smaller.name] },
        entities: [first.id, second.id],
        facts: [
          fact(first.id, "area", first.area, `${first.name} area`),
          fact(second.id, "area", second.area, `${second.name} area`),
        ],
      };
    },
  },
  {
    kind: "element-heavier",
    type: "comparison",
    templates: [
      "Which element has the greater atomic mass, {a} or {b}?",
      "Which is heavier per atom: {a} or {b}?",
      "Does {a} or {b} have the higher atomic mass?",
    ],
    heldOut: [
      "Between {a} and {b}, whose atoms weigh more?",
      "{a} versus {b}: which has the larger atomic weight?",
    ],
    draw(pools, random) {
      if (pools.weighedElements.length < 2) return undefined;
      const first = pick(random, pools.weighedElements);
      const second = pick(random, pools.weighedElements);
      if (first.id === second.id) return undefined;
      const heavier = first.atomicMass! > second.atomicMass! ? first : second;
      const lighter = heavier === first ? second : first;
      return {
        slots: { a: first.name, b: second.name },
        answer: { kind: "text", value: heavier.name, aliases: [heavier.symbol], rejects: [lighter.name] },
        entities: [first.id, second.id],
        facts: [first, second].map((element) =>
          fact(element.id, "atomicMass", element.atomicMass!, `${element.name} atomic mass`),
        ),
      };
    },
  },
];
