/** Logging to stderr; stdout is reserved for results (`--json` prints exactly one object there). */
import pc from "picocolors";

export type LogLevel = "debug" | "info" | "warn" | "error";
const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

let threshold: LogLevel = "info";

/**
 * Colours for one output stream: on when it is a terminal (or FORCE_COLOR is set), off when NO_COLOR
 * is set. Unlike picocolors' default, a `CI` variable alone does not turn them on: piped output stays
 * plain text.
 */
export function colorsFor(stream: { isTTY?: boolean }): ReturnType<typeof pc.createColors> {
  const env = process.env;
  const on = !("NO_COLOR" in env) && ("FORCE_COLOR" in env || Boolean(stream.isTTY));
  return pc.createColors(on);
}

/** Sets the lowest level printed. `--verbose` sets "debug". */
export function setLogLevel(level: LogLevel): void {
  threshold = level;
}

export function isVerbose(): boolean {
  return threshold === "debug";
}

function write(level: LogLevel, message: string): void {
  if (ORDER[level] < ORDER[threshold]) return;
  const pc = colorsFor(process.stderr);
  const prefix = level === "error" ? pc.red("error") : level === "warn" ? pc.yellow("warn") : pc.dim(level);
  process.stderr.write(`${prefix} ${message}\n`);
}

export const log = {
  debug: (message: string) => write("debug", message),
  info: (message: string) => write("info", message),
  warn: (message: string) => write("warn", message),
  error: (message: string) => write("error", message),
};
