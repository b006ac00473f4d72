/**
 * The shipped core model (models/core) on the real world KB: the README's main job end to end through
 * the CLI; its GGUF export in real llama.cpp answering 20 WorldQA questions exactly as our engine does
 * (same calls, same answers, greedy, grounded decoding from the GGUF's procedure words); and a floor on
 * its WorldQA score that the model card's figures clear.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registryExecutor } from "../src/agent/registry-executor.ts";
import { runAgent } from "../src/agent/run-agent.ts";
import { PRESETS } from "../src/curriculum/presets.ts";
import { CORE_SEARCH } from "../src/curriculum/solve.ts";
import { generateWorldQA } from "../src/eval/worldqa/generate.ts";
import { evaluateWorldQA, summarize } from "../src/eval/worldqa-eval.ts";
import { SqliteKnowledgeStore } from "../src/knowledge/sqlite-store.ts";
import { loadCheckpoint } from "../src/model/checkpoint.ts";
import { exportGguf } from "../src/model/gguf-llama.ts";
import { CoreModel } from "../src/model/model.ts";
import { createCoreModel } from "../src/providers/core.ts";
import { createLlamaCppModel } from "../src/providers/llamacpp.ts";
import { readProcedureWords } from "../src/providers/procedure-words.ts";
import { SHIPPED_CORE_DIR } from "../src/providers/registry.ts";
import type { LanguageModel } from "../src/providers/spec.ts";
import { createCalcTool } from "../src/tools/calc/calc-tool.ts";
import { ToolRegistry } from "../src/tools/registry.ts";
import { runCogcore } from "./helpers/cli.ts";
import { worldKnowledgeBaseForTests } from "./helpers/world-kb.ts";

let worldPath: string;
let store: SqliteKnowledgeStore;
/** A data directory whose world KB is the shared test build. */
let dataDir: string;

beforeAll(async () => {
  worldPath = await worldKnowledgeBaseForTests();
  store = new SqliteKnowledgeStore(worldPath, { readonly: true });
  dataDir = mkdtempSync(join(tmpdir(), "cogcore-core-data-"));
  mkdirSync(join(dataDir, "kb"), { recursive: true });
  symlinkSync(worldPath, join(dataDir, "kb", "world.sqlite"));
}, 180_000);
afterAll(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function shippedCore(tools: ToolRegistry) {
  const checkpoint = loadCheckpoint(SHIPPED_CORE_DIR, { trainingState: false });
  const procedureWords = readProcedureWords(SHIPPED_CORE_DIR);
  const model = createCoreModel({
    model: new CoreModel(checkpoint.config, checkpoint.params),
    tokenizer: checkpoint.tokenizer,
    tools,
    procedureWords,
  });
  return { checkpoint, procedureWords, model };
}

const population = async (id: string) => Number((await store.get(id))!.text.match(/Population: (\d+)/)![1]);

describe("the shipped core model", () => {
  it("is what `cogcore train --preset core` trains: its record matches the preset", () => {
    const { training } = loadCheckpoint(SHIPPED_CORE_DIR);
    const core = PRESETS.core;
    expect(training).toMatchObject({ preset: "core", kb: "world", seed: 1, complete: true });
    expect(training).toMatchObject({ steps: core.steps, traces: core.traces });
    expect(training?.wordingNoise ?? 0).toBe(core.wordingNoise ?? 0);
  });

  it("answers the README's question: two searches, calc, the difference, citing both cities", async () => {
    const result = runCogcore(["ask", "How many more people live in Lyon than in Nice?", "--json"], {
      env: { COGCORE_DATA_DIR: dataDir },
    });
    expect(result.status, result.stderr).toBe(0);
    const answer = JSON.parse(result.stdout);
    const difference = (await population("city:2996944")) - (await population("city:2990440"));
    expect(answer.abstained).toBe(false);
    expect(answer.answer.replace(/[,\s]/g, "")).toContain(String(difference));
    const calls = answer.steps.flatMap((step: { toolCalls: { toolName: string }[] }) =>
      step.toolCalls.map((call) => call.toolName),
    );
    expect(calls).toEqual(["search", "search", "calc"]);
    expect(answer.citations.map((citation: { id: string }) => citation.id).sort()).toEqual([
      "city:2990440",
      "city:2996944",
    ]);
  }, 120_000);

  it("gives the same greedy answers in llama.cpp (its GGUF export) as in our engine on 20 WorldQA questions", async () => {
    const tools = new ToolRegistry([createCalcTool()]);
    const { checkpoint, procedureWords, model: ours } = shippedCore(tools);
    expect(procedureWords?.call).toContain("population");
    const dir = mkdtempSync(join(tmpdir(), "cogcore-core-gguf-"));
    const gguf = join(dir, "core.gguf");
    exportGguf(gguf, checkpoint, { type: "F32", procedureWords });
    const theirs = createLlamaCppModel({ modelPath: gguf, tools });
    const run = async (model: LanguageModel, question: string) => {
      const result = await runAgent({
        model,
        question,
        knowledge: store,
        tools: registryExecutor(tools),
        ...CORE_SEARCH,
        temperature: 0,
      });
      return {
        calls: result.steps.map((step) => step.toolCalls.map((call) => call.input)),
        answer: result.answer,
      };
    };
    try {
      let withCalls = 0;
      for (const question of generateWorldQA({ seed: 5, split: "test", count: 20 })) {
        const a = await run(ours, question.question);
        expect({ question: question.question, ...(await run(theirs, question.question)) }).toEqual({
          question: question.question,
          ...a,
        });
        if (a.calls.flat().length > 0) withCalls++;
      }
      expect(withCalls).toBeGreaterThan(15); // the runs used the tools: there was much to compare
    } finally {
      await theirs.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);

  it("scores above its floor on WorldQA test questions, and `cogcore eval worldqa --json` prints the contract", async () => {
    const tools = new ToolRegistry([createCalcTool()]);
    const { model } = shippedCore(tools);
    const items = await evaluateWorldQA({
      model,
      questions: generateWorldQA({ seed: 9, split: "test", count: 20 }),
      knowledge: store,
      tools: registryExecutor(tools),
      ...CORE_SEARCH,
      progress: false,
    });
    const summary = summarize(items);
    // A floor that the model card's figures (200 questions) clear with room.
    expect(summary.counts.correct).toBeGreaterThanOrEqual(12);
    expect(summary.counts.correct).toBeGreaterThan(summary.counts.wrong);

    const result = runCogcore(["eval", "worldqa", "--limit", "2", "--json"], {
      env: { COGCORE_DATA_DIR: dataDir },
    });
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(Object.keys(report.accuracy).sort()).toEqual([
      "arithmetic",
      "comparison",
      "lookup",
      "multihop",
      "unanswerable",
    ]);
    expect(report).toMatchObject({ n: 2, split: "test" });
    expect(typeof report.omniscienceIndex).toBe("number");
    expect(report.items).toHaveLength(2);

    const env = { COGCORE_DATA_DIR: dataDir };
    const dev = runCogcore(["eval", "worldqa", "--limit", "2", "--dev-phrasings", "--json"], { env });
    expect(dev.status).toBe(0);
    const devReport = JSON.parse(dev.stdout);
    expect(devReport).toMatchObject({ n: 2, devPhrasings: true, heldOutPhrasings: false });
    const asked = generateWorldQA({ seed: 7, split: "test", count: 2, devPhrasings: true });
    expect(devReport.items.map((item: { question: string }) => item.question)).toEqual(
      asked.map((question) => question.question),
    );
    const both = runCogcore(["eval", "worldqa", "--dev-phrasings", "--held-out-phrasings"], { env });
    expect(both.status).not.toBe(0);
    expect(both.stderr).toMatch(/dev-phrasings|held-out-phrasings/);
  }, 600_000);
});
