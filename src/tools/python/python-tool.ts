/**
 * python: runs Python code in the Pyodide sandbox, `python(print(2**100))`.
 *
 * The result is what the code printed, then the value of its last expression (as a REPL shows it).
 * An exception in the code is an ordinary result with `isError: true` and the traceback. Reaching past
 * the sandbox throws PermissionDeniedError; running past the time, memory, output or stack limits throws
 * LimitExceededError. See sandbox-process.mjs for what contains the code.
 */
import { z } from "zod";
import { AbortedError, type CogcoreError, LimitExceededError, PermissionDeniedError } from "../../errors.ts";
import { defineTool, resolveLimits, SandboxCrashedError, type Tool, type ToolLimits } from "../tool.ts";
import { PythonPool, type PythonPoolOptions } from "./python-pool.ts";
import type { SandboxRunResult } from "./sandbox-client.ts";

export interface PythonToolOptions extends PythonPoolOptions {
  /** Default limits per call. Default: 10 000 ms, 64 KiB of output, memoryMb of the pool (256 MiB). */
  limits?: ToolLimits;
}

export interface PythonResultData {
  stdout: string;
  stderr: string;
  /** repr() of the last expression's value, or null. */
  value: string | null;
  /** The traceback when the code raised. */
  error: string | null;
  durationMs: number;
}

export const PythonInputSchema = z.object({
  code: z
    .string()
    .min(1)
    .describe("Python 3 source; printed output and the last expression's value are returned"),
});
export type PythonInput = z.infer<typeof PythonInputSchema>;

export interface PythonTool extends Tool<PythonInput, PythonResultData> {
  /** The pool of sandbox processes behind the tool. */
  pool: PythonPool;
}

export function createPythonTool(options: PythonToolOptions = {}): PythonTool {
  const defaults = resolveLimits(
    { timeoutMs: 10_000, maxOutputBytes: 64 * 1024, memoryMb: options.memoryMb ?? 256 },
    options.limits,
  );
  const pool = new PythonPool({ ...options, memoryMb: defaults.memoryMb });
  const tool = defineTool<PythonInput, PythonResultData>({
    name: "python",
    description:
      "Runs Python 3 (standard library only, no network, no files of the host) and returns what it printed " +
      "and the value of its last expression. Use it for data manipulation, algorithms and exact checks.",
    inputSchema: PythonInputSchema,
    compact: { grammar: "python", toInput: (text) => ({ code: text }), fromInput: (input) => input.code },
    async execute(input, { signal, limits }) {
      if (signal?.aborted) throw new AbortedError("python was aborted before it started");
      const { timeoutMs, maxOutputBytes } = resolveLimits(defaults, limits);
      const result = await pool.run({ code: input.code, timeoutMs, maxOutputBytes }, signal);
      return toToolResult(result, { timeoutMs, maxOutputBytes, memoryMb: defaults.memoryMb });
    },
    close: () => pool.close(),
  });
  return Object.assign(tool, { pool });
}

function toToolResult(result: SandboxRunResult, limits: Required<ToolLimits>) {
  const data: PythonResultData = {
    stdout: result.stdout,
    stderr: result.stderr,
    value: result.value,
    error: result.error,
    durationMs: result.durationMs,
  };
  switch (result.status) {
    case "ok":
    case "error": {
      const parts = [result.stdout, result.stderr, result.value ?? "", result.error ?? ""];
      const content = parts
        .filter((part) => part !== "")
        .map((part) => part.replace(/\n$/, ""))
        .join("\n");
      return { content: content || "(no output)", isError: result.status === "error", data };
    }
    default:
      throw failure(result, limits);
  }
}

/** The typed error for a call that hit a limit, reached for the host, or crashed. */
function failure(result: SandboxRunResult, limits: Required<ToolLimits>): CogcoreError {
  const detail = result.error ? `: ${lastLine(result.error)}` : "";
  switch (result.status) {
    case "interrupted":
    case "time":
      return new LimitExceededError("time", `the Python code ran longer than ${limits.timeoutMs} ms`, {
        expected: "code that finishes within the time limit",
      });
    case "memory":
      return new LimitExceededError("memory", `the Python code needed more than ${limits.memoryMb} MiB`);
    case "stack":
      return new LimitExceededError("stack", `the Python code recursed too deeply${detail}`);
    case "output":
      return new LimitExceededError(
        "output",
        `the Python code printed more than ${limits.maxOutputBytes} bytes`,
      );
    case "permission":
    case "permission-fatal":
      return new PermissionDeniedError(`the Python sandbox refused an operation${detail}`);
    default:
      if (/^stack:/.test(result.error ?? "")) {
        return new LimitExceededError("stack", "the Python code overflowed the WebAssembly stack");
      }
      if (/out of memory|ERR_WORKER_OUT_OF_MEMORY|heap limit/i.test(result.error ?? "")) {
        return new LimitExceededError("memory", `the Python sandbox ran out of memory${detail}`);
      }
      return new SandboxCrashedError(`the Python sandbox crashed${detail}`);
  }
}

function lastLine(text: string): string {
  const lines = text.trim().split("\n");
  return lines[lines.length - 1].slice(0, 300);
}
