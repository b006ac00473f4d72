/**
 * A tiny core model overfit on the conformance conversations, so that the `core` (and later
 * `llamacpp`) providers can be run through the shared cases with a model that really answers them.
 * Built in a few seconds in the test's setup: a tokenizer trained on the traces, then a 2-layer model
 * trained on the assistant's tokens only until it reproduces every trace greedily.
 */
import { z } from "zod";
import { sequenceBatches, type TrainingSequence } from "../../model/batches.ts";
import { trainTokenizer } from "../../model/bpe-train.ts";
import { resolveModelConfig } from "../../model/config.ts";
import { CoreModel } from "../../model/model.ts";
import type { Tokenizer } from "../../model/tokenizer.ts";
import { train } from "../../model/train.ts";
import { createCalcTool } from "../../tools/calc/calc-tool.ts";
import { ToolRegistry } from "../../tools/registry.ts";
import { defineTool } from "../../tools/tool.ts";
import { callLookup, renderCorePrompt } from "../core-format.ts";
import type { CallOptions } from "../spec.ts";
import { CASE_CALLS } from "./cases.ts";

/** `search(Lyon population)`: the compact form the core's chat format uses for searches. */
export const COMPACT_SEARCH_TOOL = defineTool({
  name: "search",
  description: "Searches the knowledge base and returns numbered passages.",
  inputSchema: z.object({ query: z.string().min(1) }),
  compact: { grammar: "text", toInput: (text) => ({ query: text }), fromInput: (input) => input.query },
  execute: async () => ({ content: "", isError: false }),
});

export function conformanceRegistry(): ToolRegistry {
  return new ToolRegistry([createCalcTool(), COMPACT_SEARCH_TOOL]);
}

const THOUGHT =
  "17 times 20 is 340 and 17 times 3 is 51 so the product is 340 plus 51 which is 391 and I check it: 391 divided by 17 is 23 ";

/** What the model learns to continue each conformance conversation with. */
export const CONFORMANCE_TRACES: { call: CallOptions; target: string }[] = [
  { call: CASE_CALLS.plain, target: "<|answer|>The capital of France is Paris.<|end|>" },
  { call: CASE_CALLS.tool, target: "<|call|>calc(472317 - 342669)<|/call|><|tool|>" },
  {
    call: CASE_CALLS.parallel,
    target: "<|call|>search(Lyon population)<|/call|><|call|>search(Nice population)<|/call|><|tool|>",
  },
  {
    call: CASE_CALLS.toolError,
    target: "<|answer|>Division by zero is undefined: the calculator reported an error.<|end|>",
  },
  { call: CASE_CALLS.budget, target: `<|think|>${THOUGHT}<|/think|><|answer|>17 * 23 = 391.<|end|>` },
];

export interface ConformanceCore {
  model: CoreModel;
  tokenizer: Tokenizer;
  registry: ToolRegistry;
  finalLoss: number;
}

/** Trains the tokenizer and the model; deterministic for a seed. */
export async function buildConformanceCore(seed = 1): Promise<ConformanceCore> {
  const registry = conformanceRegistry();
  const texts = CONFORMANCE_TRACES.map(({ call, target }) => ({
    prompt: renderCorePrompt(call.messages, callLookup(call.tools ?? [], registry)),
    target,
  }));
  const tokenizer = trainTokenizer(
    texts.flatMap(({ prompt, target }) => Array(4).fill(prompt + target)),
    { vocabSize: 400, progress: false },
  );
  const sequences: TrainingSequence[] = texts.map(({ prompt, target }) => {
    const promptIds = tokenizer.encode(prompt, { allowSpecial: true });
    const targetIds = tokenizer.encode(target, { allowSpecial: true });
    const tokens = [...promptIds, ...targetIds];
    return { tokens, weights: tokens.map((_, index) => (index >= promptIds.length ? 1 : 0)) };
  });
  const seqLen = Math.max(...sequences.map((sequence) => sequence.tokens.length)) - 1;
  const config = resolveModelConfig({
    dim: 64,
    nLayers: 2,
    nHeads: 4,
    nKvHeads: 2,
    ffnDim: 128,
    vocabSize: tokenizer.vocabSize,
    contextLength: 256,
  });
  const model = CoreModel.init(config, seed);
  const result = await train(model, {
    steps: 200,
    batches: sequenceBatches(sequences, { batchSize: sequences.length, seqLen, seed }),
    optimizer: { learningRate: 1e-2, warmupSteps: 20 },
    progressLabel: null,
  });
  return { model, tokenizer, registry, finalLoss: result.loss };
}
