/**
 * Opening what a curriculum is drawn from: the world KB (built on first use) with WorldQA's questions,
 * or a user's structured data file (CSV, JSON, JSONL), ingested into a knowledge base of its own with
 * the ordinary ingest (one passage per record), whose records then give the questions.
 */
import { basename, extname, join, resolve } from "node:path";
import type { Config } from "../config.ts";
import { InvalidInputError } from "../errors.ts";
import { ingestPaths } from "../knowledge/ingest.ts";
import { type KnowledgeBase, openKnowledgeBase, WORLD_KB_NAME } from "../knowledge/open.ts";
import { readSections } from "../knowledge/readers/index.ts";
import { ensureDir, type Paths } from "../paths.ts";
import { createCalcTool } from "../tools/calc/calc-tool.ts";
import { ToolRegistry } from "../tools/registry.ts";
import { recordTaskSource, type TaskSource, worldTaskSource } from "./generate.ts";
import { inferSchema, type KbRecord, RecordTaskGenerator } from "./record-tasks.ts";
import type { SolverTools } from "./solve.ts";

const RECORD_EXTENSIONS = new Set([".csv", ".json", ".jsonl", ".ndjson"]);

export interface CurriculumSource {
  source: TaskSource;
  tools: SolverTools;
  knowledge: KnowledgeBase;
  /** The KB to ask with at run time (`cogcore ask --kb NAME`). */
  kbName: string;
  /** What the curriculum is drawn from, for cache keys and the model card. */
  description: string;
  close(): Promise<void>;
}

export interface OpenSourceOptions {
  config: Config;
  paths: Paths;
  /** Draw no progress bars. Default: $COGCORE_QUIET. */
  quiet?: boolean;
}

/** `world` (default) or a records file; the file's KB is named after it ("cities.csv" → "cities"). */
export async function openCurriculumSource(
  kb: string | undefined,
  options: OpenSourceOptions,
): Promise<CurriculumSource> {
  const registry = new ToolRegistry([createCalcTool()]);
  if (kb === undefined || kb === WORLD_KB_NAME) {
    const knowledge = await openKnowledgeBase(WORLD_KB_NAME, { ...options });
    return {
      source: worldTaskSource(),
      tools: { knowledge, registry },
      knowledge,
      kbName: WORLD_KB_NAME,
      description: "world",
      close: () => knowledge.close(),
    };
  }
  if (!RECORD_EXTENSIONS.has(extname(kb).toLowerCase())) {
    throw new InvalidInputError(`--kb ${kb} is not a structured data file`, {
      expected: "'world', or a .csv, .json or .jsonl file of records (one record per passage)",
    });
  }
  const path = resolve(kb);
  const kbName = basename(path, extname(path));
  ensureDir(join(options.paths.dataDir, "kb"));
  const knowledge = await openKnowledgeBase(kbName, { ...options, create: true });
  try {
    const report = await ingestPaths(knowledge, [path], { quiet: options.quiet });
    if (report.failures.length > 0) throw report.failures[0].error;
    const records = await readRecords(path);
    const generator = new RecordTaskGenerator(records, inferSchema(records));
    return {
      source: recordTaskSource(generator),
      tools: { knowledge, registry },
      knowledge,
      kbName,
      description: `records:${path}`,
      close: () => knowledge.close(),
    };
  } catch (error) {
    await knowledge.close();
    throw error;
  }
}

/** The file's records as ingest stores them: passage `${path}#${index}`, scalar fields as metadata. */
async function readRecords(path: string): Promise<KbRecord[]> {
  const fieldsList: Record<string, string | number | boolean>[] = [];
  for await (const section of readSections(path)) fieldsList.push(section.metadata ?? {});
  if (fieldsList.length < 10) {
    throw new InvalidInputError(`${path} holds ${fieldsList.length} records`, {
      expected: "at least 10 records to draw training questions from",
    });
  }
  const schema = inferSchema(fieldsList.map((fields) => ({ fields })));
  return fieldsList.flatMap((fields, index) => {
    const name = fields[schema.nameField];
    return typeof name === "string" && name.trim() !== ""
      ? [{ passageId: `${path}#${index}`, name: name.trim(), fields }]
      : [];
  });
}
