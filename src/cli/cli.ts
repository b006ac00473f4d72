/**
 * The `cogcore` command line: global options, the command registry, and the mapping of typed errors to
 * one-line messages and exit codes. One file per command; each is registered in COMMANDS below.
 */
import yargs, { type CommandModule } from "yargs";
import { type CogcoreError, toCogcoreError, UsageError } from "../errors.ts";
import { isVerbose, log, setLogLevel } from "../log.ts";
import { askCommand } from "./ask.ts";
import { benchCommand } from "./bench.ts";
import { configCommand } from "./config.ts";
import { curriculumCommand } from "./curriculum.ts";
import { evalCommand } from "./eval.ts";
import { exportCommand } from "./export.ts";
import { ingestCommand } from "./ingest.ts";
import { kbCommand } from "./kb.ts";
import { mcpCommand } from "./mcp.ts";
import { printJson } from "./output.ts";
import { searchCommand } from "./search.ts";
import { toolCommand } from "./tool.ts";
import { trainCommand } from "./train.ts";

// biome-ignore lint/suspicious/noExplicitAny: yargs command modules have heterogeneous argument types
export const COMMANDS: CommandModule<any, any>[] = [
  askCommand,
  benchCommand,
  configCommand,
  curriculumCommand,
  evalCommand,
  exportCommand,
  ingestCommand,
  kbCommand,
  searchCommand,
  toolCommand,
  mcpCommand,
  trainCommand,
];

export async function runCli(args: string[]): Promise<number> {
  const wantsJson = args.includes("--json");
  if (args.includes("--verbose")) setLogLevel("debug");
  if (args.includes("--quiet")) process.env.COGCORE_QUIET = "1";
  try {
    await buildParser(args).parseAsync();
    return 0;
  } catch (thrown) {
    return reportError(toCogcoreError(thrown), args, wantsJson);
  }
}

function buildParser(args: string[]) {
  let parser = yargs(args)
    .scriptName("cogcore")
    .usage("$0 <command> [options]\n\nA small cognitive core with a big external memory.")
    .option("config", {
      type: "string",
      describe: "Path of a cogcore.config.json (default: ./cogcore.config.json)",
    })
    .option("verbose", { type: "boolean", describe: "Print debug logs and stack traces" })
    .option("quiet", { type: "boolean", describe: "Print no progress bars" })
    .strict()
    .demandCommand(1, "a command is required")
    .recommendCommands()
    .help()
    .alias("help", "h")
    .version()
    .wrap(Math.min(110, process.stdout.columns || 110))
    .exitProcess(false)
    .fail((message, error) => {
      if (error) throw error;
      throw new UsageError(describeUsageProblem(message ?? "invalid command line", args));
    });
  for (const command of COMMANDS) parser = parser.command(command);
  return parser;
}

/** Rewords yargs' "Unknown argument: x" so it says whether an option or a command was not recognised. */
function describeUsageProblem(message: string, args: string[]): string {
  const match = /^Unknown arguments?: (.*)$/.exec(message);
  if (!match) return message;
  return match[1]
    .split(", ")
    .map((name) => {
      const flag = name.length === 1 ? `-${name}` : `--${name}`;
      if (args.some((arg) => arg === flag || arg.startsWith(`${flag}=`))) return `unknown option ${flag}`;
      return `unknown command or extra argument '${name}'`;
    })
    .join("; ");
}

function reportError(error: CogcoreError, args: string[], wantsJson: boolean): number {
  let message = error.message;
  if (error instanceof UsageError) {
    const command = COMMANDS.find((c) => c.command && String(c.command).split(" ")[0] === args[0]);
    const help = command ? `cogcore ${args[0]} --help` : "cogcore --help";
    message = `${message}; run '${help}' for the expected form`;
  }
  if (wantsJson) printJson({ error: { code: error.code, message } });
  log.error(message);
  if (isVerbose()) {
    for (let cause: unknown = error; cause; cause = (cause as Error).cause) {
      if (cause instanceof Error && cause.stack) process.stderr.write(`${cause.stack}\n`);
      else break;
    }
  }
  return error.exitCode;
}
