/**
 * The tool contract: what every tool outside the model (calculator, sandboxed Python and JavaScript,
 * knowledge search, tools imported over MCP) looks like to the agent loop, providers and the curriculum.
 *
 * A tool has a name, a description, a zod input schema (exported as JSON Schema for providers), an
 * optional compact call syntax for the core's chat format (`calc(472317 - 342669)`), and `execute`.
 *
 * Failure is typed: `execute` throws a CogcoreError (`InvalidInputError` for bad input,
 * `LimitExceededError` when a time, memory, output, stack or precision limit is reached,
 * `PermissionDeniedError` when sandboxed code reaches for the host, `AbortedError` when the signal
 * fires). A result with `isError: true` is an ordinary outcome the model should read, e.g. a Python
 * traceback of user code.
 */
import type { z } from "zod";
import { CogcoreError } from "../errors.ts";
import type { ArgumentGrammarKind } from "./argument-grammars.ts";

/** Limits a caller may tighten or loosen per call; each tool documents its defaults. */
export interface ToolLimits {
  /** Wall-clock limit in milliseconds. Default: per tool (python 10 000, js 2 000). */
  timeoutMs?: number;
  /** Largest captured output (stdout + stderr + result) in bytes. Default: per tool (64 KiB). */
  maxOutputBytes?: number;
  /** Memory cap in MiB for the sandbox. Default: per tool (python 256, js 64). */
  memoryMb?: number;
}

export interface ToolExecuteOptions {
  /** Aborts the call; the tool throws AbortedError. */
  signal?: AbortSignal;
  /** Per-call limits; unset fields take the tool's defaults. */
  limits?: ToolLimits;
}

export interface ToolResult<Data = unknown> {
  /** What the model reads, as plain text. */
  content: string;
  /** True when the content describes a failure of the user's request (a traceback, no match). */
  isError: boolean;
  /** Structured form for programs: exact values, numbered hits, captured streams. */
  data?: Data;
}

/**
 * How a tool's compact call argument maps to its input object and back, e.g. for calc the text
 * between the parentheses is the expression. `fromInput(toInput(text))` must give back `text` for any
 * text the grammar accepts (after trimming), and `toInput(fromInput(input))` must equal `input`.
 */
export interface CompactSyntax<Input> {
  /** Which character-level grammar constrains the argument text while it is decoded. */
  grammar: ArgumentGrammarKind;
  /** Argument text (between the parentheses) → input object. Throws InvalidInputError. */
  toInput(text: string): Input;
  /** Input object → argument text. Throws InvalidInputError when the input has no compact form. */
  fromInput(input: Input): string;
}

export interface Tool<Input = unknown, Data = unknown> {
  /** Identifier used in calls: letters, digits and underscores, starting with a letter (≤ 64 chars). */
  name: string;
  /** One or two sentences for the model: what it does and when to use it. */
  description: string;
  /** Validates the input; exported to providers with `z.toJSONSchema`. */
  inputSchema: z.ZodType<Input>;
  /** JSON Schema shown to providers instead of the one derived from inputSchema (MCP tools keep their server's). */
  jsonSchema?: Record<string, unknown>;
  /** The compact form used inside `<|call|>`; default: the input as a JSON object (grammar "json"). */
  compact?: CompactSyntax<Input>;
  /** Runs the tool on validated input. */
  execute(input: Input, options: ToolExecuteOptions): Promise<ToolResult<Data>>;
  /** Releases processes and workers the tool holds. */
  close?(): Promise<void>;
}

/** A tool whose input type is not known statically (what the registry holds). */
// biome-ignore lint/suspicious/noExplicitAny: a registry holds tools of heterogeneous input types
export type AnyTool = Tool<any, unknown>;

/** The provider-facing description of a tool: OpenAI `tools[].function`, Anthropic `tools[]`, MCP. */
export interface ToolDefinition {
  name: string;
  description: string;
  /** JSON Schema (draft 2020-12) of the input object. */
  inputSchema: Record<string, unknown>;
}

/** Tool names: what OpenAI, Anthropic and MCP all accept, and what the call grammar can spell. */
export const TOOL_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** Identity helper that keeps a tool's input type inferred from its schema. */
export function defineTool<Input, Data = unknown>(tool: Tool<Input, Data>): Tool<Input, Data> {
  return tool;
}

/** The limits in force: the caller's where set, else the tool's defaults. */
export function resolveLimits(defaults: Required<ToolLimits>, limits: ToolLimits = {}): Required<ToolLimits> {
  return {
    timeoutMs: limits.timeoutMs ?? defaults.timeoutMs,
    maxOutputBytes: limits.maxOutputBytes ?? defaults.maxOutputBytes,
    memoryMb: limits.memoryMb ?? defaults.memoryMb,
  };
}

/** A sandbox died for a reason that is not a limit (a bug in the runtime): retrying may work. */
export class SandboxCrashedError extends CogcoreError {
  override readonly code = "sandbox_crashed";
  override readonly isRetryable = true;
}
