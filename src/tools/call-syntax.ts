/**
 * The compact call syntax of the core's chat format: `<|call|>calc(472317 - 342669)<|/call|>`.
 *
 * A call is `NAME(ARGUMENT)`: a registered tool name, `(`, the argument text, and the `)` that closes it.
 * Each tool's CompactSyntax maps the argument text to its input object and back; a tool without one takes
 * its input as a JSON object, `weather({"city": "Lyon"})`. parseCall and formatCall round-trip, and both
 * use the argument grammars of argument-grammars.ts, the same ones constrained decoding uses.
 */
import { z } from "zod";
import { InvalidInputError, NotFoundError } from "../errors.ts";
import { argumentGrammar, scanArgument } from "./argument-grammars.ts";
import type { AnyTool, CompactSyntax } from "./tool.ts";

/** A call as a plain object, the same shape as an OpenAI-style tool call's name and parsed arguments. */
export interface ToolCall {
  name: string;
  input: unknown;
}

/** What parseCall and formatCall need from a registry. */
export interface ToolLookup {
  get(name: string): AnyTool | undefined;
  list(): AnyTool[];
}

/** A call text that does not have the form `name(argument)`, or whose argument does not fit the tool. */
export class ToolCallSyntaxError extends InvalidInputError {
  /** Index in the call text where reading failed, when known. */
  readonly position?: number;
  constructor(message: string, options: { expected?: string; cause?: unknown; position?: number } = {}) {
    super(message, options);
    this.position = options.position;
  }
}

/** The compact syntax a tool uses: its own, or its input as a JSON object. */
export function compactSyntaxOf(tool: AnyTool): CompactSyntax<unknown> {
  return tool.compact ?? JSON_OBJECT_SYNTAX;
}

const JSON_OBJECT_SYNTAX: CompactSyntax<unknown> = {
  grammar: "json",
  toInput(text) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (cause) {
      throw new InvalidInputError(`the argument is not valid JSON: ${(cause as Error).message}`, {
        cause,
        expected: 'a JSON object such as {"city": "Lyon"}',
      });
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new InvalidInputError("the argument is not a JSON object", {
        expected: 'a JSON object such as {"a": 1}',
      });
    }
    return value;
  },
  fromInput: (input) => JSON.stringify(input),
};

function expectedForm(tools: ToolLookup): string {
  const examples = tools
    .list()
    .slice(0, 6)
    .map((tool) => `${tool.name}(…)`);
  return `a call of the form name(argument), one of: ${examples.join(", ") || "(no tools registered)"}`;
}

/** Parses a call text (what is between `<|call|>` and `<|/call|>`) into a validated `{name, input}`. */
export function parseCall(text: string, tools: ToolLookup): ToolCall {
  const call = text.trim();
  const name = /^[A-Za-z][A-Za-z0-9_]*/.exec(call)?.[0];
  if (!name) {
    throw new ToolCallSyntaxError(`'${abbreviate(call)}' does not start with a tool name`, {
      expected: expectedForm(tools),
      position: 0,
    });
  }
  const tool = tools.get(name);
  if (!tool) {
    throw new NotFoundError(`no tool named '${name}'`, {
      expected: `one of: ${
        tools
          .list()
          .map((t) => t.name)
          .join(", ") || "(none registered)"
      }`,
    });
  }
  if (call[name.length] !== "(") {
    throw new ToolCallSyntaxError(`'${name}' is not followed by '('`, {
      expected: `${name}(argument)`,
      position: name.length,
    });
  }
  const argument = readArgument(call, name, tool);
  return { name, input: validateInput(tool, compactSyntaxOf(tool).toInput(argument.trim())) };
}

/** The argument text of `call`, checked against the tool's grammar up to the final `)`. */
function readArgument(call: string, name: string, tool: AnyTool): string {
  const syntax = compactSyntaxOf(tool);
  const grammar = argumentGrammar(syntax.grammar);
  const start = name.length + 1;
  const scanned = scanArgument(grammar, grammar.start, call.slice(start));
  const expected = `${name}(${describeGrammar(syntax.grammar)})`;
  if (scanned === null) {
    throw new ToolCallSyntaxError(`the argument of ${name} is malformed: '${abbreviate(call)}'`, {
      expected,
    });
  }
  if (!("closedAt" in scanned)) {
    throw new ToolCallSyntaxError(`the call '${abbreviate(call)}' is not closed`, {
      expected: `${expected}, with brackets and quotes balanced and a final ')'`,
      position: call.length,
    });
  }
  const close = start + scanned.closedAt;
  if (close !== call.length - 1) {
    throw new ToolCallSyntaxError(`unexpected text after the call: '${abbreviate(call.slice(close + 1))}'`, {
      expected: "one call and nothing after its closing ')'",
      position: close + 1,
    });
  }
  return call.slice(start, close);
}

/** Validates an input object against the tool's schema; the error names the field and the expected form. */
export function validateInput(tool: AnyTool, input: unknown): unknown {
  const result = tool.inputSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path.length > 0 ? issue.path.join(".") : "input";
  throw new InvalidInputError(`${tool.name}: ${field}: ${issue.message}`, {
    cause: result.error,
    expected: `input matching ${JSON.stringify(z.toJSONSchema(tool.inputSchema, { io: "input" }))}`,
  });
}

/** Prints a call in compact form; parseCall of the result gives back the same call. */
export function formatCall(call: ToolCall, tools: ToolLookup): string {
  const tool = tools.get(call.name);
  if (!tool) throw new NotFoundError(`no tool named '${call.name}'`);
  const syntax = compactSyntaxOf(tool);
  const argument = syntax.fromInput(validateInput(tool, call.input));
  const text = `${call.name}(${argument})`;
  const grammar = argumentGrammar(syntax.grammar);
  const scanned = scanArgument(grammar, grammar.start, `${argument})`);
  if (scanned === null || !("closedAt" in scanned) || scanned.closedAt !== argument.length) {
    throw new InvalidInputError(`${call.name}: this input has no compact form: '${abbreviate(argument)}'`, {
      expected: `an argument that is ${describeGrammar(syntax.grammar)}`,
    });
  }
  return text;
}

function describeGrammar(kind: string): string {
  switch (kind) {
    case "expression":
      return "an arithmetic expression with balanced parentheses";
    case "text":
      return "text on one line with balanced parentheses";
    case "json":
      return "a JSON object";
    default:
      return `${kind} code with balanced brackets and closed strings`;
  }
}

/** The text on one line (newlines shown as \n), shortened to `length` characters. */
function abbreviate(text: string, length = 80): string {
  const flat = text.replace(/\r/g, "\\r").replace(/\n/g, "\\n");
  return flat.length <= length ? flat : `${flat.slice(0, length - 1)}…`;
}
