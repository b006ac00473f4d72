/** `cogcore ask QUESTION`: the main job — a cited answer, or an abstention that says why. */
import type { CommandModule } from "yargs";
import type { AgentResult } from "../agent/types.ts";
import { parseBudget } from "../config.ts";
import { agentOptionsFor } from "../curriculum/solve.ts";
import { InvalidInputError } from "../errors.ts";
import type { KnowledgeStore } from "../knowledge/types.ts";
import { type GlobalOptions, loadContext } from "./context.ts";
import { printJson, printLine } from "./output.ts";

/**
 * The agent, providers, tools and knowledge are loaded when a question is asked, not when the CLI
 * starts: every other command stays quick to start.
 */
async function loadAskModules() {
  const [agent, render, executor, knowledge, providers, tools] = await Promise.all([
    import("../agent/run-agent.ts"),
    import("../agent/render.ts"),
    import("../agent/registry-executor.ts"),
    import("../knowledge/open.ts"),
    import("../providers/registry.ts"),
    import("../tools/default-tools.ts"),
  ]);
  return { ...agent, ...render, ...executor, ...knowledge, ...providers, ...tools };
}

interface AskArgs extends GlobalOptions {
  question: string;
  model?: string;
  budget?: string;
  kb?: string;
  json?: boolean;
  trace?: boolean;
}

export const askCommand: CommandModule<GlobalOptions, AskArgs> = {
  command: "ask <question>",
  describe: "Answer a question with a cited answer, or abstain",
  builder: (yargs) =>
    yargs
      .positional("question", { type: "string", demandOption: true, describe: "The question, in quotes" })
      .option("model", { type: "string", describe: "Named model from the config (default: core)" })
      .option("budget", {
        type: "string",
        describe: "Thinking budget: tokens, 'auto' or 'off' (default: auto)",
      })
      .option("kb", { type: "string", describe: "Knowledge base name or path (default: world)" })
      .option("json", { type: "boolean", describe: "Print one JSON object" })
      .option("trace", { type: "boolean", describe: "Show every step live on stderr" }),
  handler: async (args) => {
    if (!args.question.trim())
      throw new InvalidInputError("the question is empty", { expected: "a question in quotes" });
    const budget = args.budget !== undefined ? parseBudget(args.budget) : undefined;
    const context = loadContext(args);
    const {
      createToolRegistry,
      createTraceRenderer,
      openKnowledgeBase,
      registryExecutor,
      resolveModel,
      runAgent,
    } = await loadAskModules();
    // Sandboxes start on first use: a question that needs no code starts none. The registry's search
    // gives the core its compact syntax; the agent runs searches itself, numbering hits for citation.
    let knowledgeBase: KnowledgeStore | undefined;
    const tools = await createToolRegistry({
      knowledge: async () => knowledgeBase!,
      mcpServers: context.config.mcpServers,
    });
    // The model before the knowledge base: a missing model fails at once, before any base is built.
    let resolved: ReturnType<typeof resolveModel>;
    try {
      resolved = resolveModel(args.model ?? context.config.defaultModel, context.config, { tools });
    } catch (error) {
      await tools.close();
      throw error;
    }
    const { entry, model } = resolved;
    let knowledge: Awaited<ReturnType<typeof openKnowledgeBase>>;
    try {
      knowledge = await openKnowledgeBase(args.kb ?? context.config.defaultKb, {
        config: context.config,
        paths: context.paths,
      });
    } catch (error) {
      await Promise.all([tools.close(), model.close?.()]);
      throw error;
    }
    knowledgeBase = knowledge;
    const controller = new AbortController();
    const onInterrupt = () => controller.abort();
    process.once("SIGINT", onInterrupt);
    let result: AgentResult;
    try {
      result = await runAgent({
        model,
        question: args.question,
        knowledge,
        tools: registryExecutor(tools),
        budget: budget ?? context.config.budget,
        maxOutputTokens: entry.maxOutputTokens,
        // A core model is trained on searches of CORE_SEARCH_K focused hits (src/curriculum/solve.ts).
        ...agentOptionsFor(entry),
        onEvent: args.trace ? createTraceRenderer() : undefined,
        abortSignal: controller.signal,
      });
    } finally {
      process.off("SIGINT", onInterrupt);
      await Promise.all([knowledge.close(), tools.close(), model.close?.()]);
    }
    if (args.json) printJson(toJson(result));
    else printAnswer(result);
  },
};

/** The `--json` object of the contract (docs/agent.md). */
export function toJson(result: AgentResult) {
  return {
    answer: result.answer,
    abstained: result.abstained,
    ...(result.abstention ? { abstention: result.abstention } : {}),
    citations: result.citations.map(({ n, id, source, text }) => ({ id, source, text, n })),
    model: result.model,
    usage: result.usage,
    budget: result.budget,
    steps: result.steps,
    ...(result.warnings.length > 0 ? { warnings: result.warnings } : {}),
    ...(result.selfCheck ? { selfCheck: result.selfCheck } : {}),
    durationMs: Math.round(result.durationMs),
  };
}

function printAnswer(result: AgentResult): void {
  printLine(result.answer);
  if (result.citations.length === 0) return;
  printLine();
  for (const citation of result.citations) printLine(`[${citation.n}] ${citation.source}: ${citation.text}`);
}
