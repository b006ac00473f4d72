/**
 * Ingest: files and folders into a knowledge base, incrementally. Each file's content hash (with the
 * reading options) is compared with the stored one: unchanged files are skipped without being read,
 * changed ones replaced in one transaction, and with `prune` the files gone from an ingested folder are
 * removed. A file that fails (unreadable, invalid UTF-8, malformed JSON) is reported with its typed error
 * and leaves the base as it was; the others go on.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { type CogcoreError, toCogcoreError } from "../errors.ts";
import { createProgress } from "../progress.ts";
import { type ChunkOptions, chunkSections } from "./chunker.ts";
import { documentFormat, readSections, SUPPORTED_EXTENSIONS } from "./readers/index.ts";
import { fileError } from "./readers/lines.ts";
import type { Passage, WritableKnowledgeStore } from "./types.ts";
import { type WalkOptions, walkFiles } from "./walk.ts";

/** Bumped when readers or the chunker change what a file turns into. */
const READER_VERSION = 1;

export interface IngestOptions extends WalkOptions {
  /** Remove documents of ingested folders whose files are gone. Default false. */
  prune?: boolean;
  /** Template for records (JSON, JSONL, CSV). Default: every field in plain words. */
  template?: string;
  /** Passage sizes. Default: 200 words, 40 overlapping. */
  chunk?: ChunkOptions;
  /** Draw no progress bar. Default: $COGCORE_QUIET. */
  quiet?: boolean;
}

export interface IngestReport {
  files: number;
  added: number;
  updated: number;
  unchanged: number;
  /** Documents removed by `prune`. */
  removed: number;
  /** Passages written (added or updated documents). */
  passages: number;
  failures: { path: string; error: CogcoreError }[];
}

/** Streams a file through SHA-256. */
export async function hashFile(path: string, salt = ""): Promise<string> {
  const hash = createHash("sha256").update(salt);
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }))
      hash.update(chunk as Buffer);
  } catch (cause) {
    throw fileError(path, cause);
  }
  return hash.digest("hex");
}

async function* filePassages(
  path: string,
  options: IngestOptions,
  counter: { passages: number },
): AsyncGenerator<Passage> {
  const format = documentFormat(path);
  let index = 0;
  for await (const chunk of chunkSections(
    readSections(path, { template: options.template }),
    options.chunk,
  )) {
    const metadata: Record<string, string | number | boolean> = { ...chunk.metadata, format };
    if (chunk.context) metadata.context = chunk.context;
    yield { id: `${path}#${index++}`, source: path, text: chunk.text, span: chunk.span, metadata };
    counter.passages++;
  }
}

/** The files each path stands for: a file itself, or a folder's files. */
async function expand(
  paths: string[],
  options: IngestOptions,
): Promise<{ files: string[]; folders: string[] }> {
  const files: string[] = [];
  const folders: string[] = [];
  const defaultInclude = SUPPORTED_EXTENSIONS.map((extension) => `*${extension}`);
  for (const given of paths) {
    const path = resolve(given);
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch (cause) {
      throw fileError(path, cause);
    }
    if (info.isDirectory()) {
      folders.push(path);
      for await (const file of walkFiles(path, defaultInclude, options)) files.push(file);
    } else files.push(path);
  }
  return { files: [...new Set(files)], folders };
}

export async function ingestPaths(
  store: WritableKnowledgeStore,
  paths: string[],
  options: IngestOptions = {},
): Promise<IngestReport> {
  const { files, folders } = await expand(paths, options);
  const report: IngestReport = {
    files: files.length,
    added: 0,
    updated: 0,
    unchanged: 0,
    removed: 0,
    passages: 0,
    failures: [],
  };
  const stored = new Map((await store.listDocuments()).map((document) => [document.source, document]));
  const salt = JSON.stringify({
    READER_VERSION,
    template: options.template ?? null,
    chunk: options.chunk ?? null,
  });
  const progress = createProgress({
    label: "Ingesting",
    total: files.length,
    unit: "files",
    quiet: options.quiet,
  });
  try {
    for (const path of files) {
      try {
        const hash = await hashFile(path, salt);
        if (stored.get(path)?.hash === hash) report.unchanged++;
        else {
          const counter = { passages: 0 };
          const passages = filePassages(path, options, counter);
          const outcome = await store.upsertDocument({ source: path, hash, passages });
          report[outcome]++;
          report.passages += counter.passages;
        }
      } catch (error) {
        report.failures.push({ path, error: toCogcoreError(error) });
      }
      progress.increment(1);
    }
  } finally {
    progress.stop();
  }
  if (options.prune) report.removed = await prune(store, folders, new Set(files));
  return report;
}

/** Deletes documents stored under the folders that are no longer among their files. */
async function prune(
  store: WritableKnowledgeStore,
  folders: string[],
  present: Set<string>,
): Promise<number> {
  let removed = 0;
  for (const document of await store.listDocuments()) {
    const inFolder = folders.some((folder) => document.source.startsWith(`${folder}/`));
    if (inFolder && !present.has(document.source)) {
      await store.deleteDocument(document.source);
      removed++;
    }
  }
  return removed;
}
