/**
 * `cogcore eval worldqa [--split test] [--limit N] [--json] [--report FILE.html]`: runs a model through
 * the agent on WorldQA's entity-disjoint questions and prints
 * `{"accuracy":{lookup,multihop,arithmetic,comparison,unanswerable},"omniscienceIndex","tokensPerCorrect","n"}`.
 * `--held-out-phrasings` asks with the phrasings training never used, `--dev-phrasings` with the
 * development ones that neither training nor the held-out set uses; `--no-tools` offers the model no
 * tools and scores its own words.
 */
import { writeFileSync } from "node:fs";
import type { CommandModule } from "yargs";
import { registryExecutor } from "../agent/registry-executor.ts";
import { parseBudget } from "../config.ts";
import { agentOptionsFor, CORE_RESAMPLE } from "../curriculum/solve.ts";
import { NotFoundError } from "../errors.ts";
import { renderEvalReport } from "../eval/report-html.ts";
import { generateWorldQA } from "../eval/worldqa/generate.ts";
import { SPLITS, type Split } from "../eval/worldqa/types.ts";
import { evaluateWorldQA, summarize } from "../eval/worldqa-eval.ts";
import { openKnowledgeBase } from "../knowledge/open.ts";
import { resolveModel } from "../providers/registry.ts";
import { createCalcTool } from "../tools/calc/calc-tool.ts";
import { ToolRegistry } from "../tools/registry.ts";
import { type GlobalOptions, loadContext } from "./context.ts";
import { printJson, printLine } from "./output.ts";

interface EvalArgs extends GlobalOptions {
  suite: string;
  split: string;
  limit: number;
  seed: number;
  model?: string;
  budget?: string;
  "held-out-phrasings"?: boolean;
  "dev-phrasings"?: boolean;
  tools?: boolean;
  resample?: number;
  json?: boolean;
  report?: string;
}

export const evalCommand: CommandModule<GlobalOptions, EvalArgs> = {
  command: "eval <suite>",
  describe: "Run a benchmark suite (worldqa) and print its scores",
  builder: (yargs) =>
    yargs
      .positional("suite", { type: "string", demandOption: true, describe: "worldqa" })
      .option("split", { type: "string", default: "test", choices: [...SPLITS], describe: "Entity split" })
      .option("limit", { type: "number", default: 100, describe: "Questions, the types taking turns" })
      .option("seed", { type: "number", default: 7, describe: "Seed of the questions drawn" })
      .option("model", { type: "string", describe: "Named model (default: the config's default, core)" })
      .option("budget", {
        type: "string",
        describe: "Thinking budget: tokens, 'auto' or 'off' (default auto)",
      })
      .option("held-out-phrasings", {
        type: "boolean",
        describe: "Ask with phrasings never used in training",
      })
      .option("dev-phrasings", {
        type: "boolean",
        describe: "Ask with the development phrasings, for choosing between retrains",
        conflicts: "held-out-phrasings",
      })
      .option("resample", {
        type: "number",
        describe:
          "Runs sampled again when a run fails the agent's self-check (default: the model's; 0: none)",
      })
      .option("tools", {
        type: "boolean",
        default: true,
        describe: "Offer the tools; --no-tools scores the model's own answers",
      })
      .option("json", { type: "boolean", describe: "Print one JSON object" })
      .option("report", { type: "string", describe: "Write an HTML report with charts to this file" }),
  handler: async (args) => {
    if (args.suite !== "worldqa")
      throw new NotFoundError(`no eval suite named '${args.suite}'`, { expected: "worldqa" });
    const context = loadContext(args);
    const tools = new ToolRegistry([createCalcTool()]);
    const { entry, name, model } = resolveModel(args.model ?? context.config.defaultModel, context.config, {
      tools,
    });
    const knowledge = await openKnowledgeBase("world", { config: context.config, paths: context.paths });
    const heldOut = Boolean(args["held-out-phrasings"]);
    const dev = Boolean(args["dev-phrasings"]);
    const noTools = args.tools === false;
    const questions = generateWorldQA({
      seed: args.seed,
      split: args.split as Split,
      count: args.limit,
      heldOutPhrasings: heldOut,
      devPhrasings: dev,
    });
    const started = performance.now();
    try {
      const items = await evaluateWorldQA({
        model,
        questions,
        knowledge,
        tools: registryExecutor(tools),
        ...agentOptionsFor(
          args.resample === undefined
            ? entry
            : { ...entry, resample: { ...CORE_RESAMPLE, ...entry.resample, runs: args.resample } },
        ),
        noTools,
        budget: args.budget !== undefined ? parseBudget(args.budget) : context.config.budget,
        progress: !args.quiet,
      });
      const summary = summarize(items);
      const run = {
        model: `${model.provider}:${name}`,
        split: args.split,
        seed: args.seed,
        heldOutPhrasings: heldOut,
        devPhrasings: dev,
        noTools,
        seconds: Math.round((performance.now() - started) / 100) / 10,
      };
      if (args.report) writeFileSync(args.report, renderEvalReport({ ...run, summary, items }));
      if (args.json) printJson({ ...summary, ...run, items });
      else printSummary(summary, run);
    } finally {
      await Promise.all([knowledge.close(), tools.close(), model.close?.()]);
    }
  },
};

function printSummary(summary: ReturnType<typeof summarize>, run: { model: string; split: string }): void {
  printLine(`WorldQA (${run.split} split, ${summary.n} questions) with ${run.model}`);
  for (const [type, accuracy] of Object.entries(summary.accuracy))
    printLine(`  ${type.padEnd(13)} ${accuracy === null ? "—" : `${(100 * accuracy).toFixed(1)}%`}`);
  printLine(`  omniscience index ${summary.omniscienceIndex.toFixed(1)}`);
  printLine(`  tokens per correct ${summary.tokensPerCorrect ?? "—"}`);
}
