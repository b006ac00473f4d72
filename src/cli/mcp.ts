/**
 * `cogcore mcp [--kb NAME] [--tools search,calc,ask]`: an MCP server on stdin/stdout exposing cogcore's
 * tools (by default `search` over the default knowledge base, `calc`, and `ask`: the whole agent with
 * the default model, a cited answer or an abstention). stdout carries the protocol only;
 * logs and progress go to stderr. It runs until the client closes the connection.
 */
import type { CommandModule } from "yargs";
import { InvalidInputError } from "../errors.ts";
import { type GlobalOptions, loadContext } from "./context.ts";
import { toolRegistryForCommand } from "./tool.ts";

interface McpArgs extends GlobalOptions {
  kb?: string;
  tools?: string;
}

const DEFAULT_TOOLS = ["search", "calc", "ask"];

export const mcpCommand: CommandModule<GlobalOptions, McpArgs> = {
  command: "mcp",
  describe: "Serve cogcore's tools (search, calc, ask) to MCP clients over stdio",
  builder: (yargs) =>
    yargs
      .option("kb", { type: "string", describe: "Knowledge base behind search (default: world)" })
      .option("tools", {
        type: "string",
        describe: "Comma-separated tools to expose (default: search,calc,ask)",
      }),
  handler: async (args) => {
    const names = args.tools ? args.tools.split(",").map((name) => name.trim()) : DEFAULT_TOOLS;
    const context = loadContext(args);
    const only = names.filter((name) => name !== "ask");
    const registry = await toolRegistryForCommand(context, { only, kb: args.kb, quiet: true });
    if (names.includes("ask")) {
      // ask's agent searches the knowledge base itself and computes with a calc of its own.
      const { createAskTool } = await import("../agent/ask-tool.ts");
      const { openKnowledgeBase } = await import("../knowledge/open.ts");
      const { resolveModel } = await import("../providers/registry.ts");
      const agentTools = await toolRegistryForCommand(context, { only: ["calc"], quiet: true });
      registry.register(
        createAskTool({
          model: () => resolveModel(context.config.defaultModel, context.config, { tools: agentTools }),
          knowledge: () =>
            openKnowledgeBase(args.kb ?? context.config.defaultKb, { ...context, quiet: true }),
          tools: agentTools,
          budget: context.config.budget,
        }),
      );
    }
    const missing = names.filter((name) => !registry.has(name));
    if (missing.length > 0) {
      await registry.close();
      throw new InvalidInputError(`--tools names unknown tools: ${missing.join(", ")}`, {
        expected: "names among calc, python, js, search and the configured MCP servers' tools",
      });
    }
    const { StdioServerTransport } = await import("@modelcontextprotocol/sdk/server/stdio.js");
    const { createMcpServer } = await import("../tools/mcp/mcp-server.ts");
    const server = createMcpServer(registry, { tools: names });
    const transport = new StdioServerTransport();
    const closed = new Promise<void>((resolve) => {
      server.onclose = resolve;
      process.stdin.once("end", resolve);
    });
    await server.connect(transport);
    await closed;
    await server.close();
    await registry.close();
  },
};
