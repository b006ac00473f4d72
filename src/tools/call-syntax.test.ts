import { describe, expect, it } from "vitest";
import { z } from "zod";
import { InvalidInputError, NotFoundError } from "../errors.ts";
import { createCalcTool } from "./calc/calc-tool.ts";
import { formatCall, parseCall, ToolCallSyntaxError } from "./call-syntax.ts";
import { ToolRegistry } from "./registry.ts";
import { createSearchTool } from "./search-tool.ts";
import { defineTool } from "./tool.ts";

const codeTool = (name: string, grammar: "python" | "javascript") =>
  defineTool({
    name,
    description: `${name} code`,
    inputSchema: z.object({ code: z.string().min(1) }),
    compact: { grammar, toInput: (text) => ({ code: text }), fromInput: (input) => input.code },
    execute: async () => ({ content: "", isError: false }),
  });

const weather = defineTool({
  name: "weather",
  description: "JSON-argument tool",
  inputSchema: z.object({ city: z.string(), days: z.number().int().optional() }),
  execute: async () => ({ content: "", isError: false }),
});

const registry = new ToolRegistry([
  createCalcTool(),
  createSearchTool({ store: { search: async () => [], get: async () => undefined, close: async () => {} } }),
  codeTool("python", "python"),
  codeTool("js", "javascript"),
  weather,
]);

describe("parseCall", () => {
  it("reads each tool's compact argument into its input object", () => {
    expect(parseCall("calc(472317 - 342669)", registry)).toEqual({
      name: "calc",
      input: { expression: "472317 - 342669" },
    });
    expect(parseCall("search(Lyon population)", registry)).toEqual({
      name: "search",
      input: { query: "Lyon population", focus: true }, // compact calls are the core's: focused hits
    });
    expect(parseCall("python(print(2**100))", registry)).toEqual({
      name: "python",
      input: { code: "print(2**100)" },
    });
    expect(parseCall('weather({"city": "Lyon", "days": 2})', registry)).toEqual({
      name: "weather",
      input: { city: "Lyon", days: 2 },
    });
  });

  it("keeps balanced parentheses inside arguments, and brackets inside strings and comments", () => {
    expect(parseCall("calc((1 + 2) * (3 - (4 / 5)))", registry).input).toEqual({
      expression: "(1 + 2) * (3 - (4 / 5))",
    });
    expect(parseCall("search(Paris (France) area)", registry).input).toEqual({
      query: "Paris (France) area",
      focus: true,
    });
    const python = 'print(")" + \'(\')  # ) comment (\nx = """ ) """';
    expect(parseCall(`python(${python})`, registry).input).toEqual({ code: python });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: JavaScript source text with a template literal
    const js = "console.log(`a ${(1 + 2)} )`) // )\n/* ( */ [1].map((x) => x)";
    expect(parseCall(`js(${js})`, registry).input).toEqual({ code: js });
    expect(parseCall('weather({"city": "Paris (1)"})', registry).input).toEqual({ city: "Paris (1)" });
  });

  it("throws typed errors that name the expected form", () => {
    const cases: Array<[string, RegExp]> = [
      ["", /does not start with a tool name.*expected a call of the form name\(argument\)/],
      ["calc 1 + 2", /'calc' is not followed by '\('/],
      ["calc(1 + 2", /is not closed.*final '\)'/],
      ["calc(1 + 2))", /unexpected text after the call: '\)'/],
      ["calc(1 + 2) and more", /unexpected text after the call/],
      ["calc()", /malformed/],
      ["calc(1 + $)", /malformed.*arithmetic expression/],
      ["search(two\nlines)", /malformed.*one line/],
      ["python(print('unclosed)", /is not closed/],
      ['weather({"city": 1})', /weather: city: .*expected string/i],
      ["weather(not json)", /malformed.*JSON object/],
    ];
    for (const [text, message] of cases) {
      let thrown: unknown;
      try {
        parseCall(text, registry);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, text).toBeInstanceOf(InvalidInputError);
      expect((thrown as Error).message, text).toMatch(message);
    }
    expect(() => parseCall("calc(1", registry)).toThrow(ToolCallSyntaxError);
    expect(() => parseCall("nosuchtool(1)", registry)).toThrow(NotFoundError);
    expect(() => parseCall("nosuchtool(1)", registry)).toThrow(/one of: calc, search, python, js, weather/);
  });
});

describe("formatCall", () => {
  it("round-trips with parseCall", () => {
    const calls = [
      { name: "calc", input: { expression: "472317 - 342669" } },
      { name: "calc", input: { expression: "round(sqrt(2) * (3 + 4), 5)" } },
      { name: "search", input: { query: "population of the capital of Peru", focus: true } },
      { name: "python", input: { code: "def f(x):\n    return (x, ')')\nprint(f(1))" } },
      // biome-ignore lint/suspicious/noTemplateCurlyInString: JavaScript source text with a template literal
      { name: "js", input: { code: "const s = `${'('}`; s + ')'" } },
      { name: "weather", input: { city: "São Paulo (BR)", days: 3 } },
    ];
    for (const call of calls) {
      const text = formatCall(call, registry);
      expect(parseCall(text, registry), text).toEqual(call);
      expect(registry.formatCall(registry.parseCall(text))).toBe(text);
    }
    expect(formatCall({ name: "calc", input: { expression: "1 + 2" } }, registry)).toBe("calc(1 + 2)");
  });

  it("refuses an input whose compact form would not parse back", () => {
    expect(() => formatCall({ name: "search", input: { query: "unbalanced ) paren" } }, registry)).toThrow(
      /has no compact form/,
    );
    expect(() => formatCall({ name: "search", input: { query: "Lyon", k: 3 } }, registry)).toThrow(
      /k or filter has no compact form/,
    );
    expect(() => formatCall({ name: "calc", input: { expression: 42 } }, registry)).toThrow(
      InvalidInputError,
    );
  });
});
