/** `cogcore ingest PATH… --kb NAME|PATH`: adds or updates documents; unchanged files are skipped. */
import type { CommandModule } from "yargs";
import { CogcoreError, InvalidInputError } from "../errors.ts";
import { type IngestReport, ingestPaths } from "../knowledge/ingest.ts";
import { openKnowledgeBase } from "../knowledge/open.ts";
import { type GlobalOptions, loadContext } from "./context.ts";
import { printJson, printLine } from "./output.ts";

interface IngestArgs extends GlobalOptions {
  paths: string[];
  kb: string;
  include?: string[];
  exclude?: string[];
  prune?: boolean;
  template?: string;
  chunkTokens?: number;
  overlap?: number;
  json?: boolean;
}

/** Some files could not be ingested; the others were. Exit status: the first failure's. */
export class IngestFailedError extends CogcoreError {
  override readonly code: string;
  override readonly exitCode: number;
  constructor(report: IngestReport) {
    const first = report.failures[0].error;
    const details = report.failures.map((failure) => failure.error.message).join("; ");
    super(
      `${report.failures.length} of ${report.files} files could not be ingested (the others were): ${details}`,
    );
    this.code = first.code;
    this.exitCode = first.exitCode;
  }
}

export const ingestCommand: CommandModule<GlobalOptions, IngestArgs> = {
  command: "ingest <paths..>",
  describe: "Add or update files and folders in a knowledge base (unchanged files are skipped)",
  builder: (yargs) =>
    yargs
      .positional("paths", { type: "string", array: true, demandOption: true, describe: "Files or folders" })
      .option("kb", { type: "string", demandOption: true, describe: "Knowledge base name or SQLite path" })
      .option("include", {
        type: "string",
        array: true,
        describe: "Globs of files to read in folders (default: known types)",
      })
      .option("exclude", { type: "string", array: true, describe: "Globs of files to skip" })
      .option("prune", {
        type: "boolean",
        describe: "Remove documents whose files are gone from the folders",
      })
      .option("template", {
        type: "string",
        describe: "Record template for JSON/CSV, e.g. '{name} is in {country}.'",
      })
      .option("chunk-tokens", { type: "number", describe: "Words per passage (default 200)" })
      .option("overlap", { type: "number", describe: "Words shared by consecutive passages (default 40)" })
      .option("json", { type: "boolean", describe: "Print one JSON object" }),
  handler: async (args) => {
    for (const [name, value] of [
      ["--chunk-tokens", args.chunkTokens],
      ["--overlap", args.overlap],
    ] as const) {
      if (
        value !== undefined &&
        !(Number.isInteger(value) && value >= 0 && (name === "--overlap" || value > 0))
      ) {
        throw new InvalidInputError(`${name} is ${value}`, { expected: "a positive whole number of words" });
      }
    }
    const context = loadContext(args);
    const store = await openKnowledgeBase(args.kb, {
      ...context,
      create: true,
      quiet: args.quiet || undefined,
    });
    let report: IngestReport;
    try {
      report = await ingestPaths(store, args.paths, {
        include: args.include,
        exclude: args.exclude,
        prune: args.prune,
        template: args.template,
        chunk: { targetTokens: args.chunkTokens, overlapTokens: args.overlap },
        quiet: args.quiet || undefined,
      });
    } finally {
      await store.close();
    }
    if (report.failures.length > 0) throw new IngestFailedError(report);
    const summary = { kb: store.location, ...report, failures: [] };
    if (args.json) printJson(summary);
    else {
      printLine(
        `${store.location}: ${report.files} files, ${report.added} added, ${report.updated} updated, ${report.unchanged} unchanged, ${report.removed} removed; ${report.passages} passages written`,
      );
    }
  },
};
