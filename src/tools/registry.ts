/**
 * The tool registry: the set of tools an agent, the MCP server or `cogcore tool` can call, by name.
 *
 * `execute` validates the input against the tool's schema and runs it; failures are thrown as typed
 * CogcoreErrors. `observe` runs the same call but turns every CogcoreError into a ToolResult with
 * `isError: true` and `data.error = {code, message}`, which is what an agent loop shows the model.
 */
import { z } from "zod";
import {
  AbortedError,
  type CogcoreError,
  InvalidInputError,
  NotFoundError,
  toCogcoreError,
} from "../errors.ts";
import { formatCall, parseCall, type ToolCall, validateInput } from "./call-syntax.ts";
import {
  type AnyTool,
  TOOL_NAME_PATTERN,
  type ToolDefinition,
  type ToolExecuteOptions,
  type ToolResult,
} from "./tool.ts";

/** The `data` of a result that `observe` made from a thrown error. */
export interface ToolErrorData {
  error: { code: string; message: string; name: string; limit?: string };
}

export class ToolRegistry {
  readonly #tools = new Map<string, AnyTool>();

  constructor(tools: AnyTool[] = []) {
    for (const tool of tools) this.register(tool);
  }

  /** Adds a tool; a second tool with the same name is an error unless `replace` is set. */
  register(tool: AnyTool, options: { replace?: boolean } = {}): this {
    if (!TOOL_NAME_PATTERN.test(tool.name)) {
      throw new InvalidInputError(`'${tool.name}' is not a valid tool name`, {
        expected: "a letter followed by up to 63 letters, digits or underscores",
      });
    }
    if (this.#tools.has(tool.name) && !options.replace) {
      throw new InvalidInputError(`a tool named '${tool.name}' is already registered`, {
        expected: "unique tool names (or register with {replace: true})",
      });
    }
    this.#tools.set(tool.name, tool);
    return this;
  }

  /** Removes a tool by name; returns whether it was there. */
  unregister(name: string): boolean {
    return this.#tools.delete(name);
  }

  get(name: string): AnyTool | undefined {
    return this.#tools.get(name);
  }

  has(name: string): boolean {
    return this.#tools.has(name);
  }

  /** Tools in registration order. */
  list(): AnyTool[] {
    return [...this.#tools.values()];
  }

  /** Provider-facing definitions, with the input schema as JSON Schema. */
  definitions(): ToolDefinition[] {
    return this.list().map((tool) => ({
      name: tool.name,
      description: tool.description,
      inputSchema:
        tool.jsonSchema ?? (z.toJSONSchema(tool.inputSchema, { io: "input" }) as Record<string, unknown>),
    }));
  }

  /** Validates the input and runs the tool; throws typed errors (NotFoundError for an unknown name). */
  async execute(name: string, input: unknown, options: ToolExecuteOptions = {}): Promise<ToolResult> {
    const tool = this.#tools.get(name);
    if (!tool) {
      throw new NotFoundError(`no tool named '${name}'`, {
        expected: `one of: ${[...this.#tools.keys()].join(", ") || "(none registered)"}`,
      });
    }
    if (options.signal?.aborted) throw new AbortedError(`${name} was aborted before it started`);
    return tool.execute(validateInput(tool, input), options);
  }

  /** Like execute, but a typed failure becomes a result the model can read; aborts still throw. */
  async observe(name: string, input: unknown, options: ToolExecuteOptions = {}): Promise<ToolResult> {
    try {
      return await this.execute(name, input, options);
    } catch (thrown) {
      const error = toCogcoreError(thrown);
      if (error instanceof AbortedError) throw error;
      return errorResult(error);
    }
  }

  /** Parses a compact call text, `calc(1 + 2)`, against the registered tools. */
  parseCall(text: string): ToolCall {
    return parseCall(text, this);
  }

  /** Prints a call in compact form. */
  formatCall(call: ToolCall): string {
    return formatCall(call, this);
  }

  /** Closes every tool that holds processes or workers. */
  async close(): Promise<void> {
    await Promise.all(this.list().map((tool) => tool.close?.()));
  }
}

/** A ToolResult describing a typed error, as `observe` returns it. */
export function errorResult(error: CogcoreError): ToolResult<ToolErrorData> {
  const limit = (error as { limit?: unknown }).limit;
  return {
    content: `error (${error.code}): ${error.message}`,
    isError: true,
    data: {
      error: {
        code: error.code,
        message: error.message,
        name: error.name,
        ...(typeof limit === "string" ? { limit } : {}),
      },
    },
  };
}
