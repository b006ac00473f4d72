/**
 * Dense vectors beside the FTS index: a sqlite-vec `vec0` table keyed by the passage's rowid, created
 * when the first vectors arrive (their length fixes the dimension). The embedding model's id is kept in
 * `settings`, and a knowledge base refuses vectors from another model.
 */
import type Database from "better-sqlite3";
import { ConfigError } from "../errors.ts";
import type { Embedder } from "./embeddings.ts";

interface EmbeddingRecord {
  id: string;
  dimensions: number;
}

export class SqliteVectors {
  private readonly db: Database.Database;
  private readonly embedder: Embedder;

  constructor(db: Database.Database, embedder: Embedder) {
    this.db = db;
    this.embedder = embedder;
    const stored = this.stored();
    if (stored && stored.id !== embedder.id) {
      throw new ConfigError(`this knowledge base holds vectors of '${stored.id}', not '${embedder.id}'`, {
        expected: "the embedding model the knowledge base was built with, or a new knowledge base",
      });
    }
  }

  private stored(): EmbeddingRecord | undefined {
    const row = this.db.prepare("SELECT value FROM settings WHERE key = 'embedding'").get() as
      | { value: string }
      | undefined;
    return row ? (JSON.parse(row.value) as EmbeddingRecord) : undefined;
  }

  private ensureTable(dimensions: number): void {
    const stored = this.stored();
    if (stored) {
      if (stored.dimensions !== dimensions) {
        throw new ConfigError(
          `the embedding model returned ${dimensions} dimensions, the knowledge base has ${stored.dimensions}`,
          {
            expected: "vectors of one length",
          },
        );
      }
      return;
    }
    this.db.exec(`CREATE VIRTUAL TABLE passage_vectors USING vec0(embedding float[${dimensions}] distance_metric=cosine);
      CREATE TRIGGER passages_vectors_after_delete AFTER DELETE ON passages BEGIN
        DELETE FROM passage_vectors WHERE rowid = old.rowid;
      END;`);
    this.db
      .prepare("INSERT INTO settings(key, value) VALUES ('embedding', ?)")
      .run(JSON.stringify({ id: this.embedder.id, dimensions } satisfies EmbeddingRecord));
  }

  /** Embeds the texts and stores one vector per rowid (inside the caller's transaction). */
  async insert(rowids: number[], texts: string[]): Promise<void> {
    const vectors = await this.embedder.embed(texts);
    if (vectors.length === 0) return;
    this.ensureTable(vectors[0].length);
    const insert = this.db.prepare("INSERT INTO passage_vectors(rowid, embedding) VALUES (?, ?)");
    vectors.forEach((vector, index) => {
      insert.run(BigInt(rowids[index]), Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength));
    });
  }

  /** Rowids of the k nearest passages, nearest first; none before any vector is stored. */
  async search(query: string, k: number): Promise<number[]> {
    if (!this.stored()) return [];
    const [vector] = await this.embedder.embed([query]);
    const rows = this.db
      .prepare("SELECT rowid FROM passage_vectors WHERE embedding MATCH ? AND k = ? ORDER BY distance")
      .all(Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength), k) as { rowid: number }[];
    return rows.map((row) => Number(row.rowid));
  }
}
