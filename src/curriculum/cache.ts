/**
 * The curriculum, kept in the cache directory once generated: a resumed or repeated run reads the very
 * same traces instead of searching again. The key covers everything the traces depend on (seed, size,
 * mix, knowledge base and the formats of passages and traces); a stale or damaged file is regenerated.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { hashString } from "../eval/worldqa/random.ts";
import type { QuestionType } from "../eval/worldqa/types.ts";
import { WORLD_FORMAT_VERSION } from "../knowledge/world/build.ts";
import { writeFileAtomic } from "../model/atomic-file.ts";
import { ensureDir } from "../paths.ts";
import { type Curriculum, DEFAULT_MIX, generateCurriculum } from "./generate.ts";
import type { Trace } from "./solve.ts";
import type { CurriculumSource } from "./sources.ts";

/** Bumped whenever the traces for the same inputs would change. */
export const CURRICULUM_FORMAT_VERSION = 8;

export interface CachedCurriculumOptions {
  seed: number;
  count: number;
  mix?: Partial<Record<QuestionType, number>>;
  /** Copy drills, as a share of count. Default 0. */
  drills?: number;
  /** Share of questions given a made-up word (wording-noise.ts). Default 0. */
  wordingNoise?: number;
  opened: CurriculumSource;
  /** Where cached curricula live (paths.cacheDir). */
  cacheDir: string;
  progress?: boolean;
}

/** The cache file's name for these inputs. */
export function curriculumKey(options: Omit<CachedCurriculumOptions, "cacheDir" | "progress">): string {
  const source = options.opened.description;
  const stamp = source.startsWith("records:")
    ? fileStamp(source.slice("records:".length))
    : WORLD_FORMAT_VERSION;
  const key = JSON.stringify({
    version: CURRICULUM_FORMAT_VERSION,
    seed: options.seed,
    count: options.count,
    mix: options.mix ?? DEFAULT_MIX,
    drills: options.drills ?? 0,
    // Only when set: the keys of curricula without noise stay what they were.
    ...(options.wordingNoise ? { wordingNoise: options.wordingNoise } : {}),
    source,
    stamp,
  });
  return `curriculum-${hashString(key).toString(16).padStart(8, "0")}`;
}

function fileStamp(path: string): string {
  const info = statSync(path);
  return `${info.size}:${info.mtimeMs}`;
}

export async function loadOrGenerateCurriculum(options: CachedCurriculumOptions): Promise<Curriculum> {
  const path = join(ensureDir(join(options.cacheDir, "curriculum")), `${curriculumKey(options)}.json`);
  const cached = readCached(path);
  if (cached) return cached;
  const curriculum = await generateCurriculum({
    seed: options.seed,
    count: options.count,
    mix: options.mix,
    drills: options.drills,
    wordingNoise: options.wordingNoise,
    source: options.opened.source,
    tools: options.opened.tools,
    progress: options.progress,
  });
  writeFileAtomic(path, [new TextEncoder().encode(JSON.stringify(curriculum))]);
  return curriculum;
}

function readCached(path: string): Curriculum | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const value = JSON.parse(readFileSync(path, "utf8")) as Curriculum;
    if (!Array.isArray(value.traces) || !value.traces.every(isTrace)) return undefined;
    return value;
  } catch {
    return undefined;
  }
}

function isTrace(value: Trace): boolean {
  return typeof value?.id === "string" && Array.isArray(value.turns) && typeof value.question === "string";
}
