/**
 * The tools registry as the agent's ToolExecutor: definitions as JSON Schema, calls through
 * `observe`, so a typed tool failure (bad input, a limit, a sandbox refusal) becomes an observation
 * the model reads, while an abort still stops the run.
 */
import type { JSONSchema } from "../providers/spec.ts";
import type { ToolRegistry } from "../tools/registry.ts";
import type { ToolExecutor } from "./types.ts";

export function registryExecutor(registry: ToolRegistry): ToolExecutor {
  return {
    definitions: () =>
      registry.definitions().map((definition) => ({
        name: definition.name,
        description: definition.description,
        inputSchema: definition.inputSchema as JSONSchema,
      })),
    execute: (call, { signal }) => registry.observe(call.name, call.input, { signal }),
  };
}
