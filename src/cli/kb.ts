/** `cogcore kb build world [--out PATH]`: builds the bundled world knowledge base. */
import { join, resolve } from "node:path";
import type { CommandModule } from "yargs";
import { NotFoundError } from "../errors.ts";
import { buildWorldKnowledgeBase } from "../knowledge/world/build.ts";
import { type GlobalOptions, loadContext } from "./context.ts";
import { printJson, printLine } from "./output.ts";

interface KbBuildArgs extends GlobalOptions {
  name: string;
  out?: string;
  json?: boolean;
}

const buildCommand: CommandModule<GlobalOptions, KbBuildArgs> = {
  command: "build <name>",
  describe: "Build a bundled knowledge base (world: cities, countries, elements)",
  builder: (yargs) =>
    yargs
      .positional("name", { type: "string", demandOption: true, describe: "Which base: world" })
      .option("out", {
        type: "string",
        describe: "SQLite file to write (default: <dataDir>/kb/world.sqlite)",
      })
      .option("json", { type: "boolean", describe: "Print one JSON object" }),
  handler: async (args) => {
    if (args.name !== "world") {
      throw new NotFoundError(`no bundled knowledge base named '${args.name}'`, { expected: "world" });
    }
    const context = loadContext(args);
    const out = args.out ? resolve(args.out) : join(context.paths.dataDir, "kb", "world.sqlite");
    const result = await buildWorldKnowledgeBase({ out, quiet: args.quiet || undefined });
    if (args.json) printJson(result);
    else {
      const megabytes = (result.bytes / 1e6).toFixed(1);
      printLine(
        `${result.path}: ${result.passages} passages, ${megabytes} MB, built in ${result.seconds.toFixed(1)} s`,
      );
    }
  },
};

export const kbCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: "kb <command>",
  describe: "Manage knowledge bases",
  builder: (yargs) => yargs.command(buildCommand).demandCommand(1, "a kb subcommand is required"),
  handler: () => {},
};
