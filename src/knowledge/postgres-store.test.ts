/**
 * The PostgreSQL store against a private server (initdb + pg_ctl on a free loopback port): the same
 * behaviour as the SQLite store, and retrieval within 0.02 recall@10 of it on WorldQA queries.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PostgresServer, startPostgres } from "../../test/helpers/postgres.ts";
import { generateWorldQA } from "../eval/worldqa/generate.ts";
import { DatabaseUnavailableError, PostgresKnowledgeStore } from "./postgres-store.ts";
import { SqliteKnowledgeStore } from "./sqlite-store.ts";
import type { KnowledgeStore, Passage } from "./types.ts";
import { recordPassage } from "./world/passages.ts";
import { loadWorldRecords } from "./world/records.ts";

let server: PostgresServer;
let store: PostgresKnowledgeStore;
const dir = mkdtempSync(join(tmpdir(), "cogcore-pg-test-"));

beforeAll(async () => {
  server = await startPostgres();
  store = await PostgresKnowledgeStore.connect(server.connectionString);
}, 60_000);
afterAll(async () => {
  await store?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Term statistics recomputed from the postings must equal the maintained ones. */
async function expectConsistentStatistics(): Promise<void> {
  const client = new pg.Client({ connectionString: server.connectionString });
  await client.connect();
  const drift = await client.query(`
    SELECT coalesce(t.term, p.term) AS term FROM cogcore_terms t
    FULL JOIN (SELECT term, count(*) AS n FROM cogcore_postings GROUP BY term) p ON p.term = t.term
    WHERE t.documents IS DISTINCT FROM p.n`);
  const totals =
    await client.query(`SELECT s.documents = (SELECT count(*) FROM cogcore_passages) AS documents,
    s.total_length = (SELECT coalesce(sum(length), 0) FROM cogcore_passages) AS lengths FROM cogcore_statistics s`);
  await client.end();
  expect(drift.rows).toEqual([]);
  expect(totals.rows[0]).toEqual({ documents: true, lengths: true });
}

describe("PostgresKnowledgeStore", () => {
  it("searches with folded diacritics, filters, and keeps term statistics exact through updates", async () => {
    const passages: Passage[] = [
      {
        id: "a",
        source: "docs/a.md",
        text: "Thessaloníki is a city in Greece.",
        metadata: { kind: "city", capital: false },
      },
      {
        id: "b",
        source: "docs/b.md",
        text: "Athens is the capital of Greece.",
        metadata: { kind: "city", capital: true },
        span: { startLine: 2, endLine: 4 },
      },
      { id: "c", source: "notes/c.txt", text: "Greece has many islands.", metadata: { kind: "note" } },
    ];
    expect(await store.upsertDocument({ source: "greece", hash: "1", passages })).toBe("added");
    expect(await store.upsertDocument({ source: "greece", hash: "1", passages })).toBe("unchanged");
    expect((await store.search("Thessaloniki")).map((hit) => hit.id)).toEqual(["a"]);
    expect(await store.get("b")).toEqual(passages[1]);
    const ids = async (filter: Record<string, string | number | boolean>) =>
      (await store.search("greece", { filter })).map((hit) => hit.id).sort();
    expect(await ids({ kind: "city" })).toEqual(["a", "b"]);
    expect(await ids({ capital: true })).toEqual(["b"]);
    expect(await ids({ source: "docs/*.md" })).toEqual(["a", "b"]);
    expect(await ids({ source: "*.txt" })).toEqual(["c"]);
    const [hit] = await store.search("capital of Greece", { highlight: true });
    expect(hit.snippet).toBe("Athens is the [capital] of [Greece].");
    await store.upsertDocument({
      source: "other",
      hash: "1",
      passages: [{ id: "d", source: "s", text: "Greece and Crete." }],
    });
    await expectConsistentStatistics();
    expect(await store.upsertDocument({ source: "greece", hash: "2", passages: passages.slice(1) })).toBe(
      "updated",
    );
    expect(await store.search("Thessaloniki")).toEqual([]);
    await expectConsistentStatistics();
    expect(await store.deleteDocument("greece")).toBe(2);
    expect(await store.deleteDocument("other")).toBe(1);
    expect(await store.countPassages()).toBe(0);
    await expectConsistentStatistics();
  });

  it("ranks WorldQA retrieval queries within 0.02 recall@10 of the SQLite store", async () => {
    const records = loadWorldRecords();
    const questions = [
      ...generateWorldQA({
        seed: 21,
        split: "train",
        count: 120,
        types: ["lookup", "multihop", "comparison"],
      }),
      ...generateWorldQA({ seed: 21, split: "dev", count: 40, types: ["lookup", "arithmetic"] }),
    ];
    const gold = new Set(questions.flatMap((question) => question.goldPassageIds));
    // Same-named cities of every gold city and the big ones, so that ranking decides the recall.
    const goldNames = new Set(records.cities.filter((city) => gold.has(city.id)).map((city) => city.name));
    const slice = [
      ...records.countries,
      ...records.elements,
      ...records.cities.filter((city) => city.population >= 100_000 || goldNames.has(city.name)),
    ];
    const passages = slice.map((record) => recordPassage(record, records));
    const sqlite = new SqliteKnowledgeStore(join(dir, "slice.sqlite"));
    await sqlite.upsertDocument({ source: "world", hash: "1", passages });
    await store.upsertDocument({ source: "world", hash: "1", passages });
    const recall = async (knowledge: KnowledgeStore) => {
      let found = 0;
      let total = 0;
      for (const question of questions) {
        for (const fact of question.facts) {
          const hits = await knowledge.search(fact.query, { k: 10 });
          found += Number(hits.some((hit) => hit.id === fact.passageId));
          total++;
        }
      }
      return found / total;
    };
    const sqliteRecall = await recall(sqlite);
    const postgresRecall = await recall(store);
    process.stderr.write(
      `recall@10 on ${gold.size} gold passages: sqlite ${sqliteRecall}, postgres ${postgresRecall}\n`,
    );
    await sqlite.close();
    expect(sqliteRecall).toBeGreaterThan(0.95);
    expect(Math.abs(postgresRecall - sqliteRecall)).toBeLessThanOrEqual(0.02);
  }, 120_000);

  it("reports an unreachable server with a typed, retryable error", async () => {
    const attempt = PostgresKnowledgeStore.connect("postgresql://cogcore@127.0.0.1:1/none");
    await expect(attempt).rejects.toThrow(DatabaseUnavailableError);
    await expect(attempt).rejects.toMatchObject({ isRetryable: true });
  });
});
