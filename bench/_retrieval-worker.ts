/**
 * One system of the retrieval benchmark, in its own process so that its peak RSS is its own:
 * `node --import tsx bench/_retrieval-worker.ts SYSTEM DIR RUNS BUDGET` reads DIR/corpus.jsonl and
 * DIR/queries.json, builds the index, answers the queries once untimed (recall, MRR), then RUNS timed
 * times on one thread, and prints one JSON object. A system too slow to answer them all within BUDGET
 * seconds is measured on the first ones answered in that time (the queries are in shuffled order), and
 * says how many.
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { create, insertMultiple, search as oramaSearch } from "@orama/orama";
import Database from "better-sqlite3";
import FlexSearch from "flexsearch";
import MiniSearch from "minisearch";
import { SqliteKnowledgeStore } from "../src/knowledge/sqlite-store.ts";
import { queryTerms, tokenize } from "../src/knowledge/tokenize.ts";

interface CorpusPassage {
  id: string;
  text: string;
  context: string;
}
interface BenchQuery {
  query: string;
  gold: string;
  lookup: boolean;
}
type Searcher = (query: string) => Promise<string[]> | string[];

const [system, dir, runsText, budgetText] = process.argv.slice(2);
const budgetMs = Number(budgetText ?? 60) * 1000;
const corpus: CorpusPassage[] = readFileSync(join(dir, "corpus.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((line) => JSON.parse(line));
const queries: BenchQuery[] = JSON.parse(readFileSync(join(dir, "queries.json"), "utf8"));
const combined = (passage: CorpusPassage) => `${passage.context}. ${passage.text}`;
/** Every system searches for the same terms: the query's words less question words, space-separated. */
const terms = (query: string) => queryTerms(query).join(" ");

async function build(): Promise<Searcher> {
  if (system === "cogcore") {
    const store = new SqliteKnowledgeStore(join(dir, `${system}.sqlite`), { bulk: true });
    const passages = corpus.map((passage) => ({
      id: passage.id,
      source: "world",
      text: passage.text,
      metadata: { context: passage.context },
    }));
    await store.upsertDocument({ source: "world", hash: "1", passages });
    store.optimize();
    await store.close();
    const reader = new SqliteKnowledgeStore(join(dir, `${system}.sqlite`));
    return async (query) => (await reader.search(query, { k: 10 })).map((hit) => hit.id);
  }
  if (system === "sqliteFts5") {
    const db = new Database(join(dir, `${system}.sqlite`));
    db.pragma("journal_mode = WAL");
    db.exec(
      `CREATE VIRTUAL TABLE t USING fts5(id UNINDEXED, body, tokenize="unicode61 remove_diacritics 2")`,
    );
    const insert = db.prepare("INSERT INTO t(id, body) VALUES (?, ?)");
    db.transaction(() => {
      for (const passage of corpus) insert.run(passage.id, combined(passage));
    })();
    db.exec("INSERT INTO t(t) VALUES ('optimize')");
    const select = db.prepare("SELECT id FROM t WHERE t MATCH ? ORDER BY rank LIMIT 10").pluck();
    return (query) => {
      const match = queryTerms(query)
        .map((term) => `"${term}"`)
        .join(" ");
      return match ? (select.all(match) as string[]) : [];
    };
  }
  if (system === "minisearch") {
    const index = new MiniSearch<CorpusPassage>({
      fields: ["body"],
      idField: "id",
      tokenize,
      extractField: (document, field) =>
        field === "body" ? combined(document) : (document as unknown as Record<string, string>)[field],
    });
    index.addAll(corpus);
    return (query) =>
      index
        .search(terms(query), { combineWith: "AND" })
        .slice(0, 10)
        .map((result) => String(result.id));
  }
  if (system === "flexsearch") {
    const index = new FlexSearch.Index({ encode: tokenize, tokenize: "strict" });
    corpus.forEach((passage, position) => {
      index.add(position, combined(passage));
    });
    return (query) => (index.search(terms(query), 10) as number[]).map((position) => corpus[position].id);
  }
  if (system === "orama") {
    const tokenizer = { language: "english", normalizationCache: new Map<string, string>(), tokenize };
    const db = create({ schema: { body: "string" } as const, components: { tokenizer } });
    await insertMultiple(
      db,
      corpus.map((passage) => ({ id: passage.id, body: combined(passage) })),
      2000,
    );
    return async (query) =>
      (await oramaSearch(db, { term: terms(query), limit: 10 })).hits.map((hit) => hit.id);
  }
  throw new Error(`unknown system ${system}`);
}

for (const suffix of ["", "-wal", "-shm"]) rmSync(join(dir, `${system}.sqlite${suffix}`), { force: true });
const buildStarted = performance.now();
const searcher = await build();
const buildSeconds = (performance.now() - buildStarted) / 1000;

let found = 0;
let lookupFound = 0;
let lookups = 0;
let reciprocalRanks = 0;
let evaluated = 0;
/** Rank of each query's gold passage (-1: not in the top 10), in query order. */
const ranks: number[] = [];
const evaluationStarted = performance.now();
for (const query of queries) {
  const rank = (await searcher(query.query)).indexOf(query.gold);
  ranks.push(rank);
  evaluated++;
  if (query.lookup) lookups++;
  if (rank >= 0) {
    found++;
    reciprocalRanks += 1 / (rank + 1);
    if (query.lookup) lookupFound++;
  }
  if (performance.now() - evaluationStarted > budgetMs) break;
}
const timed = queries.slice(0, evaluated);
const runs: number[] = [];
for (let run = 0; run < Number(runsText); run++) {
  const started = performance.now();
  let answered = 0;
  for (const query of timed) {
    await searcher(query.query);
    answered++;
    if (performance.now() - started > budgetMs / 2) break;
  }
  runs.push(answered / ((performance.now() - started) / 1000));
}
runs.sort((a, b) => a - b);
process.stdout.write(
  `${JSON.stringify({
    qps: Number(runs[Math.floor(runs.length / 2)].toPrecision(4)),
    queriesEvaluated: evaluated,
    qpsRuns: runs.map((value) => Number(value.toPrecision(4))),
    recallAt10: found / evaluated,
    lookupRecallAt10: lookups > 0 ? lookupFound / lookups : null,
    mrr: reciprocalRanks / evaluated,
    buildSeconds: Number(buildSeconds.toFixed(2)),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    ranks,
  })}\n`,
);
