/**
 * The standard tool set: calc, python, js, search (when a knowledge store is given) and the allowed tools
 * of configured MCP servers, in one registry. `registry.close()` stops sandboxes and MCP connections.
 */
import { join } from "node:path";
import type { McpServerConfig } from "../config.ts";
import { type CalcOptions, createCalcTool } from "./calc/calc-tool.ts";
import { createJsTool, type JsToolOptions } from "./js/js-tool.ts";
import { connectMcpServer } from "./mcp/mcp-client.ts";
import { createPythonTool, type PythonToolOptions } from "./python/python-tool.ts";
import { ToolRegistry } from "./registry.ts";
import { createSearchTool, type SearchToolOptions } from "./search-tool.ts";

/** Names of the tools cogcore provides itself. */
export const BUILTIN_TOOL_NAMES = ["calc", "python", "js", "search"] as const;

export interface ToolSetOptions {
  /** The knowledge store behind `search` (or a function opening it on first use). Default: no search tool. */
  knowledge?: SearchToolOptions["store"];
  /** Options of calc. Default: 20 significant digits, a 10 000-digit budget. */
  calc?: CalcOptions;
  /** Options of python, or false to leave it out. Default: one warm process, 10 s, 256 MiB. */
  python?: PythonToolOptions | false;
  /** Options of js, or false to leave it out. Default: 2 s, 64 MiB. */
  js?: JsToolOptions | false;
  /** MCP servers whose allowed tools are imported, by name. Default: none. */
  mcpServers?: Record<string, McpServerConfig>;
  /** Only these tools (builtin or imported names); MCP servers are contacted only when needed. Default: all. */
  only?: string[];
}

export async function createToolRegistry(options: ToolSetOptions = {}): Promise<ToolRegistry> {
  const wanted = (name: string) => !options.only || options.only.includes(name);
  const registry = new ToolRegistry();
  if (wanted("calc")) registry.register(createCalcTool(options.calc));
  if (options.python !== false && wanted("python")) registry.register(createPythonTool(options.python));
  if (options.js !== false && wanted("js")) registry.register(createJsTool(options.js));
  if (options.knowledge && wanted("search"))
    registry.register(createSearchTool({ store: options.knowledge }));
  const needsMcp =
    !options.only || options.only.some((name) => !(BUILTIN_TOOL_NAMES as readonly string[]).includes(name));
  if (!needsMcp) return registry;
  try {
    for (const [name, config] of Object.entries(options.mcpServers ?? {})) {
      const connection = await connectMcpServer(name, config);
      const tools = connection.tools.filter((tool) => wanted(tool.name));
      for (const tool of tools) registry.register(tool);
      if (tools.length === 0) await connection.close();
    }
  } catch (error) {
    await registry.close();
    throw error;
  }
  return registry;
}

/** Where the python tool keeps its startup snapshot, under cogcore's cache directory. */
export function pythonSnapshotDir(cacheDir: string): string {
  return join(cacheDir, "pyodide");
}
