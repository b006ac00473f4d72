/**
 * Unanswerable question kinds: the KB cannot answer, so the right response is to abstain. Either the
 * entity is invented (a name checked to be absent from every record and from every record name's words),
 * or the entity is real but the KB holds no such fact (world-countries has no populations, GeoNames no
 * founding dates).
 */

import { tokenize } from "../../knowledge/tokenize.ts";
import type { WorldRecords } from "../../knowledge/world/records.ts";
import type { QuestionKind } from "./kind.ts";
import { LOOKUP_KINDS } from "./kinds-lookup.ts";
import { integerBetween, pick } from "./random.ts";
import { inventedNameSplit } from "./splits.ts";
import type { Split } from "./types.ts";

const ONSETS = [
  "b",
  "br",
  "d",
  "dr",
  "f",
  "g",
  "gr",
  "k",
  "kl",
  "l",
  "m",
  "n",
  "p",
  "pr",
  "r",
  "s",
  "st",
  "t",
  "tr",
  "v",
  "z",
  "zh",
  "qu",
  "th",
];
const VOWELS = ["a", "e", "i", "o", "u", "ae", "ou", "ia"];
const CODAS = ["", "", "n", "r", "l", "s", "x", "nd", "rk"];

let knownWords: Set<string> | undefined;

/** Every word of every record's name: an invented name may share none of them. */
function recordNameWords(records: WorldRecords): Set<string> {
  if (!knownWords) {
    knownWords = new Set();
    for (const record of [...records.cities, ...records.countries, ...records.elements]) {
      for (const word of tokenize(record.name)) knownWords.add(word);
    }
    for (const country of records.countries)
      for (const word of tokenize(country.officialName)) knownWords.add(word);
  }
  return knownWords;
}

let knownCityNames: Set<string> | undefined;

/** Every city's name, folded. */
function cityNames(records: WorldRecords): Set<string> {
  knownCityNames ??= new Set(records.cities.map((city) => tokenize(city.name).join(" ")));
  return knownCityNames;
}

/** A pronounceable invented name that is in this split and names nothing in the KB. */
export function inventName(
  records: WorldRecords,
  split: Split,
  random: () => number,
  suffix = "",
): string | undefined {
  const known = recordNameWords(records);
  for (let attempt = 0; attempt < 200; attempt++) {
    let word = "";
    const syllables = integerBetween(random, 2, 3);
    for (let index = 0; index < syllables; index++) {
      word +=
        pick(random, ONSETS) + pick(random, VOWELS) + (index === syllables - 1 ? pick(random, CODAS) : "");
    }
    const name = word[0].toUpperCase() + word.slice(1) + suffix;
    if (tokenize(name).some((token) => known.has(token))) continue;
    if (inventedNameSplit(name) !== split) continue;
    return name;
  }
  return undefined;
}

/** An invented entity is asked about in the very words used for a real one. */
function phrasingsOf(kind: string): Pick<QuestionKind, "templates" | "heldOut"> {
  const source = LOOKUP_KINDS.find((candidate) => candidate.kind === kind)!;
  return { templates: source.templates, heldOut: source.heldOut };
}

export const UNANSWERABLE_KINDS: QuestionKind[] = [
  {
    kind: "invented-city-population",
    type: "unanswerable",
    ...phrasingsOf("city-population"),
    draw(pools, random) {
      const name = inventName(
        pools.records,
        pools.split,
        random,
        pick(random, ["", "", " City", "ville", "burg", "grad"]),
      );
      if (!name) return undefined;
      return {
        slots: { city: name },
        answer: { kind: "abstain", value: "" },
        entities: [],
        facts: [],
        retrievalQueries: [`${name} population`],
      };
    },
  },
  {
    kind: "invented-country-capital",
    type: "unanswerable",
    ...phrasingsOf("country-capital"),
    draw(pools, random) {
      const name = inventName(
        pools.records,
        pools.split,
        random,
        pick(random, ["ia", "stan", "land", "ovia"]),
      );
      if (!name) return undefined;
      return {
        slots: { country: name },
        answer: { kind: "abstain", value: "" },
        entities: [],
        facts: [],
        retrievalQueries: [`${name} capital`],
      };
    },
  },
  {
    kind: "invented-element-number",
    type: "unanswerable",
    ...phrasingsOf("element-number"),
    draw(pools, random) {
      const name = inventName(pools.records, pools.split, random, "ium");
      if (!name) return undefined;
      return {
        slots: { element: name },
        answer: { kind: "abstain", value: "" },
        entities: [],
        facts: [],
        retrievalQueries: [`${name} atomic number`],
      };
    },
  },
  {
    kind: "country-population",
    type: "unanswerable",
    templates: [
      "What is the population of the country {country}?",
      "How many people live in the country of {country}?",
      "How many inhabitants does the nation of {country} have?",
    ],
    heldOut: [
      "Tell me the total population of the country {country}.",
      "The country {country} is home to how many people?",
    ],
    draw(pools, random) {
      const country = pick(random, pools.countries);
      // A city with the country's name (Singapore, Monaco) would answer the question.
      if (cityNames(pools.records).has(tokenize(country.name).join(" "))) return undefined;
      return {
        slots: { country: country.name },
        answer: { kind: "abstain", value: "" },
        entities: [country.id],
        facts: [],
        retrievalQueries: [`${country.name} population`],
      };
    },
  },
  {
    kind: "city-founding",
    type: "unanswerable",
    templates: [
      "In what year was {city} founded?",
      "When was {city} founded?",
      "What year was the city of {city} established?",
    ],
    heldOut: ["Tell me the founding year of {city}.", "{city} dates back to which year of foundation?"],
    draw(pools, random) {
      const { label, query, entities } = pick(random, pools.cities);
      return {
        slots: { city: label },
        answer: { kind: "abstain", value: "" },
        entities,
        facts: [],
        retrievalQueries: [`${query} founded`],
      };
    },
  },
];
