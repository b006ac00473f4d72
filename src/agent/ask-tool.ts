/**
 * `ask` as a tool: the whole agent (a model, the knowledge base, the tools) behind one call, so that an
 * MCP client can put a question to cogcore and get a cited answer or an abstention.
 *
 *   registry.register(createAskTool({ model: () => resolveModel("core", config, { tools: registry }), … }));
 */
import { z } from "zod";
import { agentOptionsFor } from "../curriculum/solve.ts";
import type { KnowledgeStore } from "../knowledge/types.ts";
import type { ResolvedModel } from "../providers/registry.ts";
import type { ToolRegistry } from "../tools/registry.ts";
import { defineTool, type Tool } from "../tools/tool.ts";
import { registryExecutor } from "./registry-executor.ts";
import { runAgent } from "./run-agent.ts";

export interface AskToolOptions {
  /** The model that answers, resolved on the first question. */
  model: () => ResolvedModel;
  /** The knowledge base searched, opened on the first question. */
  knowledge: () => Promise<KnowledgeStore>;
  /** The tools the agent may call (not the ask tool itself); closed with the ask tool. */
  tools: ToolRegistry;
  /** Thinking budget. Default "auto". */
  budget?: number | "auto" | "off";
}

export const AskInputSchema = z.object({
  question: z.string().trim().min(1).max(2000).describe("The question, in plain words"),
});

export interface AskData {
  answer: string;
  abstained: boolean;
  citations: Array<{ n: number; id: string; source: string; text: string }>;
  model: string;
}

export function createAskTool(options: AskToolOptions): Tool<z.infer<typeof AskInputSchema>, AskData> {
  let resolved: ResolvedModel | undefined;
  let store: Promise<KnowledgeStore> | undefined;
  return defineTool({
    name: "ask",
    description:
      "Answers a question from cogcore's knowledge base with its own model: searches, computes exactly, " +
      "and cites the passages used as [n], or says it does not know.",
    inputSchema: AskInputSchema,
    async execute(input, { signal }) {
      resolved ??= options.model();
      store ??= options.knowledge();
      const { entry, model } = resolved;
      const result = await runAgent({
        model,
        question: input.question,
        knowledge: await store,
        tools: registryExecutor(options.tools),
        budget: options.budget ?? "auto",
        maxOutputTokens: entry.maxOutputTokens,
        ...agentOptionsFor(entry),
        abortSignal: signal,
      });
      const citations = result.citations.map(({ n, id, source, text }) => ({ n, id, source, text }));
      const sources = citations.map((citation) => `[${citation.n}] ${citation.source}: ${citation.text}`);
      return {
        content: [result.answer, ...(sources.length > 0 ? ["", ...sources] : [])].join("\n"),
        isError: false,
        data: { answer: result.answer, abstained: result.abstained, citations, model: result.model },
      };
    },
    async close() {
      await Promise.all([
        resolved?.model.close?.(),
        store?.then((opened) => opened.close()),
        options.tools.close(),
      ]);
    },
  });
}
