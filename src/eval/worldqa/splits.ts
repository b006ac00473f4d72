/**
 * Entity splits. Countries and elements are ordered by a salted hash of their id and cut 80/10/10 into
 * train/dev/test, so every split has its share of the small pools (250 countries: 200/25/25; 118
 * elements: 94/12/12). A city takes its country's split, so a test country, its capital and all its
 * cities never appear in a training question, and questions that join a city with its country (the
 * population of the capital of Peru, Paris, France) always stay within one split. The salt is fixed: the
 * generator's seed changes which questions are drawn, never which split an entity is in.
 */
import type { WorldRecords } from "../../knowledge/world/records.ts";
import { fmix32 } from "../../model/random.ts";
import { hashString } from "./random.ts";
import type { Split } from "./types.ts";

const SPLIT_SALT = "cogcore-worldqa-splits-v2";
const FRACTIONS: [Split, number][] = [
  ["train", 0.8],
  ["dev", 0.1],
  ["test", 0.1],
];

const cache = new WeakMap<WorldRecords, Map<string, Split>>();

/**
 * FNV-1a mixed by murmur3's finaliser. FNV-1a alone barely mixes the last character: ids that differ
 * only there ("element:H" … "element:W") hash close together, and v1 put twelve of the fourteen
 * one-letter element symbols in test and none in train.
 */
export function splitHash(id: string): number {
  return fmix32(hashString(`${SPLIT_SALT}:${id}`));
}

function cutByHash(ids: string[], into: Map<string, Split>): void {
  const ordered = [...ids].sort((a, b) => splitHash(a) - splitHash(b) || (a < b ? -1 : 1));
  let start = 0;
  FRACTIONS.forEach(([split, fraction], index) => {
    const end =
      index === FRACTIONS.length - 1 ? ordered.length : start + Math.round(fraction * ordered.length);
    for (const id of ordered.slice(start, end)) into.set(id, split);
    start = end;
  });
}

/** The split of every record id. */
export function entitySplits(records: WorldRecords): Map<string, Split> {
  let splits = cache.get(records);
  if (splits) return splits;
  splits = new Map();
  cutByHash(
    records.countries.map((country) => country.id),
    splits,
  );
  cutByHash(
    records.elements.map((element) => element.id),
    splits,
  );
  const orphans: string[] = [];
  for (const city of records.cities) {
    const split = city.countryId ? splits.get(city.countryId) : undefined;
    if (split) splits.set(city.id, split);
    else orphans.push(city.id);
  }
  cutByHash(orphans, splits);
  cache.set(records, splits);
  return splits;
}

/** The split of an invented (absent) name, so unanswerable questions are disjoint across splits too. */
export function inventedNameSplit(name: string): Split {
  const position = (splitHash(`invented:${name}`) % 1000) / 1000;
  return position < 0.8 ? "train" : position < 0.9 ? "dev" : "test";
}
