/**
 * `cogcore bench NAME [--quick] [--json]`: runs a benchmark program from bench/.
 *
 * A benchmark is `bench/<name>.ts` exporting `description` (one line) and
 * `runBenchmark({quick}) → Promise<object>`: it measures cogcore side by side with a peer in the same
 * run and returns one JSON-serialisable object (ratios, medians, the machine it ran on).
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { CommandModule } from "yargs";
import { NotFoundError } from "../errors.ts";
import { packageRoot } from "../paths.ts";
import type { GlobalOptions } from "./context.ts";
import { printJson, printLine } from "./output.ts";

export interface BenchmarkOptions {
  /** A shorter run for smoke checks: fewer sizes and repetitions. */
  quick: boolean;
}

export interface BenchmarkModule {
  description: string;
  runBenchmark(options: BenchmarkOptions): Promise<object>;
}

const benchDir = join(packageRoot, "bench");

export function listBenchmarks(): string[] {
  if (!existsSync(benchDir)) return [];
  return readdirSync(benchDir)
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts") && !file.startsWith("_"))
    .map((file) => file.slice(0, -3))
    .sort();
}

export async function loadBenchmark(name: string): Promise<BenchmarkModule> {
  const available = listBenchmarks();
  if (!available.includes(name)) {
    throw new NotFoundError(`no benchmark named '${name}'`, {
      expected: `one of: ${available.join(", ") || "(none yet)"}`,
    });
  }
  return (await import(pathToFileURL(join(benchDir, `${name}.ts`)).href)) as BenchmarkModule;
}

interface BenchArgs extends GlobalOptions {
  name: string;
  quick?: boolean;
  json?: boolean;
}

export const benchCommand: CommandModule<GlobalOptions, BenchArgs> = {
  command: "bench <name>",
  describe: "Run a benchmark side by side with its peers; prints ratios and medians",
  builder: (yargs) =>
    yargs
      .positional("name", {
        type: "string",
        demandOption: true,
        describe: "Benchmark name (a file in bench/)",
      })
      .option("quick", { type: "boolean", describe: "A shorter run: fewer sizes and repetitions" })
      .option("json", { type: "boolean", describe: "Print one JSON object" }),
  handler: async (args) => {
    const benchmark = await loadBenchmark(args.name);
    const result = await benchmark.runBenchmark({ quick: Boolean(args.quick) });
    if (args.json) printJson(result);
    else printLine(JSON.stringify(result, null, 2));
  },
};
