/**
 * The shipped core (models/core) on the real world KB: the README's main job end to end, and its GGUF
 * export in real llama.cpp giving the same greedy runs (calls and answers) as our engine on 20 WorldQA
 * test questions.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCogcore } from "../../test/helpers/cli.ts";
import { registryExecutor } from "../agent/registry-executor.ts";
import { runAgent } from "../agent/run-agent.ts";
import { parseConfig } from "../config.ts";
import { CORE_SEARCH } from "../curriculum/solve.ts";
import { generateWorldQA } from "../eval/worldqa/generate.ts";
import { type KnowledgeBase, openKnowledgeBase } from "../knowledge/open.ts";
import { loadCheckpoint } from "../model/checkpoint.ts";
import { exportGguf } from "../model/gguf-llama.ts";
import { CoreModel } from "../model/model.ts";
import { resolvePaths } from "../paths.ts";
import { createCalcTool } from "../tools/calc/calc-tool.ts";
import { ToolRegistry } from "../tools/registry.ts";
import { createCoreModel } from "./core.ts";
import { readProcedureWords } from "./grounding.ts";
import { createLlamaCppModel, type LlamaCppModel } from "./llamacpp.ts";
import { SHIPPED_CORE_DIR } from "./registry.ts";
import type { LanguageModel } from "./spec.ts";

const dataDir = mkdtempSync(join(tmpdir(), "cogcore-shipped-"));
const config = parseConfig({ dataDir });
let world: KnowledgeBase;

beforeAll(async () => {
  world = await openKnowledgeBase("world", { config, paths: resolvePaths(config), quiet: true });
}, 180_000);
afterAll(async () => {
  await world?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("the shipped core", () => {
  it("answers the README's question from a fresh data directory: search, calc, citations", () => {
    const result = runCogcore(["ask", "How many more people live in Lyon than in Nice?", "--json"], {
      env: { COGCORE_DATA_DIR: dataDir },
    });
    expect(result.status, result.stderr).toBe(0);
    const answer = JSON.parse(result.stdout);
    expect(answer.abstained).toBe(false);
    // GeoNames: Lyon 472317, Nice 342669.
    expect(answer.answer.replace(/[,\s]/g, "")).toContain("129648");
    const calls = answer.steps.flatMap((step: { toolCalls: { toolName: string }[] }) =>
      step.toolCalls.map((call) => call.toolName),
    );
    expect(calls).toEqual(["search", "search", "calc"]);
    expect(answer.citations.map((citation: { id: string }) => citation.id).sort()).toEqual([
      "city:2990440",
      "city:2996944",
    ]);
  }, 120_000);

  it("runs the same in llama.cpp from its GGUF export: 20 WorldQA questions, the same calls and answers", async () => {
    const checkpoint = loadCheckpoint(SHIPPED_CORE_DIR, { trainingState: false });
    const procedureWords = readProcedureWords(SHIPPED_CORE_DIR);
    expect(procedureWords).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), "cogcore-shipped-gguf-"));
    const modelPath = join(dir, "core.gguf");
    exportGguf(modelPath, checkpoint, { procedureWords });
    const tools = new ToolRegistry([createCalcTool()]);
    const engine = createCoreModel({
      model: new CoreModel(checkpoint.config, checkpoint.params),
      tokenizer: checkpoint.tokenizer,
      tools,
      procedureWords,
    });
    let llama: LlamaCppModel | undefined;
    try {
      llama = createLlamaCppModel({ modelPath, tools });
      const ask = async (model: LanguageModel, question: string) => {
        const result = await runAgent({
          model,
          question,
          knowledge: world,
          tools: registryExecutor(tools),
          ...CORE_SEARCH,
          budget: "auto",
        });
        return {
          calls: result.steps.flatMap((step) => step.toolCalls.map((call) => [call.toolName, call.input])),
          answer: result.answer,
        };
      };
      const questions = generateWorldQA({ seed: 11, split: "test", count: 20 });
      let answered = 0;
      for (const question of questions) {
        const ours = await ask(engine, question.question);
        expect(await ask(llama, question.question), question.question).toEqual(ours);
        if (ours.calls.length > 0) answered++;
      }
      expect(answered).toBeGreaterThan(15); // the runs did use the tools: there was something to compare
    } finally {
      await llama?.close();
      await tools.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
