/**
 * The records a split's questions are drawn from, with how each is named in a question: cities are
 * named so that the name alone picks one record ("Lyon"; "Paris, France"; "Paris, Texas, United States").
 */
import type {
  CityRecord,
  CountryRecord,
  ElementRecord,
  WorldRecords,
} from "../../knowledge/world/records.ts";
import { entitySplits } from "./splits.ts";
import type { Split } from "./types.ts";

export interface NamedCity {
  city: CityRecord;
  /** How a question names it. */
  label: string;
  /** Search terms that find its passage. */
  query: string;
  /** Record ids the label mentions: the city, and its country when the label names it. */
  entities: string[];
}

export interface SplitPools {
  split: Split;
  /** Reasonably populous cities with a label that picks them out. */
  cities: NamedCity[];
  countries: CountryRecord[];
  /** Countries whose single capital is a city of the same split. */
  capitalCountries: { country: CountryRecord; capital: NamedCity }[];
  /** Elements with a standard atomic weight. */
  weighedElements: ElementRecord[];
  elements: ElementRecord[];
  records: WorldRecords;
}

/** Cities from this population up are asked about; below it, only if a split has too few. */
const POPULOUS = 50_000;
const MIN_POOL = 60;
/** Populated places proper: not city sections (PPLX, "Marseille 11"), abandoned or historical places. */
const ASKABLE_FEATURES = /^(PPL|PPLA\d?|PPLC|PPLG|PPLS)$/;

const cache = new Map<Split, SplitPools>();

export function splitPools(records: WorldRecords, split: Split): SplitPools {
  const cached = cache.get(split);
  if (cached && cached.records === records) return cached;
  const splits = entitySplits(records);
  const inSplit = (id: string) => splits.get(id) === split;
  const adminCounts = new Map<string, number>();
  for (const city of records.cities) {
    const key = `${city.countryCode}|${city.adminCode}|${city.name}`;
    adminCounts.set(key, (adminCounts.get(key) ?? 0) + 1);
  }
  const named = new Map<string, NamedCity>();
  for (const city of records.cities) {
    if (!inSplit(city.id) || !ASKABLE_FEATURES.test(city.featureCode)) continue;
    const unique = adminCounts.get(`${city.countryCode}|${city.adminCode}|${city.name}`) === 1;
    const entry = nameCity(city, unique);
    if (entry) named.set(city.id, entry);
  }
  const all = [...named.values()].sort((a, b) => b.city.population - a.city.population);
  let cities = all.filter((entry) => entry.city.population >= POPULOUS);
  if (cities.length < MIN_POOL) cities = all.slice(0, Math.max(MIN_POOL, cities.length));
  const countries = records.countries.filter((country) => inSplit(country.id));
  const capitalCountries = countries.flatMap((country) => {
    const capital = country.capitalCityIds.length === 1 ? named.get(country.capitalCityIds[0]) : undefined;
    return capital && country.capitals.length === 1 ? [{ country, capital }] : [];
  });
  const elements = records.elements.filter((element) => inSplit(element.id));
  const weighedElements = elements.filter(
    (element) => element.atomicMass !== null && !element.massIsMassNumber,
  );
  const pools = { split, cities, countries, capitalCountries, weighedElements, elements, records };
  cache.set(split, pools);
  return pools;
}

function nameCity(city: CityRecord, uniqueInAdmin: boolean): NamedCity | undefined {
  const withCountry = city.countryId ? [city.id, city.countryId] : [city.id];
  if (city.sameNameInCountryCount > 1) {
    if (!city.adminName || !uniqueInAdmin) return undefined;
    const label = `${city.name}, ${city.adminName}, ${city.countryName}`;
    return { city, label, query: `${city.name} ${city.adminName}`, entities: withCountry };
  }
  if (city.sameNameCount > 1) {
    return {
      city,
      label: `${city.name}, ${city.countryName}`,
      query: `${city.name} ${city.countryName}`,
      entities: withCountry,
    };
  }
  return { city, label: city.name, query: city.name, entities: [city.id] };
}
