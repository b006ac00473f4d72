import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AbortedError, InvalidInputError, LimitExceededError, NotFoundError } from "../errors.ts";
import { createCalcTool } from "./calc/calc-tool.ts";
import { ToolRegistry } from "./registry.ts";
import { defineTool } from "./tool.ts";

const failing = defineTool({
  name: "slow",
  description: "always over its time limit",
  inputSchema: z.object({ n: z.number().int().describe("a count") }),
  execute: async () => {
    throw new LimitExceededError("time", "ran longer than 10 ms");
  },
});

describe("ToolRegistry", () => {
  it("registers, lists and looks tools up by name, refusing duplicates and bad names", () => {
    const registry = new ToolRegistry([createCalcTool(), failing]);
    expect(registry.list().map((tool) => tool.name)).toEqual(["calc", "slow"]);
    expect(registry.get("calc")?.name).toBe("calc");
    expect(registry.get("nope")).toBeUndefined();
    expect(() => registry.register(createCalcTool())).toThrow(/already registered/);
    registry.register(createCalcTool(), { replace: true });
    expect(() => registry.register({ ...failing, name: "has space" })).toThrow(/not a valid tool name/);
    expect(() => registry.register({ ...failing, name: "x".repeat(65) })).toThrow(InvalidInputError);
    expect(registry.unregister("slow")).toBe(true);
    expect(registry.has("slow")).toBe(false);
  });

  it("exports definitions with JSON Schema for providers", () => {
    const registry = new ToolRegistry([createCalcTool(), failing]);
    const [calc, slow] = registry.definitions();
    expect(calc.name).toBe("calc");
    expect(calc.description).toMatch(/Exact arithmetic/);
    expect(calc.inputSchema).toMatchObject({
      type: "object",
      properties: { expression: { type: "string", minLength: 1 } },
      required: ["expression"],
    });
    expect(slow.inputSchema).toMatchObject({
      properties: { n: { type: "integer", description: "a count" } },
      required: ["n"],
    });
    const custom = { type: "object", properties: { q: { type: "string" } } };
    registry.register({ ...failing, name: "imported", jsonSchema: custom });
    expect(registry.definitions().at(-1)?.inputSchema).toBe(custom);
  });

  it("validates input before executing, and throws typed errors", async () => {
    const registry = new ToolRegistry([createCalcTool(), failing]);
    expect((await registry.execute("calc", { expression: "1 + 2" })).content).toBe("3");
    await expect(registry.execute("calc", { expr: "1" })).rejects.toThrow(
      /calc: expression: .*expected string/i,
    );
    await expect(registry.execute("nope", {})).rejects.toThrow(NotFoundError);
    await expect(registry.execute("slow", { n: 1 })).rejects.toThrow(LimitExceededError);
    const aborted = AbortSignal.abort();
    await expect(registry.execute("calc", { expression: "1" }, { signal: aborted })).rejects.toThrow(
      AbortedError,
    );
  });

  it("observe turns typed failures into results the model can read", async () => {
    const registry = new ToolRegistry([createCalcTool(), failing]);
    expect(await registry.observe("slow", { n: 1 })).toEqual({
      content: "error (limit_exceeded): ran longer than 10 ms",
      isError: true,
      data: {
        error: {
          code: "limit_exceeded",
          message: "ran longer than 10 ms",
          name: "LimitExceededError",
          limit: "time",
        },
      },
    });
    const divided = await registry.observe("calc", { expression: "1/0" });
    expect(divided.isError).toBe(true);
    expect(divided.content).toMatch(/^error \(invalid_input\): division by zero/);
    await expect(
      registry.observe("calc", { expression: "1" }, { signal: AbortSignal.abort() }),
    ).rejects.toThrow(AbortedError);
  });
});
