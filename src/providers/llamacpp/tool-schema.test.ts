import { describe, expect, it } from "vitest";
import { z } from "zod";
import { InvalidInputError } from "../../errors.ts";
import type { JSONSchema } from "../spec.ts";
import { toChatFunctions, toFunctionParams, toToolInput } from "./tool-schema.ts";

const weatherSchema = z.toJSONSchema(
  z.object({
    city: z.string().min(1).max(40).describe("a city name"),
    days: z.number().int().optional(),
    unit: z.enum(["c", "f"]),
    tags: z.array(z.string()).max(3),
    when: z.string().nullable(),
  }),
  { io: "input" },
) as Record<string, unknown>;

describe("toFunctionParams", () => {
  it("keeps what GBNF expresses and makes optional properties nullable", () => {
    expect(toFunctionParams(weatherSchema)).toEqual({
      type: "object",
      properties: {
        city: { type: "string", minLength: 1, maxLength: 40, description: "a city name" },
        days: { oneOf: [{ type: "integer" }, { type: "null" }] },
        unit: { enum: ["c", "f"] },
        tags: { type: "array", items: { type: "string" }, maxItems: 3 },
        when: { oneOf: [{ type: "string" }, { type: "null" }] },
      },
    });
  });

  it("allows any object for a bare object schema, and any value for an empty one", () => {
    expect(toFunctionParams({ type: "object" })).toEqual({
      type: "object",
      properties: {},
      additionalProperties: true,
    });
    expect(toFunctionParams({})).toMatchObject({ oneOf: expect.any(Array) });
  });

  it("maps type lists, consts, date formats and typed additional properties", () => {
    expect(toFunctionParams({ type: ["string", "null"] } as unknown as JSONSchema)).toEqual({
      oneOf: [{ type: "string" }, { type: "null" }],
    });
    expect(toFunctionParams({ const: "x" })).toEqual({ const: "x" });
    expect(toFunctionParams({ type: "string", format: "date" })).toEqual({ type: "string", format: "date" });
    expect(toFunctionParams({ type: "string", format: "email" })).toEqual({ type: "string" });
    expect(
      toFunctionParams({ type: "object", properties: {}, additionalProperties: { type: "number" } }),
    ).toEqual({ type: "object", properties: {}, additionalProperties: { type: "number" } });
  });

  it("refuses what a grammar cannot express, naming the tool and the place", () => {
    const tool = {
      name: "odd",
      description: "",
      inputSchema: { type: "object", properties: { a: { allOf: [] } } },
    };
    expect(() => toChatFunctions([tool])).toThrow(InvalidInputError);
    expect(() => toChatFunctions([tool])).toThrow(/tool 'odd'.*input\.a.*'allOf'/);
    expect(() => toFunctionParams({ $ref: "#/$defs/x" })).toThrow(/'\$ref'/);
  });
});

describe("toToolInput", () => {
  it("drops the nulls that stand for absent optional properties, keeps real nulls", () => {
    const params = { city: "Lyon", days: null, unit: "c", tags: [], when: null };
    expect(toToolInput(weatherSchema, params)).toEqual({ city: "Lyon", unit: "c", tags: [], when: null });
    expect(toToolInput(weatherSchema, { ...params, days: 3 })).toMatchObject({ days: 3 });
  });

  it("descends into arrays and nested objects", () => {
    const schema = {
      type: "object",
      properties: {
        items: { type: "array", items: { type: "object", properties: { n: { type: "string" } } } },
      },
      required: ["items"],
    };
    expect(toToolInput(schema, { items: [{ n: null }, { n: "a" }] })).toEqual({ items: [{}, { n: "a" }] });
  });
});
