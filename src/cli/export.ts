/**
 * `cogcore export gguf CHECKPOINT OUT.gguf [--type f32|f16]`: writes a checkpoint as a llama.cpp GGUF file
 * (architecture llama, dense or MoE, gpt2 tokenizer with the qwen2 pre-tokenizer) that llama.cpp
 * loads, then reads it back and validates it.
 */
import { statSync } from "node:fs";
import type { CommandModule } from "yargs";
import { loadCheckpoint } from "../model/checkpoint.ts";
import { parameterCounts } from "../model/config.ts";
import { exportGguf, importGguf } from "../model/gguf-llama.ts";
import { readProcedureWords } from "../providers/procedure-words.ts";
import type { GlobalOptions } from "./context.ts";
import { printJson, printLine } from "./output.ts";

interface ExportArgs extends GlobalOptions {
  format: string;
  checkpoint: string;
  out: string;
  type: string;
  name?: string;
  json?: boolean;
}

export const exportCommand: CommandModule<GlobalOptions, ExportArgs> = {
  command: "export <format> <checkpoint> <out>",
  describe: "Export a checkpoint directory as a GGUF file for llama.cpp",
  builder: (yargs) =>
    yargs
      .positional("format", {
        type: "string",
        choices: ["gguf"],
        demandOption: true,
        describe: "Output format",
      })
      .positional("checkpoint", { type: "string", demandOption: true, describe: "Checkpoint directory" })
      .positional("out", { type: "string", demandOption: true, describe: "Output file, e.g. model.gguf" })
      .option("type", {
        type: "string",
        choices: ["f32", "f16"],
        default: "f32",
        describe: "Weight type: f32 (exact) or f16 (half the size)",
      })
      .option("name", { type: "string", describe: "Model name stored in the file (default: cogcore)" })
      .option("json", { type: "boolean", describe: "Print one JSON object" }),
  handler: (args) => {
    const checkpoint = loadCheckpoint(args.checkpoint, { trainingState: false });
    const type = args.type === "f16" ? "F16" : "F32";
    const procedureWords = readProcedureWords(args.checkpoint);
    exportGguf(args.out, checkpoint, { type, name: args.name, procedureWords });
    importGguf(args.out); // read back: checksum, metadata, tensors and tokenizer all validate
    const { config } = checkpoint;
    const summary = {
      path: args.out,
      bytes: statSync(args.out).size,
      type,
      architecture: "llama",
      experts: config.nExperts,
      layers: config.nLayers,
      vocabSize: config.vocabSize,
      parameters: parameterCounts(config),
    };
    if (args.json) printJson(summary);
    else {
      const kind = config.nExperts > 0 ? `MoE ${config.nExperts}×${config.nExpertsUsed}` : "dense";
      const size = (summary.bytes / 1e6).toFixed(1);
      printLine(
        `wrote ${args.out}: ${size} MB, ${type}, ${kind}, ${config.nLayers} layers, vocab ${config.vocabSize}`,
      );
    }
  },
};
