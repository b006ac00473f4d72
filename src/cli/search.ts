/** `cogcore search QUERY [--kb …] [--k N] [--filter …] [--json]`: ranked passages with their sources. */
import type { CommandModule } from "yargs";
import { InvalidInputError } from "../errors.ts";
import { parseFilter } from "../knowledge/filter.ts";
import { openKnowledgeBase } from "../knowledge/open.ts";
import { colorsFor } from "../log.ts";
import { type GlobalOptions, loadContext } from "./context.ts";
import { printJson, printLine } from "./output.ts";

interface SearchArgs extends GlobalOptions {
  query: string;
  kb?: string;
  k?: number;
  filter?: string;
  json?: boolean;
}

export const searchCommand: CommandModule<GlobalOptions, SearchArgs> = {
  command: "search <query>",
  describe: "Search a knowledge base; prints passages with their sources",
  builder: (yargs) =>
    yargs
      .positional("query", { type: "string", demandOption: true, describe: "Words to search for, in quotes" })
      .option("kb", { type: "string", describe: "Knowledge base name or SQLite path (default: world)" })
      .option("k", { type: "number", describe: "How many passages (default 10)" })
      .option("filter", {
        type: "string",
        describe: "Metadata filter: field=value,… ('source' takes a glob)",
      })
      .option("json", { type: "boolean", describe: "Print one JSON object" }),
  handler: async (args) => {
    const k = args.k ?? 10;
    if (!Number.isInteger(k) || k < 1 || k > 1000) {
      throw new InvalidInputError(`--k is ${args.k}`, { expected: "a whole number from 1 to 1000" });
    }
    const filter = args.filter ? parseFilter(args.filter) : undefined;
    const context = loadContext(args);
    const store = await openKnowledgeBase(args.kb ?? context.config.defaultKb, {
      ...context,
      quiet: args.quiet || undefined,
    });
    try {
      const hits = await store.search(args.query, { k, filter, highlight: !args.json });
      if (args.json) {
        printJson({
          hits: hits.map(({ id, source, text, score, span }) => ({
            id,
            source,
            text,
            score,
            span: span ?? null,
          })),
        });
        return;
      }
      const pc = colorsFor(process.stdout);
      if (hits.length === 0) printLine("No passage found.");
      hits.forEach((hit, index) => {
        const snippet = (hit.snippet ?? hit.text).replace(/\[([^\]]+)\]/g, (_, word: string) =>
          pc.bold(word),
        );
        printLine(`${index + 1}. ${pc.dim(`${hit.id}  ${hit.source}  score ${hit.score.toFixed(2)}`)}`);
        printLine(`   ${snippet}`);
      });
    } finally {
      await store.close();
    }
  },
};
