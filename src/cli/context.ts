/** What every command gets from the global options: the validated config and the resolved paths. */
import { type Config, loadConfig } from "../config.ts";
import { type Paths, resolvePaths } from "../paths.ts";

/** Options every command accepts. */
export interface GlobalOptions {
  /** Path of a cogcore.config.json to use instead of the default lookup. */
  config?: string;
  /** Print debug logs and stack traces. */
  verbose?: boolean;
  /** Print no progress bars. */
  quiet?: boolean;
}

export interface CommandContext {
  config: Config;
  /** The config file used, or null for defaults. */
  configSource: string | null;
  paths: Paths;
}

export function loadContext(options: GlobalOptions): CommandContext {
  const { config, source } = loadConfig({ path: options.config });
  return { config, configSource: source, paths: resolvePaths(config) };
}
