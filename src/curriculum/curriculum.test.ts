import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { worldKnowledgeBaseForTests } from "../../test/helpers/world-kb.ts";
import { EvidenceLedger, formatHits } from "../agent/evidence.ts";
import { QUESTION_KINDS } from "../eval/worldqa/generate.ts";
import { entitySplits } from "../eval/worldqa/splits.ts";
import { SqliteKnowledgeStore } from "../knowledge/sqlite-store.ts";
import { loadWorldRecords } from "../knowledge/world/records.ts";
import { parseAssistantTurn, renderAssistantTurn } from "../model/chat-template.ts";
import { createCalcTool } from "../tools/calc/calc-tool.ts";
import { parseCall } from "../tools/call-syntax.ts";
import { ToolRegistry } from "../tools/registry.ts";
import { createSearchTool } from "../tools/search-tool.ts";
import { type Curriculum, generateCurriculum, typeCounts, worldTaskSource } from "./generate.ts";
import { CORE_SEARCH_K, type SolverTools } from "./solve.ts";

let store: SqliteKnowledgeStore;
let tools: SolverTools;
let train: Curriculum;

beforeAll(async () => {
  store = new SqliteKnowledgeStore(await worldKnowledgeBaseForTests(), { readonly: true });
  tools = { knowledge: store, registry: new ToolRegistry([createCalcTool()]) };
  train = await generateCurriculum({
    seed: 11,
    count: 60,
    source: worldTaskSource(),
    tools,
    progress: false,
  });
}, 180_000);
afterAll(() => store?.close());

describe("world curriculum", () => {
  it("is deterministic: same seed, same traces; another seed, other traces", async () => {
    const again = await generateCurriculum({
      seed: 11,
      count: 60,
      source: worldTaskSource(),
      tools,
      progress: false,
    });
    expect(again).toEqual(train);
    const other = await generateCurriculum({
      seed: 12,
      count: 20,
      source: worldTaskSource(),
      tools,
      progress: false,
    });
    expect(other.traces.map((trace) => trace.id)).not.toEqual(
      train.traces.slice(0, 20).map((trace) => trace.id),
    );
  });

  it("plans a molar mass as the formula's counts and computes it with every count, 1 included", () => {
    const tasks = worldTaskSource().tasks({
      type: "arithmetic",
      count: 120,
      split: "train",
      seed: 5,
      heldOut: false,
    });
    const molar = tasks.filter((task) => task.kind === "molar-mass");
    expect(molar.length).toBeGreaterThan(20);
    for (const task of molar) {
      const formula = task.question
        .match(/\b(?:[A-Z][a-z]?\d*)+\b/g)!
        .find((word) => /\d|[A-Z].*[A-Z]/.test(word))!;
      const parts = [...formula.matchAll(/([A-Z][a-z]?)(\d*)/g)].map((match) => [match[1], match[2] || "1"]);
      expect(task.thinking).toBe(
        `the atomic mass of each element, then add ${parts.map(([symbol, count]) => `${count} ${symbol}`).join(" + ")}`,
      );
      const terms = task.calc!.split(" + ");
      expect(terms.map((term) => term.split(" * ")[0])).toEqual(parts.map(([, count]) => count));
      expect(terms.map((term) => term.split(" * ")[1])).toEqual(task.lookups.map((step) => step.value));
    }
    // The curriculum practises the hardest kinds twice as often as their neighbours.
    const share = (kind: string) => tasks.filter((task) => task.kind === kind).length / tasks.length;
    expect(share("molar-mass")).toBeGreaterThan(0.28);
    const multihop = worldTaskSource().tasks({
      type: "multihop",
      count: 120,
      split: "train",
      seed: 5,
      heldOut: false,
    });
    expect(
      multihop.filter((task) => task.kind === "capital-population").length / multihop.length,
    ).toBeGreaterThan(0.38);
  });

  it("covers every question type in the mix, thinking only where several steps are needed", () => {
    const expected = typeCounts(60, {
      lookup: 0.2,
      multihop: 0.2,
      arithmetic: 0.22,
      comparison: 0.18,
      unanswerable: 0.2,
    });
    for (const [type, count] of expected) {
      const ofType = train.traces.filter((trace) => trace.type === type);
      expect(ofType.length).toBe(count);
      const thinks = ofType.filter((trace) =>
        trace.turns.some((turn) => turn.role === "assistant" && turn.thinking),
      );
      expect(thinks.length).toBe(type === "lookup" || type === "unanswerable" ? 0 : ofType.length);
    }
    expect(train.attempted - train.traces.length).toBe(
      Object.values(train.dropped).reduce((sum, count) => sum + (count ?? 0), 0),
    );
  });

  it("draws training traces from training entities only, phrased with training templates or paraphrases", async () => {
    const splits = entitySplits(loadWorldRecords());
    for (const trace of train.traces) {
      for (const entity of trace.entities) expect(splits.get(entity)).toBe("train");
      expect(trace.template).toMatch(/\/[tp]\d+$/);
    }
    const heldOut = new Set(
      QUESTION_KINDS.flatMap((kind) => kind.heldOut.map((text) => text.split("{")[0].trim())),
    );
    heldOut.delete("");
    for (const trace of train.traces)
      for (const prefix of heldOut) expect(trace.question.startsWith(`${prefix} `)).toBe(false);
    const test = await generateCurriculum({
      seed: 11,
      count: 20,
      split: "test",
      source: worldTaskSource(),
      tools,
      progress: false,
    });
    const trainEntities = new Set(train.traces.flatMap((trace) => trace.entities));
    for (const trace of test.traces) {
      for (const entity of trace.entities) {
        expect(splits.get(entity)).toBe("test");
        expect(trainEntities.has(entity)).toBe(false);
      }
    }
  });

  it("writes turns that render and parse back, with calls the tools parse", () => {
    const lookup = new ToolRegistry([createCalcTool(), createSearchTool({ store })]);
    for (const trace of train.traces) {
      expect(trace.turns[0]).toEqual({ role: "user", content: trace.question });
      for (const turn of trace.turns) {
        if (turn.role !== "assistant") continue;
        const parsed = parseAssistantTurn(renderAssistantTurn(turn));
        expect(parsed.truncated).toBe(false);
        expect(parsed.thinking).toBe(turn.thinking);
        expect(parsed.calls).toEqual(turn.calls ?? []);
        expect(parsed.answer).toBe(turn.answer);
        for (const call of turn.calls ?? [])
          expect(["search", "calc"]).toContain(parseCall(call, lookup).name);
      }
      const last = trace.turns.at(-1)!;
      expect(last.role === "assistant" && last.answer !== undefined).toBe(true);
    }
  });

  it("shows observations that the real search and calc tools produce again", async () => {
    const lookup = new ToolRegistry([createCalcTool(), createSearchTool({ store })]);
    for (const trace of train.traces) {
      const ledger = new EvidenceLedger();
      for (const [index, turn] of trace.turns.entries()) {
        if (turn.role !== "assistant" || !turn.calls) continue;
        const call = parseCall(turn.calls[0], lookup);
        const observation = trace.turns[index + 1];
        if (call.name === "search") {
          const query = (call.input as { query: string }).query;
          const hits = await store.search(query, { k: CORE_SEARCH_K });
          expect(observation).toEqual({
            role: "tool",
            content: formatHits(query, hits, ledger.add(hits), true),
          });
        } else {
          const result = await lookup.observe("calc", call.input);
          expect(observation).toEqual({ role: "tool", content: result.content });
        }
      }
    }
  });

  it("cites the passages that hold the evidence, the first of them not always ranked first", () => {
    const answered = train.traces.filter((trace) => trace.type !== "unanswerable");
    for (const trace of answered) {
      const answer = trace.turns.at(-1) as { answer: string };
      expect(answer.answer).toMatch(/^ .+ (\[\d+\])+$/);
    }
    for (const trace of train.traces.filter((trace) => trace.type === "unanswerable"))
      expect((trace.turns.at(-1) as { answer: string }).answer).toBe(
        " I cannot answer this from the knowledge base.",
      );
    expect(
      answered.flatMap((trace) => trace.evidenceRanks).every((rank) => rank >= 0 && rank < CORE_SEARCH_K),
    ).toBe(true);
  });
});
