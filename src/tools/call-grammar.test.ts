import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createCalcTool } from "./calc/calc-tool.ts";
import { createCallGrammar } from "./call-grammar.ts";
import { parseCall } from "./call-syntax.ts";
import { ToolRegistry } from "./registry.ts";
import { createSearchTool } from "./search-tool.ts";
import { defineTool } from "./tool.ts";

const code = (name: string, grammar: "python" | "javascript") =>
  defineTool({
    name,
    description: name,
    inputSchema: z.object({ code: z.string().min(1) }),
    compact: { grammar, toInput: (text) => ({ code: text }), fromInput: (input) => input.code },
    execute: async () => ({ content: "", isError: false }),
  });

const registry = new ToolRegistry([
  createCalcTool(),
  createSearchTool({ store: { search: async () => [], get: async () => undefined, close: async () => {} } }),
  code("python", "python"),
  code("js", "javascript"),
  defineTool({
    name: "search_web",
    description: "a name that extends another tool's name",
    inputSchema: z.object({ q: z.string() }),
    execute: async () => ({ content: "", isError: false }),
  }),
]);
const grammar = createCallGrammar(registry);

const VALID = [
  "calc(472317 - 342669)",
  "calc((2 + 3) * sqrt(16) ^ 2 % 7)",
  "calc(522,228 - 1,234.5)",
  "search(Lyon population)",
  "search(Paris (France) area)",
  'search_web({"q": "x (y)"})',
  "python(print(2**100))",
  'python(s = """)\n(((""" + \'"\'\nprint(s)  # ) trailing (\n)',
  "js([1, 2, 3].map((x) => x * x))",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: JavaScript source text with a template literal
  "js(`t ${[1].map(() => '}')} )` /* ) */ // )\n+ 1)",
];

const INVALID = [
  "calc(1 + 2))",
  "calc(1 ; 2)",
  "calc()",
  "cal(1)",
  "search(a\nb)",
  "search())",
  "python(print('a\nb'))",
  "python(x = [1, 2)",
  "js(})",
  "calc(1)x",
];

describe("createCallGrammar", () => {
  it("accepts every prefix of a valid call and completes exactly at its end", () => {
    for (const call of VALID) {
      expect(() => parseCall(call, registry), call).not.toThrow();
      for (let end = 0; end < call.length; end++) {
        expect(grammar.isValidPrefix(call.slice(0, end)), `${JSON.stringify(call.slice(0, end))}`).toBe(true);
        expect(grammar.isComplete(call.slice(0, end)), call.slice(0, end)).toBe(false);
      }
      expect(grammar.isComplete(call), call).toBe(true);
      expect(grammar.isValidPrefix(`${call} `), "nothing may follow a complete call").toBe(false);
    }
  });

  it("rejects what the parser rejects, at the first character that cannot continue", () => {
    for (const call of INVALID) {
      expect(grammar.isComplete(call), call).toBe(false);
      expect(() => parseCall(call, registry), call).toThrow();
    }
    // The parser forgives surrounding whitespace; the decoder must start with a name.
    expect(grammar.isValidPrefix(" ")).toBe(false);
    expect(grammar.isValidPrefix("calc(1 +")).toBe(true);
    expect(grammar.isValidPrefix("calc(1 + @")).toBe(false);
    expect(grammar.isValidPrefix("sea")).toBe(true);
    expect(grammar.isValidPrefix("search_")).toBe(true);
    expect(grammar.isValidPrefix("searcx")).toBe(false);
    expect(grammar.isValidPrefix("search_web(")).toBe(true);
    expect(grammar.isValidPrefix("search_web(x")).toBe(false);
  });

  it("advances incrementally to the same state as reading the whole text", () => {
    for (const call of VALID) {
      let state = grammar.start;
      for (const piece of call.match(/.{1,3}/gs) ?? []) {
        const next = grammar.advance(state, piece);
        expect(next, piece).not.toBeNull();
        state = next!;
      }
      expect(grammar.isAccepting(state)).toBe(true);
      expect(grammar.advance(grammar.start, call)).toEqual(state);
    }
  });

  it("masks a vocabulary: only tokens that keep the call valid are allowed", () => {
    const vocabulary = ["calc", "(", "1", " +", " 2", ")", "search", "\n", "$", "", "ca", "lc(", "))"];
    const afterOpen = grammar.advance(grammar.start, "calc(")!;
    const mask = grammar.mask(afterOpen, vocabulary);
    const allowed = vocabulary.filter((_, index) => mask[index] === 1);
    // Letters may start a function name (sqrt), so "calc" and "search" can continue an expression.
    expect(allowed).toEqual(["calc", "(", "1", " +", " 2", "search", "ca", "lc("]);
    const afterNumber = grammar.advance(afterOpen, "1")!;
    expect(vocabulary.filter((_, index) => grammar.mask(afterNumber, vocabulary)[index] === 1)).toContain(
      ")",
    );
    const atStart = vocabulary.filter((_, index) => grammar.mask(grammar.start, vocabulary)[index] === 1);
    expect(atStart).toEqual(["calc", "search", "ca"]);
  });

  it("serves masks from its per-state cache that equal masks computed token by token", () => {
    const vocabulary = [
      ..."()[]{}'\"`#/*\n +-,.0123456789abcxyz",
      "calc",
      "search",
      "print(",
      "))",
      ")",
      '"""',
      "${",
    ];
    for (const call of VALID) {
      let state = grammar.start;
      for (const char of call) {
        const expected = vocabulary.map((text) => (grammar.advance(state, text) !== null ? 1 : 0));
        expect([...grammar.mask(state, vocabulary)], call).toEqual(expected);
        const mask = grammar.mask(state, vocabulary);
        mask.fill(0); // a caller may reuse the array it gets: the cache keeps its own
        expect([...grammar.mask(state, vocabulary)]).toEqual(expected);
        state = grammar.advance(state, char)!;
      }
    }
  });
});
