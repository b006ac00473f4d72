/** `cogcore config`: shows the resolved configuration and where it came from. */
import type { CommandModule } from "yargs";
import { type CommandContext, type GlobalOptions, loadContext } from "./context.ts";
import { printJson, printLine } from "./output.ts";

interface ConfigArgs extends GlobalOptions {
  json?: boolean;
}

export const configCommand: CommandModule<GlobalOptions, ConfigArgs> = {
  command: "config",
  describe: "Show the resolved configuration (file, environment overrides, defaults) and data paths",
  builder: (yargs) => yargs.option("json", { type: "boolean", describe: "Print one JSON object" }),
  handler: (args) => {
    const context = loadContext(args);
    if (args.json) printJson(describeContext(context));
    else {
      printLine(`config file: ${context.configSource ?? "(none: defaults)"}`);
      printLine(`data dir:    ${context.paths.dataDir}`);
      printLine(`cache dir:   ${context.paths.cacheDir}`);
      printLine(JSON.stringify(context.config, null, 2));
    }
  },
};

function describeContext(context: CommandContext) {
  return { source: context.configSource, paths: context.paths, config: context.config };
}
