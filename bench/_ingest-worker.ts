/**
 * One side of the large-file ingest benchmark, in its own process so that its peak RSS is its own:
 * `node --import tsx bench/_ingest-worker.ts MODE FILE DB`. MODE "cogcore" streams FILE through
 * `ingestPaths`; MODE "readWhole" is the naive peer: read the whole file, split it into paragraphs,
 * insert them into a plain FTS5 table in one transaction.
 */
import { readFileSync } from "node:fs";
import Database from "better-sqlite3";
import { ingestPaths } from "../src/knowledge/ingest.ts";
import { SqliteKnowledgeStore } from "../src/knowledge/sqlite-store.ts";

const [mode, file, database] = process.argv.slice(2);
const started = performance.now();
let passages = 0;
if (mode === "cogcore") {
  const store = new SqliteKnowledgeStore(database);
  const report = await ingestPaths(store, [file], { quiet: true });
  if (report.failures.length > 0) throw report.failures[0].error;
  passages = report.passages;
  await store.close();
} else {
  const db = new Database(database);
  db.pragma("journal_mode = WAL");
  db.exec(`CREATE VIRTUAL TABLE t USING fts5(body, tokenize="unicode61 remove_diacritics 2")`);
  const insert = db.prepare("INSERT INTO t(body) VALUES (?)");
  const paragraphs = readFileSync(file, "utf8").split(/\n\s*\n/);
  db.transaction(() => {
    for (const paragraph of paragraphs) if (paragraph.trim()) insert.run(paragraph.trim());
  })();
  passages = paragraphs.length;
  db.close();
}
process.stdout.write(
  `${JSON.stringify({
    seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
    passages,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  })}\n`,
);
