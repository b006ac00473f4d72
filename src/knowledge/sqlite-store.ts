/**
 * The embedded knowledge store: SQLite with FTS5 (diacritics folded), BM25 ranking planned as in
 * ranking.ts, metadata filters, and optional dense vectors (sqlite-vec) fused by reciprocal rank.
 * Each document is written in one transaction, so a killed process leaves the old or the new version.
 */
import type Database from "better-sqlite3";
import * as sqliteVec from "sqlite-vec";
import { CorruptFileError } from "../errors.ts";
import type { Embedder } from "./embeddings.ts";
import { checkK, type Filter, matchesFilter, validateFilter } from "./filter.ts";
import {
  type CollectionStatistics,
  gatherCandidates,
  MIN_CANDIDATES,
  rankCandidates,
  reciprocalRankFusion,
} from "./ranking.ts";
import { highlightSnippet } from "./snippet.ts";
import { openKnowledgeDatabase } from "./sqlite-schema.ts";
import { SqliteVectors } from "./sqlite-vectors.ts";
import { queryTerms, termCount, tokenize } from "./tokenize.ts";
import type {
  DocumentInput,
  Hit,
  Passage,
  SearchOptions,
  UpsertOutcome,
  WritableKnowledgeStore,
} from "./types.ts";

export interface SqliteStoreOptions {
  /** Open without writing. Default false. */
  readonly?: boolean;
  /** Embedding model for dense vectors. Default: none (BM25 alone). */
  embedder?: Embedder;
  /** A bulk build into a fresh file that is discarded on failure: no fsync, a 64 MB page cache. Default false. */
  bulk?: boolean;
  /** Weights of the two rankings in reciprocal rank fusion. Default {bm25: 1, vector: 1}. */
  fusionWeights?: { bm25: number; vector: number };
}

interface PassageRow {
  rowid: number;
  id: string;
  source: string;
  text: string;
  context: string;
  span: string | null;
  metadata: string | null;
  length: number;
}

const INSERT_BATCH = 256;

export class SqliteKnowledgeStore implements WritableKnowledgeStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly vectors?: SqliteVectors;
  private readonly fusionWeights: { bm25: number; vector: number };
  private readonly frequencies = new Map<string, number>();
  private statisticsCache?: CollectionStatistics;
  private dataVersion = -1;
  private writing: Promise<unknown> = Promise.resolve();
  private readonly statements = new Map<string, Database.Statement>();

  constructor(path: string, options: SqliteStoreOptions = {}) {
    this.path = path;
    this.db = openKnowledgeDatabase(path, { readonly: options.readonly });
    sqliteVec.load(this.db);
    if (options.bulk) {
      this.db.pragma("synchronous = OFF");
      this.db.pragma("cache_size = -65536");
    }
    this.db.function("cogcore_filter", { deterministic: true }, (source, metadata, filter) =>
      matchesFilter(
        { source: String(source), metadata: metadata ? JSON.parse(String(metadata)) : undefined },
        JSON.parse(String(filter)),
      )
        ? 1
        : 0,
    );
    this.fusionWeights = options.fusionWeights ?? { bm25: 1, vector: 1 };
    if (options.embedder) this.vectors = new SqliteVectors(this.db, options.embedder);
  }

  async search(query: string, options: SearchOptions = {}): Promise<Hit[]> {
    return this.guard(() => this.searchUnguarded(query, options));
  }

  /** Turns SQLite's corruption errors, which can surface at any read, into CorruptFileError. */
  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (cause) {
      const code = (cause as { code?: string }).code ?? "";
      if (code === "SQLITE_CORRUPT" || code === "SQLITE_NOTADB" || code.startsWith("SQLITE_CORRUPT")) {
        throw new CorruptFileError("is corrupt", {
          path: this.path,
          cause,
          expected: "an intact knowledge base; rebuild or re-ingest it",
        });
      }
      throw cause;
    }
  }

  private async searchUnguarded(query: string, options: SearchOptions): Promise<Hit[]> {
    const k = checkK(options.k);
    const filter = validateFilter(options.filter);
    const terms = queryTerms(query);
    const lexical = terms.length > 0 ? await this.lexicalSearch(query, terms, filter, k) : [];
    let ranked = lexical;
    if (this.vectors && query.trim()) {
      const dense = await this.vectors.search(query, Math.max(MIN_CANDIDATES, 5 * k));
      const rows = new Map(lexical.map((entry) => [entry.row.rowid, entry.row]));
      const fused = reciprocalRankFusion([
        { ids: lexical.map((entry) => String(entry.row.rowid)), weight: this.fusionWeights.bm25 },
        { ids: dense.map(String), weight: this.fusionWeights.vector },
      ]);
      ranked = [];
      for (const { id, score } of fused) {
        const row = rows.get(Number(id)) ?? this.rowByRowid(Number(id));
        if (row && (Object.keys(filter).length === 0 || matchesFilter(toPassage(row), filter)))
          ranked.push({ row, score });
        if (ranked.length >= k) break;
      }
    }
    return ranked.slice(0, k).map(({ row, score }) => {
      const hit: Hit = { ...toPassage(row), score };
      if (options.highlight) hit.snippet = highlightSnippet(row.text, terms);
      return hit;
    });
  }

  /** Candidates gathered as ranking.ts plans, rescored with BM25 over all terms. */
  private async lexicalSearch(
    query: string,
    terms: string[],
    filter: Filter,
    k: number,
  ): Promise<{ row: PassageRow; score: number }[]> {
    this.refreshCaches();
    const statistics = this.statistics();
    const frequency = (term: string) => this.documentFrequency(term);
    const fetch = (stepTerms: string[], mode: "and" | "or", limit: number) =>
      this.candidateRows(stepTerms.map(quoteTerm).join(mode === "and" ? " AND " : " OR "), filter, limit);
    const gathered = await gatherCandidates(terms, frequency, statistics, k, fetch, (row) => row.rowid);
    return rankCandidates(gathered.rows, gathered.terms, frequency, statistics, new Set(tokenize(query))).map(
      ({ candidate, score }) => ({
        row: candidate,
        score,
      }),
    );
  }

  private candidateRows(match: string, filter: Filter, limit: number): PassageRow[] {
    const filtered = Object.keys(filter).length > 0;
    const sql = `SELECT p.rowid, p.id, p.source, p.text, p.context, p.span, p.metadata, p.length
      FROM passages_fts f JOIN passages p ON p.rowid = f.rowid
      WHERE passages_fts MATCH ? ${filtered ? "AND cogcore_filter(p.source, p.metadata, ?)" : ""}
      ORDER BY f.rank LIMIT ?`;
    const statement = this.statement(sql);
    const rows = filtered ? statement.all(match, JSON.stringify(filter), limit) : statement.all(match, limit);
    return rows as PassageRow[];
  }

  private rowByRowid(rowid: number): PassageRow | undefined {
    return this.statement("SELECT rowid, * FROM passages WHERE rowid = ?").get(rowid) as
      | PassageRow
      | undefined;
  }

  /** Passages holding a term; cached until the database changes. */
  private documentFrequency(term: string): number {
    let frequency = this.frequencies.get(term);
    if (frequency === undefined) {
      const row = this.statement("SELECT doc FROM passages_vocab WHERE term = ?").get(term) as
        | { doc: number }
        | undefined;
      frequency = row?.doc ?? 0;
      if (this.frequencies.size > 100_000) this.frequencies.clear();
      this.frequencies.set(term, frequency);
    }
    return frequency;
  }

  private statistics(): CollectionStatistics {
    this.statisticsCache ??= this.db
      .prepare("SELECT count(*) AS documents, coalesce(avg(length), 0) AS averageLength FROM passages")
      .get() as CollectionStatistics;
    return this.statisticsCache;
  }

  /** Forgets cached statistics when another connection has committed. */
  private refreshCaches(): void {
    const version = this.db.pragma("data_version", { simple: true }) as number;
    if (version !== this.dataVersion) {
      this.dataVersion = version;
      this.forgetCaches();
    }
  }

  private forgetCaches(): void {
    this.frequencies.clear();
    this.statisticsCache = undefined;
  }

  /** Prepared once per connection: preparing costs more than running a small query. */
  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  async get(id: string): Promise<Passage | undefined> {
    return this.guard(async () => this.getUnguarded(id));
  }

  private getUnguarded(id: string): Passage | undefined {
    const row = this.statement("SELECT rowid, * FROM passages WHERE id = ?").get(id) as
      | PassageRow
      | undefined;
    return row ? toPassage(row) : undefined;
  }

  upsertDocument(document: DocumentInput): Promise<UpsertOutcome> {
    const run = this.writing.then(() => this.writeDocument(document));
    this.writing = run.catch(() => undefined);
    return run;
  }

  private async writeDocument(document: DocumentInput): Promise<UpsertOutcome> {
    const existing = this.db.prepare("SELECT hash FROM documents WHERE source = ?").get(document.source) as
      | { hash: string }
      | undefined;
    if (existing?.hash === document.hash) return "unchanged";
    this.db.exec("BEGIN IMMEDIATE");
    try {
      this.db.prepare("DELETE FROM passages WHERE document = ?").run(document.source);
      let count = 0;
      let batch: Passage[] = [];
      for await (const passage of document.passages) {
        batch.push(passage);
        if (batch.length >= INSERT_BATCH) {
          count += await this.insertBatch(document.source, batch);
          batch = [];
        }
      }
      count += await this.insertBatch(document.source, batch);
      this.db
        .prepare(
          "INSERT INTO documents(source, hash, passages, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(source) DO UPDATE SET hash = excluded.hash, passages = excluded.passages, updated_at = excluded.updated_at",
        )
        .run(document.source, document.hash, count, new Date().toISOString());
      this.db.exec("COMMIT");
    } catch (error) {
      if (this.db.inTransaction) this.db.exec("ROLLBACK");
      throw error;
    } finally {
      this.forgetCaches();
    }
    return existing ? "updated" : "added";
  }

  private async insertBatch(document: string, passages: Passage[]): Promise<number> {
    if (passages.length === 0) return 0;
    const insert = this.statement(
      "INSERT INTO passages(id, document, source, text, context, span, metadata, length) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    );
    const rowids: number[] = [];
    for (const passage of passages) {
      const context = typeof passage.metadata?.context === "string" ? passage.metadata.context : "";
      const length = termCount(context) + termCount(passage.text);
      const info = insert.run(
        passage.id,
        document,
        passage.source,
        passage.text,
        context,
        passage.span ? JSON.stringify(passage.span) : null,
        passage.metadata ? JSON.stringify(passage.metadata) : null,
        length,
      );
      rowids.push(Number(info.lastInsertRowid));
    }
    if (this.vectors)
      await this.vectors.insert(
        rowids,
        passages.map((passage) => passage.text),
      );
    return passages.length;
  }

  async deleteDocument(source: string): Promise<number> {
    await this.writing;
    const removed = this.db.transaction(() => {
      const info = this.db.prepare("DELETE FROM passages WHERE document = ?").run(source);
      this.db.prepare("DELETE FROM documents WHERE source = ?").run(source);
      return info.changes;
    })();
    this.forgetCaches();
    return removed;
  }

  async listDocuments(): Promise<{ source: string; hash: string; passages: number }[]> {
    return this.db.prepare("SELECT source, hash, passages FROM documents ORDER BY source").all() as {
      source: string;
      hash: string;
      passages: number;
    }[];
  }

  async countPassages(): Promise<number> {
    return (this.db.prepare("SELECT count(*) AS n FROM passages").get() as { n: number }).n;
  }

  /** Merges FTS5 index segments; worth it after a bulk build. */
  optimize(): void {
    this.db.exec("INSERT INTO passages_fts(passages_fts) VALUES ('optimize')");
    this.db.pragma("wal_checkpoint(TRUNCATE)");
  }

  /** PRAGMA integrity_check plus FTS5's own check; "ok" when intact. */
  checkIntegrity(): string {
    const result = this.db.pragma("integrity_check", { simple: true }) as string;
    this.db.exec("INSERT INTO passages_fts(passages_fts, rank) VALUES ('integrity-check', 1)");
    return result;
  }

  async close(): Promise<void> {
    await this.writing;
    if (this.db.open) this.db.close();
  }
}

/** Quotes a term for an FTS5 MATCH expression. */
function quoteTerm(term: string): string {
  return `"${term.replaceAll('"', '""')}"`;
}

function toPassage(row: PassageRow): Passage {
  const passage: Passage = { id: row.id, source: row.source, text: row.text };
  if (row.span) passage.span = JSON.parse(row.span);
  if (row.metadata) passage.metadata = JSON.parse(row.metadata);
  return passage;
}
