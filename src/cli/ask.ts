/** `cogcore ask QUESTION`: the main job. */
import type { CommandModule } from "yargs";
import { parseBudget } from "../config.ts";
import { InvalidInputError, ModelNotInstalledError } from "../errors.ts";
import { type GlobalOptions, loadContext } from "./context.ts";

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
  handler: (args) => {
    if (!args.question.trim())
      throw new InvalidInputError("the question is empty", { expected: "a question in quotes" });
    if (args.budget !== undefined) parseBudget(args.budget);
    const context = loadContext(args);
    const model = args.model ?? context.config.defaultModel;
    throw new ModelNotInstalledError(
      `no model is installed yet: '${model}' cannot answer until a core model ships in models/core`,
      {
        expected: "a trained core model in models/core, or a named model in cogcore.config.json",
      },
    );
  },
};
