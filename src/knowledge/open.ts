/**
 * Opening a knowledge base by name or path, the one way the CLI, the search tool and the agent do it.
 *
 * - A name configured in `knowledgeBases` uses that entry (SQLite file or PostgreSQL).
 * - A path (has a slash, or ends in .sqlite/.db, or names an existing file) is a SQLite file.
 * - Any other name is `<dataDir>/kb/<name>.sqlite`.
 *
 * `world` is built on first use (with a progress bar on stderr) and rebuilt when its format is stale.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Config, KnowledgeBaseConfig } from "../config.ts";
import { ConfigError, NotFoundError } from "../errors.ts";
import { ensureDir, type Paths } from "../paths.ts";
import { createEmbedder, type Embedder } from "./embeddings.ts";
import { SqliteKnowledgeStore } from "./sqlite-store.ts";
import type { WritableKnowledgeStore } from "./types.ts";
import { buildWorldKnowledgeBase, isWorldBuildCurrent } from "./world/build.ts";

export const WORLD_KB_NAME = "world";

export interface OpenKnowledgeBaseOptions {
  /** The validated configuration (its `knowledgeBases` entries). */
  config: Config;
  /** Resolved data directories (`<dataDir>/kb/` holds named SQLite bases). */
  paths: Paths;
  /** Build `world` when it is missing or stale. Default true. */
  build?: boolean;
  /** Create a missing base (ingest does; search does not). Default false. */
  create?: boolean;
  /** Draw no progress bar while building. Default: $COGCORE_QUIET. */
  quiet?: boolean;
}

/** An open knowledge base: a writable store that also says what it is. */
export type KnowledgeBase = WritableKnowledgeStore & {
  /** The name or path it was opened by. */
  readonly name: string;
  /** "sqlite" or "postgres". */
  readonly engine: "sqlite" | "postgres";
  /** SQLite file path, or the PostgreSQL connection string without its password. */
  readonly location: string;
};

/** Where a name or path leads, before opening it. */
export interface ResolvedKnowledgeBase {
  name: string;
  engine: "sqlite" | "postgres";
  /** SQLite file (engine sqlite). */
  path?: string;
  /** Connection string (engine postgres). */
  connectionString?: string;
  entry?: KnowledgeBaseConfig;
}

export function resolveKnowledgeBase(
  nameOrPath: string,
  config: Config,
  paths: Paths,
): ResolvedKnowledgeBase {
  const entry = config.knowledgeBases[nameOrPath];
  if (entry?.store === "postgres") {
    if (!entry.connectionString) {
      throw new ConfigError(`knowledgeBases.${nameOrPath}: a postgres store needs a connectionString`, {
        expected: '"connectionString": "postgresql://user@host/db"',
      });
    }
    return { name: nameOrPath, engine: "postgres", connectionString: entry.connectionString, entry };
  }
  if (entry) {
    return {
      name: nameOrPath,
      engine: "sqlite",
      path: resolve(entry.path ?? defaultPath(nameOrPath, paths)),
      entry,
    };
  }
  if (looksLikePath(nameOrPath)) return { name: nameOrPath, engine: "sqlite", path: resolve(nameOrPath) };
  return { name: nameOrPath, engine: "sqlite", path: defaultPath(nameOrPath, paths) };
}

function defaultPath(name: string, paths: Paths): string {
  return join(paths.dataDir, "kb", `${name}.sqlite`);
}

function looksLikePath(value: string): boolean {
  return (
    /[/\\]/.test(value) || /\.(sqlite3?|db)$/i.test(value) || (existsSync(value) && statSync(value).isFile())
  );
}

/** Opens a knowledge base by name or path; see the module comment for how names resolve. */
export async function openKnowledgeBase(
  nameOrPath: string,
  options: OpenKnowledgeBaseOptions,
): Promise<KnowledgeBase> {
  const resolved = resolveKnowledgeBase(nameOrPath, options.config, options.paths);
  const embedder: Embedder | undefined = resolved.entry?.embedding
    ? createEmbedder(resolved.entry.embedding)
    : undefined;
  const fusionWeights = { bm25: 1, vector: resolved.entry?.embedding?.weight ?? 1 };
  if (resolved.engine === "postgres") {
    const { PostgresKnowledgeStore } = await import("./postgres-store.ts");
    const store = await PostgresKnowledgeStore.connect(resolved.connectionString!);
    return Object.assign(store, {
      name: nameOrPath,
      engine: "postgres" as const,
      location: redactPassword(resolved.connectionString!),
    });
  }
  const path = resolved.path!;
  if (nameOrPath === WORLD_KB_NAME && !resolved.entry?.path) {
    if (!isWorldBuildCurrent(path)) {
      if (options.build === false) {
        throw new NotFoundError(`the world knowledge base is not built at ${path}`, {
          expected: "'cogcore kb build world' to have run",
        });
      }
      await buildWorldKnowledgeBase({ out: path, quiet: options.quiet });
    }
  } else if (!existsSync(path) && !options.create) {
    throw new NotFoundError(`no knowledge base '${nameOrPath}' (looked for ${path})`, {
      expected: `an existing base: create one with 'cogcore ingest PATH --kb ${nameOrPath}'`,
    });
  }
  if (options.create) ensureDir(dirname(path));
  const store = new SqliteKnowledgeStore(path, { embedder, fusionWeights });
  return Object.assign(store, { name: nameOrPath, engine: "sqlite" as const, location: path });
}

function redactPassword(connectionString: string): string {
  return connectionString.replace(/(:\/\/[^:/@]+):[^@]*@/, "$1:***@");
}
