import {
  closeSync,
  copyFileSync,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { CorruptFileError, InvalidInputError, NotFoundError } from "../errors.ts";
import { BM25_B, BM25_K1 } from "./ranking.ts";
import { SqliteKnowledgeStore } from "./sqlite-store.ts";
import { tokenize } from "./tokenize.ts";
import type { Passage } from "./types.ts";

const dir = mkdtempSync(join(tmpdir(), "cogcore-sqlite-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PASSAGES: Passage[] = [
  {
    id: "a",
    source: "cities.txt",
    text: "Thessaloníki is a city in Greece. Population: 354290.",
    metadata: { kind: "city", country: "GR", capital: false },
  },
  {
    id: "b",
    source: "cities.txt",
    text: "Athens is the capital of Greece. Population: 664046.",
    metadata: { kind: "city", country: "GR", capital: true },
  },
  {
    id: "c",
    source: "cities.txt",
    text: "Lyon is a city in France on the Rhône. Population: 472317.",
    metadata: { kind: "city", country: "FR", capital: false },
  },
  {
    id: "d",
    source: "docs/guide.md",
    text: "Greece has many islands; Crete is the largest island of Greece.",
    metadata: { kind: "note" },
  },
  {
    id: "e",
    source: "docs/deep/other.md",
    text: "The Rhône flows through Lyon and reaches the Mediterranean.",
    span: { startLine: 3, endLine: 5 },
  },
];

async function storeWith(
  passages: Passage[],
  name = `${Math.random()}.sqlite`,
): Promise<SqliteKnowledgeStore> {
  const store = new SqliteKnowledgeStore(join(dir, name));
  await store.upsertDocument({ source: "set", hash: "1", passages });
  return store;
}

/** BM25 computed directly from its definition over the whole corpus: the reference for the store. */
function referenceBm25(corpus: Passage[], query: string[], passage: Passage): number {
  const lengths = corpus.map((p) => tokenize(p.text).length);
  const average = lengths.reduce((a, b) => a + b, 0) / corpus.length;
  const tokens = tokenize(passage.text);
  let score = 0;
  for (const term of query) {
    const df = corpus.filter((p) => tokenize(p.text).includes(term)).length;
    if (df === 0) continue;
    const idf = Math.log(1 + (corpus.length - df + 0.5) / (df + 0.5));
    const tf = tokens.filter((token) => token === term).length;
    score += (idf * tf * (BM25_K1 + 1)) / (tf + BM25_K1 * (1 - BM25_B + (BM25_B * tokens.length) / average));
  }
  return score;
}

describe("SqliteKnowledgeStore", () => {
  it("finds passages with diacritics folded and scores them by BM25 as defined", async () => {
    const store = await storeWith(PASSAGES);
    const hits = await store.search("Thessaloniki");
    expect(hits.map((hit) => hit.id)).toEqual(["a"]);
    const rhone = await store.search("rhone lyon");
    expect(rhone.map((hit) => hit.id).sort()).toEqual(["c", "e"]);
    for (const hit of rhone) {
      expect(hit.score).toBeCloseTo(
        referenceBm25(PASSAGES, ["rhone", "lyon"], PASSAGES.find((p) => p.id === hit.id)!),
        9,
      );
    }
    expect(rhone[0].score).toBeGreaterThanOrEqual(rhone[1].score);
    await store.close();
  });

  it("keeps to passages holding every word, and widens to any word only when none holds them all", async () => {
    const store = await storeWith(PASSAGES);
    expect((await store.search("what is the largest island of Greece")).map((hit) => hit.id)).toEqual(["d"]);
    const hits = await store.search("the largest island near Athens");
    expect(hits.map((hit) => hit.id)).toEqual(["d", "b"]);
    expect(await store.search("zzzz qqqq")).toEqual([]);
    expect(await store.search("   ")).toEqual([]);
    await store.close();
  });

  it("keeps spans and metadata, returns a passage by id, highlights snippets", async () => {
    const store = await storeWith(PASSAGES);
    expect(await store.get("e")).toEqual(PASSAGES[4]);
    expect(await store.get("missing")).toBeUndefined();
    const [hit] = await store.search("capital greece", { highlight: true });
    expect(hit.snippet).toBe("Athens is the [capital] of [Greece]. Population: 664046.");
    await store.close();
  });

  it("filters by metadata values and by source glob", async () => {
    const store = await storeWith(PASSAGES);
    const ids = async (query: string, filter: Record<string, string | number | boolean>) =>
      (await store.search(query, { filter })).map((hit) => hit.id).sort();
    expect(await ids("greece", { country: "GR" })).toEqual(["a", "b"]);
    expect(await ids("greece", { capital: true })).toEqual(["b"]);
    const ranked = await store.search("greece population", { filter: { kind: "city", capital: false } });
    expect(ranked.map((hit) => hit.id)).toEqual(["a"]);
    expect(await ids("lyon", { source: "docs/**" })).toEqual(["e"]);
    expect(await ids("greece lyon", { source: "*.md" })).toEqual(["d", "e"]);
    expect(await ids("greece lyon", { source: "docs/*.md" })).toEqual(["d"]);
    await expect(store.search("x", { filter: { "bad field": 1 } })).rejects.toThrow(InvalidInputError);
    await expect(store.search("x", { k: 0 })).rejects.toThrow(InvalidInputError);
    await store.close();
  });

  it("skips an unchanged document, replaces a changed one, deletes one", async () => {
    const store = await storeWith(PASSAGES);
    expect(await store.upsertDocument({ source: "set", hash: "1", passages: [] })).toBe("unchanged");
    expect(await store.countPassages()).toBe(5);
    const changed = [{ id: "z", source: "s", text: "Zagreb is the capital of Croatia." }];
    expect(await store.upsertDocument({ source: "set", hash: "2", passages: changed })).toBe("updated");
    expect(await store.countPassages()).toBe(1);
    expect(await store.search("lyon")).toEqual([]);
    expect((await store.search("zagreb"))[0].id).toBe("z");
    expect(await store.listDocuments()).toEqual([{ source: "set", hash: "2", passages: 1 }]);
    expect(await store.deleteDocument("set")).toBe(1);
    expect(await store.search("zagreb")).toEqual([]);
    expect(store.checkIntegrity()).toBe("ok");
    await store.close();
  });

  it("rolls a failed document back whole: the old version stays", async () => {
    const store = await storeWith(PASSAGES);
    async function* failing() {
      yield { id: "new1", source: "s", text: "first new passage" };
      throw new Error("reader failed");
    }
    await expect(store.upsertDocument({ source: "set", hash: "3", passages: failing() })).rejects.toThrow(
      "reader failed",
    );
    expect(await store.countPassages()).toBe(5);
    expect(await store.get("new1")).toBeUndefined();
    expect((await store.listDocuments())[0].hash).toBe("1");
    await store.close();
  });

  it("sees another connection's writes (cached statistics are refreshed)", async () => {
    const reader = await storeWith(PASSAGES, "shared.sqlite");
    expect(await reader.search("zagreb")).toEqual([]);
    const writer = new SqliteKnowledgeStore(join(dir, "shared.sqlite"));
    await writer.upsertDocument({
      source: "more",
      hash: "1",
      passages: [{ id: "z", source: "s", text: "Zagreb, Croatia" }],
    });
    await writer.close();
    expect((await reader.search("zagreb")).map((hit) => hit.id)).toEqual(["z"]);
    await reader.close();
  });

  it("refuses a file that is not a knowledge base with a typed error", async () => {
    const text = join(dir, "notes.sqlite");
    writeFileSync(text, "these are notes, not a database\n".repeat(10));
    expect(() => new SqliteKnowledgeStore(text)).toThrow(CorruptFileError);
    const foreign = join(dir, "foreign.sqlite");
    const db = new Database(foreign);
    db.exec("CREATE TABLE customers (name TEXT)");
    db.close();
    expect(() => new SqliteKnowledgeStore(foreign)).toThrow(/another application/);
    expect(() => new SqliteKnowledgeStore(join(dir, "absent.sqlite"), { readonly: true })).toThrow(
      NotFoundError,
    );
  });

  it("reports a knowledge base damaged inside as corrupt, not as an internal error", async () => {
    const passages = Array.from({ length: 3000 }, (_, index) => ({
      id: `p${index}`,
      source: "bulk",
      text: `Passage ${index} talks about topic${index % 97} and subject${index % 89} at length.`,
    }));
    const store = await storeWith(passages, "intact.sqlite");
    store.optimize();
    await store.close();
    const damaged = join(dir, "damaged.sqlite");
    copyFileSync(join(dir, "intact.sqlite"), damaged);
    const size = statSync(damaged).size;
    const descriptor = openSync(damaged, "r+");
    writeSync(descriptor, Buffer.alloc(size - 8192, 0xa5), 0, size - 8192, 4096);
    closeSync(descriptor);
    const attempt = async () => {
      const opened = new SqliteKnowledgeStore(damaged, { readonly: true });
      try {
        await opened.search("topic5 subject7");
      } finally {
        await opened.close();
      }
    };
    await expect(attempt()).rejects.toThrow(CorruptFileError);
  });
});
