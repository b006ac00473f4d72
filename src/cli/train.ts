/** `cogcore train [--preset core|mini] [--out PATH] [--resume] [--kb PATH]`: trains a core model. */
import { join, resolve } from "node:path";
import type { CommandModule } from "yargs";
import { presetByName } from "../curriculum/presets.ts";
import { trainCore } from "../curriculum/train-core.ts";
import { AbortedError } from "../errors.ts";
import { type GlobalOptions, loadContext } from "./context.ts";
import { printJson, printLine } from "./output.ts";

interface TrainArgs extends GlobalOptions {
  preset: string;
  out?: string;
  resume?: boolean;
  overwrite?: boolean;
  kb?: string;
  seed?: number;
  steps?: number;
  minutes?: number;
  wordingNoise?: number;
  json?: boolean;
}

export const trainCommand: CommandModule<GlobalOptions, TrainArgs> = {
  command: "train",
  describe: "Train a core model on the procedure curriculum (survives being killed: --resume)",
  builder: (yargs) =>
    yargs
      .option("preset", {
        type: "string",
        default: "core",
        describe: "core (shipped), mini (small, fast) or tiny",
      })
      .option("out", {
        type: "string",
        describe: "Checkpoint directory (default: <dataDir>/models/<preset>)",
      })
      .option("resume", { type: "boolean", describe: "Continue the interrupted run in --out" })
      .option("overwrite", { type: "boolean", describe: "Start over even if --out holds a checkpoint" })
      .option("kb", { type: "string", describe: "world (default) or a CSV/JSON/JSONL file of records" })
      .option("seed", { type: "number", describe: "Seed of data, weights and batch order (default 1)" })
      .option("steps", { type: "number", describe: "Optimizer steps (default: the preset's)" })
      .option("minutes", {
        type: "number",
        describe: "Fit the run in this many minutes: steps chosen from a timing (default: the preset's)",
      })
      .option("wording-noise", {
        type: "number",
        describe:
          "Share of the world curriculum's questions given a made-up word, 0–1 (default: the preset's; core 0.1)",
      })
      .option("json", { type: "boolean", describe: "Print one JSON object" }),
  handler: async (args) => {
    const context = loadContext(args);
    const preset = presetByName(args.preset);
    const out = resolve(args.out ?? join(context.paths.dataDir, "models", preset.name));
    const controller = new AbortController();
    const stop = () => controller.abort(new AbortedError("interrupted by a signal"));
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    try {
      const result = await trainCore({
        preset,
        out,
        resume: args.resume,
        overwrite: args.overwrite,
        kb: args.kb,
        seed: args.seed,
        steps: args.steps,
        minutes: args.minutes,
        wordingNoise: args.wordingNoise,
        config: context.config,
        paths: context.paths,
        signal: controller.signal,
        progress: !args.quiet,
      });
      if (args.json) printJson(result);
      else
        printLine(
          `${result.out}: ${result.step}/${result.steps} steps, loss ${result.loss.toFixed(4)}, ` +
            `${result.parameters.total} parameters, ${result.tokensPerSecond.toFixed(0)} tokens/s, ${result.seconds.toFixed(0)} s`,
        );
    } finally {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    }
  },
};
