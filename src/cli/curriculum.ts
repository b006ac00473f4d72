/**
 * `cogcore curriculum export --format openai-chat [--kb PATH] --out FILE.jsonl`: the procedure traces as
 * OpenAI-style chat fine-tuning data. `cogcore curriculum stats`: tokens per trace by type, evidence
 * ranks, dropped tasks.
 */

import { once } from "node:events";
import { createWriteStream } from "node:fs";
import type { CommandModule } from "yargs";
import { generateCurriculum } from "../curriculum/generate.ts";
import { traceToOpenAIChat } from "../curriculum/openai-chat.ts";
import { openCurriculumSource } from "../curriculum/sources.ts";
import { curriculumStatistics } from "../curriculum/stats.ts";
import { InvalidInputError } from "../errors.ts";
import { SPLITS, type Split } from "../eval/worldqa/types.ts";
import { trainTokenizer } from "../model/bpe-train.ts";
import { renderConversation } from "../model/chat-template.ts";
import { createCalcTool } from "../tools/calc/calc-tool.ts";
import { ToolRegistry } from "../tools/registry.ts";
import { createSearchTool } from "../tools/search-tool.ts";
import { type GlobalOptions, loadContext } from "./context.ts";
import { printJson, printLine } from "./output.ts";

interface CurriculumArgs extends GlobalOptions {
  kb?: string;
  count: number;
  seed: number;
  split: string;
  "held-out-phrasings"?: boolean;
  json?: boolean;
}

interface ExportArgs extends CurriculumArgs {
  format: string;
  out: string;
  reasoning: boolean;
}

function common<T>(yargs: import("yargs").Argv<T>) {
  return yargs
    .option("kb", { type: "string", describe: "world (default) or a CSV/JSON/JSONL file of records" })
    .option("count", { type: "number", default: 1000, describe: "Traces to generate" })
    .option("seed", { type: "number", default: 1, describe: "Seed: same seed, same traces" })
    .option("split", { type: "string", default: "train", choices: [...SPLITS], describe: "Entity split" })
    .option("held-out-phrasings", {
      type: "boolean",
      describe: "Phrase questions with the held-out templates",
    })
    .option("json", { type: "boolean", describe: "Print one JSON object" });
}

async function generate(args: CurriculumArgs) {
  const context = loadContext(args);
  const opened = await openCurriculumSource(args.kb, { config: context.config, paths: context.paths });
  try {
    const curriculum = await generateCurriculum({
      seed: args.seed,
      count: args.count,
      split: args.split as Split,
      heldOutPhrasings: args["held-out-phrasings"],
      source: opened.source,
      tools: opened.tools,
      progress: !args.quiet,
    });
    return { curriculum, opened };
  } catch (error) {
    await opened.close();
    throw error;
  }
}

const exportCommand: CommandModule<GlobalOptions, ExportArgs> = {
  command: "export",
  describe: "Write the traces as chat fine-tuning data (JSONL)",
  builder: (yargs) =>
    common(yargs)
      .option("format", {
        type: "string",
        default: "openai-chat",
        choices: ["openai-chat"],
        describe: "Output format",
      })
      .option("out", { type: "string", demandOption: true, describe: "JSONL file to write" })
      .option("reasoning", { type: "boolean", default: true, describe: "Keep plans as reasoning_content" }),
  handler: async (args) => {
    if (args.format !== "openai-chat")
      throw new InvalidInputError(`unknown format '${args.format}'`, { expected: "openai-chat" });
    const { curriculum, opened } = await generate(args);
    const tools = new ToolRegistry([createCalcTool(), createSearchTool({ store: opened.knowledge })]);
    try {
      const stream = createWriteStream(args.out);
      for (const trace of curriculum.traces) {
        const line = `${JSON.stringify(traceToOpenAIChat(trace, { tools, reasoning: args.reasoning }))}\n`;
        if (!stream.write(line)) await once(stream, "drain");
      }
      stream.end();
      await once(stream, "finish");
    } finally {
      await opened.close();
    }
    const summary = { out: args.out, examples: curriculum.traces.length, dropped: curriculum.dropped };
    if (args.json) printJson(summary);
    else printLine(`${args.out}: ${summary.examples} examples`);
  },
};

const statsCommand: CommandModule<GlobalOptions, CurriculumArgs & { vocab: number }> = {
  command: "stats",
  describe: "Tokens per trace by question type, evidence ranks, dropped tasks",
  builder: (yargs) =>
    common(yargs).option("vocab", {
      type: "number",
      default: 2048,
      describe: "Tokenizer size to count with",
    }),
  handler: async (args) => {
    const { curriculum, opened } = await generate(args);
    await opened.close();
    const tokenizer = trainTokenizer(
      curriculum.traces.map((trace) => renderConversation(trace.turns)),
      { vocabSize: args.vocab, progress: !args.quiet },
    );
    const statistics = curriculumStatistics(curriculum, tokenizer);
    if (args.json) printJson(statistics);
    else printLine(JSON.stringify(statistics, null, 2));
  },
};

export const curriculumCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: "curriculum <command>",
  describe: "Procedure traces: export as chat fine-tuning data, statistics",
  builder: (yargs) =>
    yargs
      .command(exportCommand)
      .command(statsCommand)
      .demandCommand(1, "a curriculum subcommand is required"),
  handler: () => {},
};
