/** Logging to stderr; stdout is reserved for results (`--json` prints exactly one object there). */
import pc from "picocolors";

export type LogLevel = "debug" | "info" | "warn" | "error";
const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

let threshold: LogLevel = "info";

/** Sets the lowest level printed. `--verbose` sets "debug". */
export function setLogLevel(level: LogLevel): void {
  threshold = level;
}

export function isVerbose(): boolean {
  return threshold === "debug";
}

function write(level: LogLevel, message: string): void {
  if (ORDER[level] < ORDER[threshold]) return;
  const prefix = level === "error" ? pc.red("error") : level === "warn" ? pc.yellow("warn") : pc.dim(level);
  process.stderr.write(`${prefix} ${message}\n`);
}

export const log = {
  debug: (message: string) => write("debug", message),
  info: (message: string) => write("info", message),
  warn: (message: string) => write("warn", message),
  error: (message: string) => write("error", message),
};
