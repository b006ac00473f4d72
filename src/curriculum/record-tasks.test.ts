import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeTempDirs, tempDir } from "../../test/helpers/temp-dir.ts";
import { EvidenceLedger, formatHits } from "../agent/evidence.ts";
import { parseConfig } from "../config.ts";
import { createCalcTool } from "../tools/calc/calc-tool.ts";
import { ToolRegistry } from "../tools/registry.ts";
import { createSearchTool } from "../tools/search-tool.ts";
import { type Curriculum, generateCurriculum } from "./generate.ts";
import { traceToOpenAIChat } from "./openai-chat.ts";
import { inferSchema, recordSplit } from "./record-tasks.ts";
import { CORE_SEARCH_K } from "./solve.ts";
import { type CurriculumSource, openCurriculumSource } from "./sources.ts";

// A user's own structured data: fictional moons and the planets they orbit, in a CSV.
const SYLLABLES = ["tal", "vor", "me", "ki", "dru", "sa", "pel", "on", "ri", "zan", "bo", "lu"];
function name(index: number): string {
  const word = `${SYLLABLES[index % 12]}${SYLLABLES[Math.floor(index / 12) % 12]}n`;
  return word[0].toUpperCase() + word.slice(1);
}

let directory: string;
let opened: CurriculumSource;
let curriculum: Curriculum;

beforeAll(async () => {
  directory = tempDir("cogcore-records-");
  const rows = ["name,orbits,mass,diameter,discoverer"];
  for (let index = 0; index < 120; index++) {
    const orbits = index >= 12 ? name(index % 12) : "";
    rows.push(
      `${name(index)},${orbits},${((index * 37) % 900) + 11},${((index * 53) % 4000) + 120},Observer ${name(index + 3)}`,
    );
  }
  const csv = join(directory, "moons.csv");
  writeFileSync(csv, `${rows.join("\n")}\n`);
  const config = parseConfig({ dataDir: join(directory, "data") });
  opened = await openCurriculumSource(csv, {
    config,
    paths: { dataDir: join(directory, "data"), cacheDir: join(directory, "cache") },
    quiet: true,
  });
  curriculum = await generateCurriculum({
    seed: 3,
    count: 40,
    source: opened.source,
    tools: opened.tools,
    progress: false,
  });
}, 60_000);
afterAll(() => {
  opened?.close();
  removeTempDirs();
});

describe("curriculum from a user's structured KB", () => {
  it("learns the schema from field names and values", () => {
    const schema = inferSchema([
      { fields: { name: "Ab", parent: "Cd", mass: 3 } },
      { fields: { name: "Cd", parent: "", mass: 5 } },
    ]);
    expect(schema.nameField).toBe("name");
    expect([...schema.numeric]).toEqual(["mass"]);
    expect([...schema.links]).toEqual(["parent"]);
  });

  it("asks every kind of question with phrasings made from the field names", () => {
    expect(opened.kbName).toBe("moons");
    const types = new Set(curriculum.traces.map((trace) => trace.type));
    expect([...types].sort()).toEqual(["arithmetic", "comparison", "lookup", "multihop", "unanswerable"]);
    const multihop = curriculum.traces.find((trace) => trace.type === "multihop")!;
    expect(multihop.question).toMatch(/ of the orbits of |the orbits of /);
    expect(curriculum.traces.some((trace) => /diameter|mass/.test(trace.question))).toBe(true);
  });

  it("keeps test records out of training and observes the real store", async () => {
    for (const trace of curriculum.traces) {
      for (const entity of trace.entities) {
        const passage = await opened.knowledge.get(entity);
        const recordName = /^Name: ([^.]+)\./.exec(passage!.text)![1];
        expect(recordSplit(recordName)).toBe("train");
      }
      const ledger = new EvidenceLedger();
      for (const [index, turn] of trace.turns.entries()) {
        if (turn.role !== "assistant" || !turn.calls?.[0].startsWith("search(")) continue;
        const query = turn.calls[0].slice("search(".length, -1);
        const hits = await opened.knowledge.search(query, { k: CORE_SEARCH_K });
        expect(trace.turns[index + 1]).toEqual({
          role: "tool",
          content: formatHits(query, hits, ledger.add(hits), true),
        });
      }
    }
  });

  it("exports OpenAI-style chat examples with tool calls and tool messages", () => {
    const tools = new ToolRegistry([createCalcTool(), createSearchTool({ store: opened.knowledge })]);
    const arithmetic = curriculum.traces.find((trace) => trace.type === "arithmetic")!;
    const example = traceToOpenAIChat(arithmetic, { tools });
    expect(example.messages[0].role).toBe("system");
    expect(example.messages[1]).toEqual({ role: "user", content: arithmetic.question });
    const calls = example.messages.flatMap((message) =>
      message.role === "assistant" ? (message.tool_calls ?? []) : [],
    );
    expect(calls.map((call) => call.function.name)).toEqual(["search", "search", "calc"]);
    expect(JSON.parse(calls[0].function.arguments)).toEqual({
      query: arithmetic.turns[1].role === "assistant" ? arithmetic.turns[1].calls?.[0].slice(7, -1) : "",
      focus: true, // the observations are focused hits: the export says so, so that a replay matches
    });
    const toolMessages = example.messages.filter((message) => message.role === "tool");
    expect(toolMessages.map((message) => message.tool_call_id)).toEqual(calls.map((call) => call.id));
    const last = example.messages.at(-1)!;
    expect(last.role === "assistant" && last.content).toMatch(/^\S.* (\[\d+\])+$/);
    const first = example.messages[2];
    expect(first.role === "assistant" && first.reasoning_content).toMatch(/then (add|subtract)$/);
    expect(example.tools.map((tool) => tool.function.name)).toEqual(["search", "calc"]);
    expect(traceToOpenAIChat(arithmetic, { tools, reasoning: false }).messages[2]).not.toHaveProperty(
      "reasoning_content",
    );
  });
});
