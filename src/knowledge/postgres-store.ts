/**
 * The knowledge store for more than one machine: PostgreSQL through `pg`, behind the same interface as
 * the SQLite store. Ranking is BM25 from cogcore's own term statistics (postings with term frequencies,
 * document frequencies, passage lengths), planned and rescored exactly as in ranking.ts, so both stores
 * rank alike; PostgreSQL's `ts_rank` is not used.
 */
import { createHash } from "node:crypto";
import pg from "pg";
import { CogcoreError, type CogcoreErrorOptions } from "../errors.ts";
import { checkK, type Filter, globToRegExp, validateFilter } from "./filter.ts";
import {
  BM25_B,
  BM25_K1,
  type CollectionStatistics,
  gatherCandidates,
  inverseDocumentFrequency,
  rankCandidates,
} from "./ranking.ts";
import { highlightSnippet } from "./snippet.ts";
import { queryTerms, tokenize } from "./tokenize.ts";
import type {
  DocumentInput,
  Hit,
  Passage,
  SearchOptions,
  UpsertOutcome,
  WritableKnowledgeStore,
} from "./types.ts";

/** The PostgreSQL server could not be reached or refused the connection. */
export class DatabaseUnavailableError extends CogcoreError {
  override readonly code = "database_unavailable";
  override readonly exitCode = 69;
  override readonly isRetryable = true;
  constructor(message: string, options: CogcoreErrorOptions = {}) {
    super(message, options);
  }
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS cogcore_documents (
  source TEXT PRIMARY KEY, hash TEXT NOT NULL, passages INTEGER NOT NULL, updated_at TIMESTAMPTZ NOT NULL);
CREATE TABLE IF NOT EXISTS cogcore_passages (
  rowid BIGSERIAL PRIMARY KEY, id TEXT NOT NULL UNIQUE, document TEXT NOT NULL, source TEXT NOT NULL,
  text TEXT NOT NULL, context TEXT NOT NULL DEFAULT '', span JSONB, metadata JSONB, length INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS cogcore_passages_document ON cogcore_passages(document);
CREATE TABLE IF NOT EXISTS cogcore_postings (
  term TEXT NOT NULL, passage BIGINT NOT NULL REFERENCES cogcore_passages(rowid) ON DELETE CASCADE,
  frequency INTEGER NOT NULL, PRIMARY KEY (term, passage));
CREATE INDEX IF NOT EXISTS cogcore_postings_passage ON cogcore_postings(passage);
CREATE TABLE IF NOT EXISTS cogcore_terms (term TEXT PRIMARY KEY, documents INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS cogcore_statistics (
  id INTEGER PRIMARY KEY CHECK (id = 1), documents BIGINT NOT NULL, total_length BIGINT NOT NULL);
INSERT INTO cogcore_statistics VALUES (1, 0, 0) ON CONFLICT DO NOTHING;
`;

/** Serialises writers: every write transaction takes this advisory lock first. */
const WRITE_LOCK = 0x636f676b;
const INSERT_BATCH = 500;

interface PassageRow {
  rowid: string;
  id: string;
  source: string;
  text: string;
  context: string;
  span: Passage["span"] | null;
  metadata: Passage["metadata"] | null;
  length: number;
}

export class PostgresKnowledgeStore implements WritableKnowledgeStore {
  private readonly pool: pg.Pool;

  private constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  /** Connects, creates the tables when missing, and returns the store. */
  static async connect(connectionString: string): Promise<PostgresKnowledgeStore> {
    const pool = new pg.Pool({ connectionString, max: 4 });
    try {
      await pool.query(SCHEMA);
    } catch (cause) {
      await pool.end();
      throw new DatabaseUnavailableError(`cannot use the PostgreSQL database: ${(cause as Error).message}`, {
        cause,
        expected: "a reachable PostgreSQL server and a role allowed to create tables",
      });
    }
    return new PostgresKnowledgeStore(pool);
  }

  async search(query: string, options: SearchOptions = {}): Promise<Hit[]> {
    const k = checkK(options.k);
    const filter = validateFilter(options.filter);
    const terms = queryTerms(query);
    if (terms.length === 0) return [];
    const { frequencies, statistics } = await this.termStatistics(terms);
    const frequency = (term: string) => frequencies.get(term) ?? 0;
    const scoring = { frequency, statistics, filter };
    const fetch = (stepTerms: string[], mode: "and" | "or", limit: number) =>
      this.candidates(stepTerms, mode === "and", { ...scoring, limit });
    const gathered = await gatherCandidates(terms, frequency, statistics, k, fetch, (row) => row.rowid);
    const ranked = rankCandidates(
      gathered.rows,
      gathered.terms,
      frequency,
      statistics,
      new Set(tokenize(query)),
    );
    return ranked.slice(0, k).map(({ candidate, score }) => {
      const hit: Hit = { ...toPassage(candidate), score };
      if (options.highlight) hit.snippet = highlightSnippet(candidate.text, terms);
      return hit;
    });
  }

  /** Passages holding all (`every`) or any of the terms, best BM25 over those terms first. */
  private async candidates(
    terms: string[],
    every: boolean,
    scoring: {
      frequency: (term: string) => number;
      statistics: CollectionStatistics;
      filter: Filter;
      limit: number;
    },
  ): Promise<PassageRow[]> {
    const { statistics, filter } = scoring;
    const idf = terms.map((term) => inverseDocumentFrequency(scoring.frequency(term), statistics.documents));
    const parameters: unknown[] = [terms, idf, statistics.averageLength || 1, scoring.limit];
    const conditions: string[] = [];
    const fields = Object.fromEntries(Object.entries(filter).filter(([field]) => field !== "source"));
    if (Object.keys(fields).length > 0) {
      parameters.push(JSON.stringify(fields));
      conditions.push(`x.metadata @> $${parameters.length}::jsonb`);
    }
    if (filter.source !== undefined) {
      parameters.push(`(^|/)${globToRegExp(String(filter.source)).source.slice(1)}`);
      conditions.push(`x.source ~ $${parameters.length}`);
    }
    // For AND, start from the rarest term's postings and probe the others by (term, passage).
    let seed = "";
    if (every) {
      parameters.push([...terms].sort((a, b) => scoring.frequency(a) - scoring.frequency(b))[0]);
      seed = `JOIN (SELECT passage FROM cogcore_postings WHERE term = $${parameters.length}) s ON s.passage = p.passage`;
    }
    const sql = `
      WITH q(term, idf) AS (SELECT * FROM unnest($1::text[], $2::float8[])),
      c AS (
        SELECT p.passage, sum(q.idf * p.frequency * ${BM25_K1 + 1} /
          (p.frequency + ${BM25_K1} * (1 - ${BM25_B} + ${BM25_B} * x.length / $3::float8))) AS score
        FROM cogcore_postings p ${seed} JOIN q ON q.term = p.term JOIN cogcore_passages x ON x.rowid = p.passage
        GROUP BY p.passage ${every ? `HAVING count(*) = ${terms.length}` : ""})
      SELECT x.rowid, x.id, x.source, x.text, x.context, x.span, x.metadata, x.length
      FROM c JOIN cogcore_passages x ON x.rowid = c.passage
      ${conditions.length > 0 ? `WHERE ${conditions.join(" AND ")}` : ""}
      ORDER BY c.score DESC, x.rowid LIMIT $4`;
    // Named, so each connection plans a statement once (planning costs more than running it).
    const name = `cogcore_candidates_${createHash("sha1").update(sql).digest("hex").slice(0, 16)}`;
    return (await this.pool.query<PassageRow>({ name, text: sql, values: parameters })).rows;
  }

  /** The terms' document frequencies and the collection's size, in one round trip. */
  private async termStatistics(
    terms: string[],
  ): Promise<{ frequencies: Map<string, number>; statistics: CollectionStatistics }> {
    const row = (
      await this.pool.query<{
        frequencies: Record<string, number> | null;
        documents: string;
        total_length: string;
      }>({
        name: "cogcore_term_statistics",
        text: `SELECT (SELECT json_object_agg(term, documents) FROM cogcore_terms WHERE term = ANY($1::text[])) AS frequencies,
          documents, total_length FROM cogcore_statistics WHERE id = 1`,
        values: [terms],
      })
    ).rows[0];
    const documents = Number(row.documents);
    return {
      frequencies: new Map(Object.entries(row.frequencies ?? {})),
      statistics: { documents, averageLength: documents > 0 ? Number(row.total_length) / documents : 0 },
    };
  }

  async get(id: string): Promise<Passage | undefined> {
    const result = await this.pool.query<PassageRow>("SELECT * FROM cogcore_passages WHERE id = $1", [id]);
    return result.rows[0] ? toPassage(result.rows[0]) : undefined;
  }

  async upsertDocument(document: DocumentInput): Promise<UpsertOutcome> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock($1)", [WRITE_LOCK]);
      const existing = await client.query<{ hash: string }>(
        "SELECT hash FROM cogcore_documents WHERE source = $1",
        [document.source],
      );
      if (existing.rows[0]?.hash === document.hash) {
        await client.query("ROLLBACK");
        return "unchanged";
      }
      await removePassages(client, document.source);
      let count = 0;
      let batch: Passage[] = [];
      for await (const passage of document.passages) {
        batch.push(passage);
        if (batch.length >= INSERT_BATCH) {
          count += await insertBatch(client, document.source, batch);
          batch = [];
        }
      }
      count += await insertBatch(client, document.source, batch);
      await client.query(
        `INSERT INTO cogcore_documents VALUES ($1, $2, $3, now()) ON CONFLICT (source)
         DO UPDATE SET hash = excluded.hash, passages = excluded.passages, updated_at = excluded.updated_at`,
        [document.source, document.hash, count],
      );
      await client.query("COMMIT");
      // Fresh planner statistics after a bulk write, so searches use the indexes.
      if (count >= 1000)
        await client.query("ANALYZE cogcore_postings; ANALYZE cogcore_passages; ANALYZE cogcore_terms");
      return existing.rows.length > 0 ? "updated" : "added";
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async deleteDocument(source: string): Promise<number> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock($1)", [WRITE_LOCK]);
      const removed = await removePassages(client, source);
      await client.query("DELETE FROM cogcore_documents WHERE source = $1", [source]);
      await client.query("COMMIT");
      return removed;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async listDocuments(): Promise<{ source: string; hash: string; passages: number }[]> {
    return (await this.pool.query("SELECT source, hash, passages FROM cogcore_documents ORDER BY source"))
      .rows;
  }

  async countPassages(): Promise<number> {
    return Number((await this.pool.query("SELECT count(*) AS n FROM cogcore_passages")).rows[0].n);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** Deletes a document's passages and takes them out of the term statistics. */
async function removePassages(client: pg.PoolClient, document: string): Promise<number> {
  await client.query(
    `UPDATE cogcore_terms t SET documents = t.documents - d.n FROM (
       SELECT p.term, count(*) AS n FROM cogcore_postings p JOIN cogcore_passages x ON x.rowid = p.passage
       WHERE x.document = $1 GROUP BY p.term) d
     WHERE t.term = d.term`,
    [document],
  );
  const removed = await client.query<{ length: number }>(
    "DELETE FROM cogcore_passages WHERE document = $1 RETURNING length",
    [document],
  );
  const total = removed.rows.reduce((sum, row) => sum + row.length, 0);
  await client.query(
    "UPDATE cogcore_statistics SET documents = documents - $1, total_length = total_length - $2 WHERE id = 1",
    [removed.rowCount ?? 0, total],
  );
  await client.query("DELETE FROM cogcore_terms WHERE documents <= 0");
  return removed.rowCount ?? 0;
}

/** Inserts passages, their postings and their share of the term statistics. */
async function insertBatch(client: pg.PoolClient, document: string, passages: Passage[]): Promise<number> {
  if (passages.length === 0) return 0;
  const columns: unknown[][] = [[], [], [], [], [], [], []];
  const counts: Map<string, number>[] = [];
  for (const passage of passages) {
    const context = typeof passage.metadata?.context === "string" ? passage.metadata.context : "";
    const tokens = tokenize(context ? `${context}\n${passage.text}` : passage.text);
    const frequencies = new Map<string, number>();
    for (const token of tokens) frequencies.set(token, (frequencies.get(token) ?? 0) + 1);
    counts.push(frequencies);
    const values: unknown[] = [
      passage.id,
      passage.source,
      passage.text,
      context,
      passage.span ? JSON.stringify(passage.span) : null,
      passage.metadata ? JSON.stringify(passage.metadata) : null,
      tokens.length,
    ];
    for (let index = 0; index < values.length; index++) columns[index].push(values[index]);
  }
  const inserted = await client.query<{ rowid: string }>(
    `INSERT INTO cogcore_passages(id, document, source, text, context, span, metadata, length)
     SELECT id, $1, source, text, context, span::jsonb, metadata::jsonb, length
     FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[])
       WITH ORDINALITY AS t(id, source, text, context, span, metadata, length, position)
     ORDER BY position RETURNING rowid`,
    [document, ...columns],
  );
  const postingTerms: string[] = [];
  const postingPassages: string[] = [];
  const postingFrequencies: number[] = [];
  inserted.rows.forEach((row, index) => {
    for (const [term, frequency] of counts[index]) {
      postingTerms.push(term);
      postingPassages.push(row.rowid);
      postingFrequencies.push(frequency);
    }
  });
  await client.query(
    "INSERT INTO cogcore_postings SELECT * FROM unnest($1::text[], $2::bigint[], $3::int[])",
    [postingTerms, postingPassages, postingFrequencies],
  );
  await client.query(
    `INSERT INTO cogcore_terms SELECT term, count(*) FROM unnest($1::text[]) AS t(term) GROUP BY term ORDER BY term
     ON CONFLICT (term) DO UPDATE SET documents = cogcore_terms.documents + excluded.documents`,
    [postingTerms],
  );
  const totalLength = (columns[6] as number[]).reduce((sum, length) => sum + length, 0);
  await client.query(
    "UPDATE cogcore_statistics SET documents = documents + $1, total_length = total_length + $2 WHERE id = 1",
    [passages.length, totalLength],
  );
  return passages.length;
}

function toPassage(row: PassageRow): Passage {
  const passage: Passage = { id: row.id, source: row.source, text: row.text };
  if (row.span) passage.span = row.span;
  if (row.metadata) passage.metadata = row.metadata;
  return passage;
}
