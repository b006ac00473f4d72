/**
 * `cogcore tool NAME ARGS [--kb …] [--timeout MS] [--json]`: runs one tool and prints its result.
 *
 * ARGS is the input as a JSON object (`'{"expression": "2^100"}'`) or the call's compact argument text
 * (`'2^100'`, `'Lyon population'`). Without --json it prints the text the model would read, and exits 1
 * when the result is an error (a traceback, say); with --json it prints `{name, input, content, isError,
 * data}` and exits 0 either way. Typed failures (limits, permissions) exit with their own status.
 */
import type { CommandModule } from "yargs";
import { CogcoreError, InvalidInputError, NotFoundError } from "../errors.ts";
import type { ToolRegistry } from "../tools/registry.ts";
import { type CommandContext, type GlobalOptions, loadContext } from "./context.ts";
import { printJson, printLine } from "./output.ts";

/** The tool ran and its result is an error (a traceback, say): exit status 1. */
export class ToolReportedError extends CogcoreError {
  override readonly code = "tool_error";
  override readonly exitCode = 1;
}

interface ToolArgs extends GlobalOptions {
  name: string;
  args: string;
  kb?: string;
  timeout?: number;
  json?: boolean;
}

export const toolCommand: CommandModule<GlobalOptions, ToolArgs> = {
  command: "tool <name> <args>",
  describe: "Run one tool (calc, python, js, search, or an imported MCP tool) and print its result",
  builder: (yargs) =>
    yargs
      .positional("name", { type: "string", demandOption: true, describe: "Tool name" })
      .positional("args", {
        type: "string",
        demandOption: true,
        describe: "Input as a JSON object, or the compact argument text, e.g. '2^100'",
      })
      .option("kb", { type: "string", describe: "Knowledge base for search (default: world)" })
      .option("timeout", { type: "number", describe: "Time limit in ms (default: the tool's)" })
      .option("json", { type: "boolean", describe: "Print one JSON object" }),
  handler: async (args) => {
    const context = loadContext(args);
    const registry = await toolRegistryForCommand(context, { only: [args.name], kb: args.kb });
    const { compactSyntaxOf } = await import("../tools/call-syntax.ts");
    try {
      const tool = registry.get(args.name);
      if (!tool) {
        const servers = Object.keys(context.config.mcpServers).map((server) => `${server}_…`);
        throw new NotFoundError(`no tool named '${args.name}'`, {
          expected: `one of: calc, python, js, search${servers.map((name) => `, ${name}`).join("")}`,
        });
      }
      const input = parseToolArguments(args.args, (text) => compactSyntaxOf(tool).toInput(text));
      const limits = args.timeout !== undefined ? { timeoutMs: args.timeout } : undefined;
      const result = await registry.execute(args.name, input, { limits });
      if (args.json) {
        printJson({ name: args.name, input, ...result });
        return;
      }
      printLine(result.content);
      if (result.isError) throw new ToolReportedError(`${args.name} reported an error (printed above)`);
    } finally {
      await registry.close();
    }
  },
};

/** A JSON object, or else the compact argument text read by the tool's own syntax. */
export function parseToolArguments(text: string, fromCompact: (text: string) => unknown): unknown {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    try {
      return JSON.parse(trimmed);
    } catch (cause) {
      throw new InvalidInputError(`ARGS looks like JSON but does not parse: ${(cause as Error).message}`, {
        cause,
        expected: 'a JSON object such as {"expression": "2^100"}, or the compact argument text',
      });
    }
  }
  return fromCompact(trimmed);
}

/**
 * The tool set a command uses: the config's MCP servers, search over `kb`, Python's snapshot in the cache.
 * Imported on demand, so that other commands do not pay for loading the tools.
 */
export async function toolRegistryForCommand(
  context: CommandContext,
  options: { only?: string[]; kb?: string; quiet?: boolean },
): Promise<ToolRegistry> {
  const { createToolRegistry, pythonSnapshotDir } = await import("../tools/default-tools.ts");
  const { openKnowledgeBase } = await import("../knowledge/open.ts");
  const kb = options.kb ?? context.config.defaultKb;
  return createToolRegistry({
    only: options.only,
    knowledge: () => openKnowledgeBase(kb, { ...context, quiet: options.quiet }),
    python: { snapshotDir: pythonSnapshotDir(context.paths.cacheDir) },
    mcpServers: context.config.mcpServers,
  });
}
