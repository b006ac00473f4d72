/**
 * cogcore's tools as an MCP server: any MCP client (Claude Desktop, an IDE, another agent) can call
 * cogcore's `search` and `calc`. The server lists the registry's definitions and answers `tools/call`
 * through `registry.observe`, so a typed failure reaches the client as a tool result with `isError`.
 *
 *   const server = createMcpServer(registry, { tools: ["search", "calc"] });
 *   await server.connect(new StdioServerTransport());
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { packageRoot } from "../../paths.ts";
import type { ToolRegistry } from "../registry.ts";

export interface McpServerOptions {
  /** Names of the registry's tools to expose. Default: all of them. */
  tools?: string[];
  /** Server name reported to clients. Default: "cogcore". */
  name?: string;
}

let version: string | undefined;

/** cogcore's version, reported to MCP peers. */
export function packageVersion(): string {
  version ??= JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")).version as string;
  return version;
}

export function createMcpServer(registry: ToolRegistry, options: McpServerOptions = {}): Server {
  const exposed = new Set(options.tools ?? registry.list().map((tool) => tool.name));
  const server = new Server(
    { name: options.name ?? "cogcore", version: packageVersion() },
    { capabilities: { tools: {} } },
  );
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: registry
      .definitions()
      .filter((definition) => exposed.has(definition.name))
      .map((definition) => ({
        name: definition.name,
        description: definition.description,
        inputSchema: definition.inputSchema as { type: "object"; [key: string]: unknown },
      })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const name = request.params.name;
    if (!exposed.has(name)) {
      return {
        content: [{ type: "text" as const, text: `error (not_found): no tool named '${name}'` }],
        isError: true,
      };
    }
    const result = await registry.observe(name, request.params.arguments ?? {}, { signal: extra.signal });
    const structured = isPlainObject(result.data) ? { structuredContent: result.data } : {};
    return {
      content: [{ type: "text" as const, text: result.content }],
      isError: result.isError,
      ...structured,
    };
  });
  return server;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
