/** Lookup and multi-hop question kinds: one fact, or a chain of two facts from two passages. */
import { fact, type QuestionKind } from "./kind.ts";
import { pick } from "./random.ts";

export const LOOKUP_KINDS: QuestionKind[] = [
  {
    kind: "city-population",
    type: "lookup",
    templates: [
      "What is the population of {city}?",
      "How many people live in {city}?",
      "What is {city}'s population?",
    ],
    heldOut: ["Tell me how many inhabitants {city} has.", "{city} is home to how many people?"],
    draw(pools, random) {
      const { city, label, query, entities } = pick(random, pools.cities);
      return {
        slots: { city: label },
        answer: { kind: "number", value: city.population, unit: "people" },
        entities,
        facts: [fact(city.id, "population", city.population, `${query} population`)],
      };
    },
  },
  {
    kind: "city-country",
    type: "lookup",
    templates: [
      "In which country is {city}?",
      "Which country is {city} in?",
      "{city} is a city in which country?",
    ],
    heldOut: ["Name the country where the city of {city} lies.", "To which country does {city} belong?"],
    draw(pools, random) {
      const { city, query } = pick(
        random,
        pools.cities.filter((entry) => entry.entities.length === 1),
      );
      const country = city.countryId ? pools.records.byId.get(city.countryId) : undefined;
      if (country?.kind !== "country") return undefined;
      return {
        slots: { city: city.name },
        answer: {
          kind: "text",
          value: country.name,
          aliases: [country.officialName, country.cca2, country.cca3],
        },
        entities: [city.id],
        facts: [fact(city.id, "country", country.name, `${query} city`)],
      };
    },
  },
  {
    kind: "country-capital",
    type: "lookup",
    templates: [
      "What is the capital of {country}?",
      "Which city is the capital of {country}?",
      "Name the capital of {country}.",
    ],
    heldOut: ["{country}'s seat of government is which city?", "Where is the capital city of {country}?"],
    draw(pools, random) {
      const country = pick(random, pools.countries);
      if (country.capitals.length === 0) return undefined;
      return {
        slots: { country: country.name },
        answer: { kind: "text", value: country.capitals[0], aliases: country.capitals.slice(1) },
        entities: [country.id],
        facts: [fact(country.id, "capital", country.capitals.join(", "), `${country.name} capital`)],
      };
    },
  },
  {
    kind: "country-region",
    type: "lookup",
    templates: [
      "In which region of the world is {country}?",
      "Which world region is {country} part of?",
      "What region is {country} in?",
    ],
    heldOut: [
      "On which part of the globe does {country} lie?",
      "Name the world region that includes {country}.",
    ],
    draw(pools, random) {
      const country = pick(random, pools.countries);
      if (!country.region) return undefined;
      return {
        slots: { country: country.name },
        answer: {
          kind: "text",
          value: country.region,
          aliases: country.subregion ? [country.subregion] : [],
        },
        entities: [country.id],
        facts: [fact(country.id, "region", country.region, `${country.name} country region`)],
      };
    },
  },
  {
    kind: "country-currency",
    type: "lookup",
    templates: [
      "What is the currency of {country}?",
      "Which currency is used in {country}?",
      "What money does {country} use?",
    ],
    heldOut: [
      "If you shop in {country}, which currency do you pay with?",
      "Name the official currency of {country}.",
    ],
    draw(pools, random) {
      const country = pick(random, pools.countries);
      if (country.currencies.length === 0) return undefined;
      const names = country.currencies.flatMap((currency) => [currency.name, currency.code]);
      return {
        slots: { country: country.name },
        answer: { kind: "text", value: country.currencies[0].name, aliases: names.slice(1) },
        entities: [country.id],
        facts: [fact(country.id, "currency", country.currencies[0].name, `${country.name} currency`)],
      };
    },
  },
  {
    kind: "country-area",
    type: "lookup",
    templates: [
      "What is the area of {country} in square kilometres?",
      "How large is {country} in square kilometres?",
      "How many square kilometres does {country} cover?",
    ],
    heldOut: ["Give the surface area of {country}, in km².", "{country} spans how many square kilometres?"],
    draw(pools, random) {
      const country = pick(random, pools.countries);
      if (!(country.area > 0)) return undefined;
      return {
        slots: { country: country.name },
        answer: { kind: "number", value: country.area, unit: "square kilometres" },
        entities: [country.id],
        facts: [fact(country.id, "area", country.area, `${country.name} area`)],
      };
    },
  },
  {
    kind: "element-number",
    type: "lookup",
    templates: [
      "What is the atomic number of {element}?",
      "Which atomic number does {element} have?",
      "How many protons does an atom of {element} have?",
    ],
    heldOut: [
      "{element} sits at which atomic number in the periodic table?",
      "Give the atomic number of the element {element}.",
    ],
    draw(pools, random) {
      const element = pick(random, pools.elements);
      return {
        slots: { element: element.name },
        answer: { kind: "number", value: element.atomicNumber },
        entities: [element.id],
        facts: [fact(element.id, "atomicNumber", element.atomicNumber, `${element.name} atomic number`)],
      };
    },
  },
  {
    kind: "element-mass",
    type: "lookup",
    templates: [
      "What is the atomic mass of {element}?",
      "How heavy is an atom of {element} in atomic mass units?",
      "What is the standard atomic weight of {element}?",
    ],
    heldOut: ["Give {element}'s atomic mass.", "An atom of {element} has what atomic mass?"],
    draw(pools, random) {
      if (pools.weighedElements.length === 0) return undefined;
      const element = pick(random, pools.weighedElements);
      return {
        slots: { element: element.name },
        answer: { kind: "number", value: element.atomicMass!, tolerance: 0.01, unit: "u" },
        entities: [element.id],
        facts: [fact(element.id, "atomicMass", element.atomicMass!, `${element.name} atomic mass`)],
      };
    },
  },
  {
    kind: "element-symbol",
    type: "lookup",
    templates: [
      "What is the chemical symbol of {element}?",
      "Which symbol stands for {element}?",
      "How is {element} written as a chemical symbol?",
    ],
    heldOut: [
      "Give the one- or two-letter symbol of {element}.",
      "{element} is abbreviated how in the periodic table?",
    ],
    draw(pools, random) {
      const element = pick(random, pools.elements);
      return {
        slots: { element: element.name },
        answer: { kind: "text", value: element.symbol },
        entities: [element.id],
        facts: [fact(element.id, "symbol", element.symbol, `${element.name} symbol`)],
      };
    },
  },
  {
    kind: "symbol-element",
    type: "lookup",
    templates: [
      "Which element has the chemical symbol {symbol}?",
      "What element does the symbol {symbol} stand for?",
      "Name the element with symbol {symbol}.",
    ],
    heldOut: ["The symbol {symbol} denotes which chemical element?", "In chemistry, what is {symbol}?"],
    draw(pools, random) {
      const element = pick(random, pools.elements);
      return {
        slots: { symbol: element.symbol },
        answer: { kind: "text", value: element.name },
        entities: [element.id],
        facts: [fact(element.id, "name", element.name, `symbol ${element.symbol} element`)],
      };
    },
  },
];

export const MULTIHOP_KINDS: QuestionKind[] = [
  {
    kind: "capital-population",
    type: "multihop",
    templates: [
      "What is the population of the capital of {country}?",
      "How many people live in the capital of {country}?",
      "What is the population of {country}'s capital city?",
    ],
    heldOut: [
      "The capital of {country} is home to how many people?",
      "Tell me the number of inhabitants of {country}'s capital.",
    ],
    draw(pools, random) {
      if (pools.capitalCountries.length === 0) return undefined;
      const { country, capital } = pick(random, pools.capitalCountries);
      return {
        slots: { country: country.name },
        answer: { kind: "number", value: capital.city.population, unit: "people" },
        entities: [country.id, capital.city.id],
        facts: [
          fact(country.id, "capital", country.capitals[0], `${country.name} capital`),
          fact(capital.city.id, "population", capital.city.population, `${capital.query} population`),
        ],
      };
    },
  },
  {
    kind: "city-country-currency",
    type: "multihop",
    templates: [
      "What currency is used in the country where {city} is?",
      "Which currency do people in {city} pay with?",
      "What is the currency of the country {city} is in?",
    ],
    heldOut: [
      "If you travel to {city}, which currency will you need?",
      "{city} lies in a country that uses which currency?",
    ],
    draw(pools, random) {
      const { city, query } = pick(
        random,
        pools.cities.filter((entry) => entry.entities.length === 1),
      );
      const country = city.countryId ? pools.records.byId.get(city.countryId) : undefined;
      if (country?.kind !== "country" || country.currencies.length === 0) return undefined;
      const names = country.currencies.flatMap((currency) => [currency.name, currency.code]);
      return {
        slots: { city: city.name },
        answer: { kind: "text", value: country.currencies[0].name, aliases: names.slice(1) },
        entities: [city.id, country.id],
        facts: [
          fact(city.id, "country", country.name, `${query} city`),
          fact(country.id, "currency", country.currencies[0].name, `${country.name} currency`),
        ],
      };
    },
  },
  {
    kind: "city-country-capital",
    type: "multihop",
    templates: [
      "What is the capital of the country where {city} is?",
      "{city} is in a country whose capital is which city?",
      "Which city is the capital of the country that {city} is in?",
    ],
    heldOut: [
      "Name the capital of the nation containing {city}.",
      "The country of {city} is governed from which capital?",
    ],
    draw(pools, random) {
      const { city, query } = pick(
        random,
        pools.cities.filter((entry) => entry.entities.length === 1),
      );
      const country = city.countryId ? pools.records.byId.get(city.countryId) : undefined;
      if (country?.kind !== "country" || country.capitals.length === 0) return undefined;
      if (country.capitals.includes(city.name)) return undefined;
      return {
        slots: { city: city.name },
        answer: { kind: "text", value: country.capitals[0], aliases: country.capitals.slice(1) },
        entities: [city.id, country.id],
        facts: [
          fact(city.id, "country", country.name, `${query} city`),
          fact(country.id, "capital", country.capitals.join(", "), `${country.name} capital`),
        ],
      };
    },
  },
];
