/**
 * Tool input schemas (JSON Schema, as the tools declare them) as node-llama-cpp function parameters
 * (its GBNF JSON-schema subset), and function-call parameters back to tool inputs.
 *
 * The grammar node-llama-cpp builds from a schema makes every listed property required, so an optional
 * property (absent from `required`) becomes "its schema or null" here and `toToolInput` drops the nulls
 * again. Objects with listed properties take no others unless the schema gives `additionalProperties`
 * (JSON Schema allows them by default; a small model is better held to the listed ones). What GBNF cannot
 * express (numeric ranges, `pattern`, string formats other than date/time) is left to the tool's own
 * validation, which reports a bad input to the model. References and `allOf`/`not`/`if` are refused.
 */
import type { GbnfJsonSchema } from "node-llama-cpp";
import { InvalidInputError } from "../../errors.ts";
import type { JSONSchema, ToolDefinition } from "../spec.ts";

type Schema = JSONSchema | boolean;
type Mutable = Record<string, unknown>;

const BASIC_TYPES = ["string", "number", "integer", "boolean", "null"] as const;
const UNSUPPORTED = ["$ref", "allOf", "not", "if", "then", "else", "patternProperties", "dependentSchemas"];
const ANY_VALUE: GbnfJsonSchema = {
  oneOf: [{ type: [...BASIC_TYPES] }, { type: "object", additionalProperties: true }, { type: "array" }],
};

/** node-llama-cpp's `functions` option for a list of tools. */
export function toChatFunctions(
  tools: ToolDefinition[],
): Record<string, { description: string; params: GbnfJsonSchema }> {
  const functions: Record<string, { description: string; params: GbnfJsonSchema }> = {};
  for (const tool of tools) {
    try {
      functions[tool.name] = { description: tool.description, params: toFunctionParams(tool.inputSchema) };
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      throw new InvalidInputError(`tool '${tool.name}': ${error.message}`, { expected: error.expected });
    }
  }
  return functions;
}

/** One tool's input schema as a GBNF JSON schema. */
export function toFunctionParams(schema: Schema, path = "input"): GbnfJsonSchema {
  if (schema === true || (typeof schema === "object" && Object.keys(withoutAnnotations(schema)).length === 0))
    return ANY_VALUE;
  if (schema === false) throw unsupported(path, "false (no value allowed)");
  for (const keyword of UNSUPPORTED) if (keyword in schema) throw unsupported(path, `'${keyword}'`);
  const description = typeof schema.description === "string" ? { description: schema.description } : {};
  if ("const" in schema) return { const: schema.const as string, ...description };
  if (Array.isArray(schema.enum)) return { enum: schema.enum as string[], ...description };
  const alternatives = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (Array.isArray(alternatives))
    return {
      oneOf: alternatives.map((item, index) => toFunctionParams(item, `${path}|${index}`)),
      ...description,
    };
  const types = typeof schema.type === "string" ? [schema.type] : (schema.type as string[] | undefined);
  if (!types) return schema.properties ? objectParams(schema, path, description) : ANY_VALUE;
  const mapped = types.map((type) => typedParams(type, schema, path, description));
  return mapped.length === 1 ? mapped[0] : { oneOf: mapped, ...description };
}

function typedParams(type: string, schema: JSONSchema, path: string, description: object): GbnfJsonSchema {
  switch (type) {
    case "object":
      return objectParams(schema, path, description);
    case "array": {
      const result: Mutable = { type: "array", ...description };
      if (schema.items !== undefined) result.items = toFunctionParams(schema.items as Schema, `${path}[]`);
      if (Array.isArray(schema.prefixItems))
        result.prefixItems = schema.prefixItems.map((item, index) =>
          toFunctionParams(item, `${path}[${index}]`),
        );
      copyCounts(schema, result, ["minItems", "maxItems"]);
      return result as GbnfJsonSchema;
    }
    case "string": {
      if (schema.format === "date-time" || schema.format === "date" || schema.format === "time")
        return { type: "string", format: schema.format, ...description };
      const result: Mutable = { type: "string", ...description };
      copyCounts(schema, result, ["minLength", "maxLength"]);
      return result as GbnfJsonSchema;
    }
    case "number":
    case "integer":
    case "boolean":
    case "null":
      return { type, ...description };
    default:
      throw unsupported(path, `type '${type}'`);
  }
}

function objectParams(schema: JSONSchema, path: string, description: object): GbnfJsonSchema {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const mapped: Record<string, GbnfJsonSchema> = {};
  for (const [name, property] of Object.entries(properties)) {
    const params = toFunctionParams(property, `${path}.${name}`);
    mapped[name] =
      required.has(name) || acceptsNull(property) ? params : { oneOf: [params, { type: "null" }] };
  }
  const result: Mutable = { type: "object", properties: mapped, ...description };
  const additional = schema.additionalProperties as Schema | undefined;
  if (additional === true || (additional === undefined && Object.keys(properties).length === 0))
    result.additionalProperties = true;
  else if (typeof additional === "object")
    result.additionalProperties = toFunctionParams(additional, `${path}.*`);
  copyCounts(schema, result, ["minProperties", "maxProperties"]);
  return result as GbnfJsonSchema;
}

/** Function-call parameters back to the tool's input: nulls standing for absent optional properties go. */
export function toToolInput(schema: Schema, value: unknown): unknown {
  if (typeof schema !== "object" || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    const items = schema.items as Schema | undefined;
    return items === undefined ? value : value.map((item) => toToolInput(items, item));
  }
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const input: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(value)) {
    const property = properties[name];
    if (property === undefined) input[name] = item;
    else if (!(item === null && !required.has(name) && !acceptsNull(property)))
      input[name] = toToolInput(property, item);
  }
  return input;
}

function acceptsNull(schema: Schema): boolean {
  if (typeof schema === "boolean") return schema;
  if (schema.type === "null" || (Array.isArray(schema.type) && schema.type.includes("null"))) return true;
  if ("const" in schema) return schema.const === null;
  if (Array.isArray(schema.enum)) return schema.enum.includes(null);
  const alternatives = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  return Array.isArray(alternatives) ? alternatives.some(acceptsNull) : schema.type === undefined;
}

function withoutAnnotations(schema: JSONSchema): JSONSchema {
  const { $schema, $id, title, description, examples, default: fallback, ...rest } = schema;
  return rest;
}

function copyCounts(from: JSONSchema, to: Mutable, keys: string[]): void {
  for (const key of keys) if (typeof from[key] === "number") to[key] = from[key];
}

function unsupported(path: string, what: string): InvalidInputError {
  return new InvalidInputError(`the input schema at ${path} uses ${what}, which a grammar cannot express`, {
    expected:
      "JSON Schema built from type, properties, required, additionalProperties, items, prefixItems, enum, const, anyOf, oneOf",
  });
}
