/**
 * Where cogcore keeps files: data (built knowledge bases, trained models) and caches, following the XDG
 * base-directory conventions, overridable by the config's `dataDir` or `$COGCORE_DATA_DIR`.
 */
import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Config } from "./config.ts";

/** The root of the installed cogcore package (holds models/, package.json). */
export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export interface Paths {
  /** Built knowledge bases, trained models, episodes. */
  dataDir: string;
  /** Disposable caches. */
  cacheDir: string;
}

export function resolvePaths(config: Pick<Config, "dataDir">, env: NodeJS.ProcessEnv = process.env): Paths {
  const dataDir = config.dataDir
    ? resolve(config.dataDir)
    : join(env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "cogcore");
  const cacheDir = config.dataDir
    ? join(dataDir, "cache")
    : join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "cogcore");
  return { dataDir, cacheDir };
}

/** Creates a directory (and its parents) if needed and returns it. */
export function ensureDir(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}
