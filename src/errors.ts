/**
 * The typed error hierarchy every part of cogcore throws.
 *
 * Each error has a stable machine-readable `code`, an optional `cause`, a process `exitCode` used by the
 * CLI, and `isRetryable` for callers that retry (providers). Messages say what was wrong *and what was
 * expected*, so that a one-line CLI message is enough to fix the problem.
 */

export interface CogcoreErrorOptions {
  /** The underlying error, kept for `--verbose` and for programmatic callers. */
  cause?: unknown;
  /** What was expected instead, appended to the message as "(expected …)". */
  expected?: string;
}

export class CogcoreError extends Error {
  /** Stable identifier, safe to match on in scripts and tests. */
  readonly code: string = "internal";
  /** Exit status the CLI uses for this error. */
  readonly exitCode: number = 70;
  /** Whether repeating the same call may succeed. */
  readonly isRetryable: boolean = false;
  /** What was expected, if the thrower said so. */
  readonly expected?: string;

  constructor(message: string, options: CogcoreErrorOptions = {}) {
    super(options.expected ? `${message} (expected ${options.expected})` : message, { cause: options.cause });
    this.name = new.target.name;
    this.expected = options.expected;
  }

  /** A plain object for `--json` output and logs. */
  toJSON(): { code: string; message: string; name: string } {
    return { code: this.code, message: this.message, name: this.name };
  }
}

/** A command line that does not fit the command's form: unknown flag, missing argument. */
export class UsageError extends CogcoreError {
  override readonly code = "usage";
  override readonly exitCode = 2;
}

/** A configuration file or environment variable that is malformed or inconsistent. */
export class ConfigError extends CogcoreError {
  override readonly code = "config";
  override readonly exitCode = 78;
}

/** A request or value that does not have the expected form. */
export class InvalidInputError extends CogcoreError {
  override readonly code = "invalid_input";
  override readonly exitCode = 65;
}

/** A file whose contents are truncated, corrupt or not of the expected format. */
export class CorruptFileError extends CogcoreError {
  override readonly code = "corrupt_file";
  override readonly exitCode = 65;
  /** The file that was being read. */
  readonly path?: string;
  constructor(message: string, options: CogcoreErrorOptions & { path?: string } = {}) {
    super(options.path ? `${options.path}: ${message}` : message, options);
    this.path = options.path;
  }
}

/** Something named (a file, a model, a knowledge base, a tool) does not exist. */
export class NotFoundError extends CogcoreError {
  override readonly code = "not_found";
  override readonly exitCode = 66;
}

/** No model is available to do the job. */
export class ModelNotInstalledError extends CogcoreError {
  override readonly code = "model_not_installed";
  override readonly exitCode = 69;
}

/** A time, memory, size or count limit was reached. */
export class LimitExceededError extends CogcoreError {
  override readonly code = "limit_exceeded";
  override readonly exitCode = 75;
  /** Which limit: "time", "memory", "output", "stack", "precision", … */
  readonly limit: string;
  constructor(limit: string, message: string, options: CogcoreErrorOptions = {}) {
    super(message, options);
    this.limit = limit;
  }
}

/** An operation that is not allowed: sandboxed code reaching for the host, for example. */
export class PermissionDeniedError extends CogcoreError {
  override readonly code = "permission_denied";
  override readonly exitCode = 77;
}

/** The caller aborted the operation (an `AbortSignal`, Ctrl-C). */
export class AbortedError extends CogcoreError {
  override readonly code = "aborted";
  override readonly exitCode = 130;
}

/** Wraps anything thrown into a CogcoreError, keeping the original as `cause`. */
export function toCogcoreError(error: unknown): CogcoreError {
  if (error instanceof CogcoreError) return error;
  if (error instanceof Error && error.name === "AbortError") {
    return new AbortedError("the operation was aborted", { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new CogcoreError(`internal error: ${message}`, { cause: error });
}
