/**
 * One plainly worded passage per world record. Numbers are plain digits with no thousands separators
 * (a small model copies them digit by digit into a calculator). Every passage names its source and
 * licence in `source` and `metadata.licence`. `metadata.context` (the record's name) is indexed beside
 * the text, as a title: it makes the passage *about* Russia outrank the passages that mention it.
 */
import type { Passage } from "../types.ts";
import {
  type CityRecord,
  type CountryRecord,
  type ElementRecord,
  WORLD_SOURCES,
  type WorldRecord,
  type WorldRecords,
} from "./records.ts";

/** Plain digits: 472317, 0.44, 55.845 — never 4.7e5 or "472,317". */
export function plainNumber(value: number): string {
  if (Number.isInteger(value)) return value.toFixed(0);
  return String(Number(value.toPrecision(12)));
}

/** "45.7485 N, 4.8467 E". */
export function formatCoordinates(latitude: number, longitude: number): string {
  const part = (value: number, positive: string, negative: string) =>
    `${Math.abs(value).toFixed(4)} ${value >= 0 ? positive : negative}`;
  return `${part(latitude, "N", "S")}, ${part(longitude, "E", "W")}`;
}

/** Where the city is, as precisely as its name needs: "Texas, United States" or "France". */
export function cityPlace(city: CityRecord): string {
  if (city.adminName) return `${city.adminName}, ${city.countryName}`;
  if (city.sameNameInCountryCount > 1)
    return `${city.countryName} (administrative division ${city.adminCode})`;
  return city.countryName;
}

export function cityPassage(city: CityRecord, capitalOf?: CountryRecord): Passage {
  const region = city.subregion || city.region;
  const where = region ? `${cityPlace(city)} (${region})` : cityPlace(city);
  const sentences = [`${city.name} is a city in ${where}.`];
  if (capitalOf) sentences.push(`It is the capital of ${capitalOf.name}.`);
  sentences.push(`Population: ${plainNumber(city.population)}.`);
  sentences.push(`Coordinates: ${formatCoordinates(city.latitude, city.longitude)}.`);
  return {
    id: city.id,
    source: WORLD_SOURCES.city.source,
    text: sentences.join(" "),
    metadata: {
      kind: "city",
      context: city.name,
      name: city.name,
      country: city.countryCode,
      population: city.population,
      licence: WORLD_SOURCES.city.licence,
    },
  };
}

export function countryPassage(country: CountryRecord, names: Map<string, string>): Passage {
  const sentences = [
    `${country.name} is a country in ${country.subregion || country.region} (region: ${country.region}).`,
  ];
  if (country.officialName !== country.name) sentences.push(`Official name: ${country.officialName}.`);
  // Labels stay singular with several values (South Africa's three capitals): a query names the field
  // as `capital`, and search and focus match the label's word.
  if (country.capitals.length > 0) sentences.push(`Capital: ${country.capitals.join(", ")}.`);
  sentences.push(`Area: ${plainNumber(country.area)} square kilometres.`);
  if (country.currencies.length > 0) {
    const currencies = country.currencies.map((currency) => `${currency.name} (${currency.code})`);
    sentences.push(`Currency: ${currencies.join(", ")}.`);
  }
  if (country.languages.length > 0) sentences.push(`Language: ${country.languages.join(", ")}.`);
  if (country.borders.length > 0) {
    sentences.push(`Borders: ${country.borders.map((id) => names.get(id) ?? id.slice(8)).join(", ")}.`);
  } else sentences.push("It borders no other country by land.");
  if (country.landlocked) sentences.push("It is landlocked.");
  sentences.push(`Country codes: ${country.cca2}, ${country.cca3}.`);
  return {
    id: country.id,
    source: WORLD_SOURCES.country.source,
    text: sentences.join(" "),
    metadata: {
      kind: "country",
      context: country.name,
      name: country.name,
      region: country.region,
      licence: WORLD_SOURCES.country.licence,
    },
  };
}

export function elementPassage(element: ElementRecord): Passage {
  const sentences = [
    `${element.name} (symbol ${element.symbol}) is a chemical element with atomic number ${element.atomicNumber}.`,
  ];
  if (element.atomicMass !== null) {
    sentences.push(
      element.massIsMassNumber
        ? `Mass number of its most stable isotope: ${plainNumber(element.atomicMass)}.`
        : `Atomic mass: ${plainNumber(element.atomicMass)}.`,
    );
  }
  if (element.groupBlock) sentences.push(`Group: ${element.groupBlock}.`);
  if (element.standardState) sentences.push(`Standard state: ${element.standardState}.`);
  if (element.meltingPoint !== undefined)
    sentences.push(`Melting point: ${plainNumber(element.meltingPoint)} K.`);
  if (element.boilingPoint !== undefined)
    sentences.push(`Boiling point: ${plainNumber(element.boilingPoint)} K.`);
  if (element.density !== undefined) sentences.push(`Density: ${plainNumber(element.density)} g/cm3.`);
  if (element.yearDiscovered !== undefined) {
    sentences.push(
      element.yearDiscovered === "Ancient"
        ? "Known since ancient times."
        : `Year discovered: ${element.yearDiscovered}.`,
    );
  }
  return {
    id: element.id,
    source: WORLD_SOURCES.element.source,
    text: sentences.join(" "),
    metadata: {
      kind: "element",
      context: element.name,
      name: element.name,
      symbol: element.symbol,
      licence: WORLD_SOURCES.element.licence,
    },
  };
}

/** Builds the passage of any record; `records` resolves capitals and neighbours' names. */
export function recordPassage(record: WorldRecord, records: WorldRecords): Passage {
  if (record.kind === "element") return elementPassage(record);
  if (record.kind === "country") return countryPassage(record, countryNames(records));
  return cityPassage(record, capitalIndex(records).get(record.id));
}

let namesCache: Map<string, string> | undefined;
let capitalsCache: Map<string, CountryRecord> | undefined;

function countryNames(records: WorldRecords): Map<string, string> {
  namesCache ??= new Map(records.countries.map((country) => [country.id, country.name]));
  return namesCache;
}

/** City id → the country it is the capital of. */
export function capitalIndex(records: WorldRecords): Map<string, CountryRecord> {
  if (!capitalsCache) {
    capitalsCache = new Map();
    for (const country of records.countries) {
      for (const cityId of country.capitalCityIds) capitalsCache.set(cityId, country);
    }
  }
  return capitalsCache;
}

/** Every passage of the world KB: countries, elements, then cities. */
export function* worldPassages(records: WorldRecords): Generator<Passage> {
  for (const country of records.countries) yield recordPassage(country, records);
  for (const element of records.elements) yield recordPassage(element, records);
  for (const city of records.cities) yield recordPassage(city, records);
}
