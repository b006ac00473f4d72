/** Runs the real `cogcore` command in a child process, as a user would. */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { packageRoot } from "../../src/paths.ts";

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCogcore(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): CliResult {
  const result = spawnSync(process.execPath, [join(packageRoot, "bin", "cogcore.mjs"), ...args], {
    cwd: options.cwd ?? packageRoot,
    env: { ...process.env, COGCORE_QUIET: "1", ...options.env },
    input: options.input,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
