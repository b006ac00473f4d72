/**
 * Imports the tools of an MCP server (stdio or Streamable HTTP) into a ToolRegistry, through the
 * official SDK. Only the tools named in the server's allow-list are imported, each as
 * `<prefix>_<tool>`; a call runs `tools/call` on the server and returns its text content.
 *
 *   const connection = await connectMcpServer("files", { transport: "stdio", command: "mcp-files", allow: ["read"] });
 *   connection.tools.forEach((tool) => registry.register(tool));   // files_read
 *   await connection.close();
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { z } from "zod";
import type { McpServerConfig } from "../../config.ts";
import { AbortedError, CogcoreError, ConfigError, LimitExceededError, NotFoundError } from "../../errors.ts";
import type { ToolRegistry } from "../registry.ts";
import { type AnyTool, defineTool } from "../tool.ts";
import { packageVersion } from "./mcp-server.ts";

/** The MCP server could not be reached or answered with a protocol error. */
export class McpError extends CogcoreError {
  override readonly code = "mcp_error";
  override readonly isRetryable = true;
}

export interface McpConnection {
  /** The server's name in the config. */
  name: string;
  /** The imported tools, ready to register. */
  tools: AnyTool[];
  /** Names of tools the server offers that the allow-list left out. */
  skipped: string[];
  close(): Promise<void>;
}

interface RemoteTool {
  name: string;
  description?: string;
  inputSchema: Record<string, unknown>;
}

/** Connects to a server, lists its tools and wraps the allowed ones. */
export async function connectMcpServer(name: string, config: McpServerConfig): Promise<McpConnection> {
  const client = new Client({ name: "cogcore", version: packageVersion() });
  try {
    await client.connect(createTransport(config));
  } catch (cause) {
    throw new McpError(`cannot connect to MCP server '${name}': ${(cause as Error).message}`, {
      cause,
      expected:
        config.transport === "stdio"
          ? "a command that starts an MCP stdio server"
          : "a reachable MCP endpoint",
    });
  }
  const remote = await listAllTools(client, name);
  const allowAll = config.allow.includes("*");
  const missing = config.allow.filter(
    (tool) => tool !== "*" && !remote.some((candidate) => candidate.name === tool),
  );
  if (missing.length > 0) {
    await client.close();
    throw new ConfigError(
      `mcpServers.${name}.allow names tools the server does not have: ${missing.join(", ")}`,
      {
        expected: `names among: ${remote.map((tool) => tool.name).join(", ")}`,
      },
    );
  }
  const allowed = remote.filter((tool) => allowAll || config.allow.includes(tool.name));
  const prefix = config.prefix ?? name.replace(/[^A-Za-z0-9_]/g, "_");
  const timeoutMs = config.timeoutMs ?? 30_000;
  let closed: Promise<void> | null = null;
  const close = () => {
    closed ??= client.close();
    return closed;
  };
  return {
    name,
    tools: allowed.map((tool) => wrapTool(client, tool, { prefix, timeoutMs, close })),
    skipped: remote.filter((tool) => !allowed.includes(tool)).map((tool) => tool.name),
    close,
  };
}

/** Connects to a configured server and registers its allowed tools; returns the connection to close. */
export async function importMcpServer(
  registry: ToolRegistry,
  name: string,
  config: McpServerConfig,
): Promise<McpConnection> {
  const connection = await connectMcpServer(name, config);
  for (const tool of connection.tools) registry.register(tool);
  return connection;
}

function createTransport(config: McpServerConfig): Transport {
  if (config.transport === "stdio") {
    return new StdioClientTransport({
      command: config.command,
      args: config.args,
      env: { ...getDefaultEnvironment(), ...config.env },
      cwd: config.cwd,
      stderr: "pipe",
    });
  }
  const headers: Record<string, string> = {};
  if (config.bearerTokenEnv) {
    const token = process.env[config.bearerTokenEnv];
    if (!token) {
      throw new ConfigError(`$${config.bearerTokenEnv} is not set`, {
        expected: "the environment variable named by bearerTokenEnv to hold the token",
      });
    }
    headers.Authorization = `Bearer ${token}`;
  }
  return new StreamableHTTPClientTransport(new URL(config.url), { requestInit: { headers } });
}

async function listAllTools(client: Client, name: string): Promise<RemoteTool[]> {
  const tools: RemoteTool[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor ? { cursor } : undefined).catch((cause: Error) => {
      throw new McpError(`MCP server '${name}' did not list its tools: ${cause.message}`, { cause });
    });
    tools.push(...(page.tools as RemoteTool[]));
    cursor = page.nextCursor;
  } while (cursor);
  return tools;
}

function wrapTool(
  client: Client,
  remote: RemoteTool,
  options: { prefix: string; timeoutMs: number; close: () => Promise<void> },
): AnyTool {
  const name = `${options.prefix}_${remote.name}`.replace(/[^A-Za-z0-9_]/g, "_").slice(0, 64);
  return defineTool<Record<string, unknown>>({
    name,
    description: remote.description ?? `The '${remote.name}' tool of an MCP server.`,
    inputSchema: schemaFromJson(remote.inputSchema),
    jsonSchema: remote.inputSchema,
    async execute(input, { signal }) {
      if (signal?.aborted) throw new AbortedError(`${name} was aborted before it started`);
      const result = await client
        .callTool({ name: remote.name, arguments: input }, undefined, { signal, timeout: options.timeoutMs })
        .catch((cause: Error & { code?: number }) => {
          throw callError(name, cause, options.timeoutMs, signal);
        });
      const blocks = (result.content ?? []) as Array<{ type: string; text?: string }>;
      const text = blocks
        .map((block) => (block.type === "text" ? (block.text ?? "") : `[${block.type}]`))
        .join("\n");
      return {
        content: text || "(no content)",
        isError: Boolean(result.isError),
        data: { content: blocks, structuredContent: result.structuredContent },
      };
    },
    close: options.close,
  });
}

function callError(name: string, cause: Error & { code?: number }, timeoutMs: number, signal?: AbortSignal) {
  if (signal?.aborted) return new AbortedError(`${name} was aborted`, { cause });
  if (/timed out|timeout/i.test(cause.message)) {
    return new LimitExceededError("time", `${name} did not answer within ${timeoutMs} ms`, { cause });
  }
  if (/not found|unknown tool/i.test(cause.message))
    return new NotFoundError(`${name}: ${cause.message}`, { cause });
  return new McpError(`${name} failed: ${cause.message}`, { cause });
}

/** A zod validator for a server's JSON Schema; a schema zod cannot read is passed through unvalidated. */
function schemaFromJson(schema: Record<string, unknown>): z.ZodType<Record<string, unknown>> {
  try {
    return z.fromJSONSchema(schema) as z.ZodType<Record<string, unknown>>;
  } catch {
    return z.record(z.string(), z.unknown());
  }
}
