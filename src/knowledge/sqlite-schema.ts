/**
 * Opening a cogcore SQLite knowledge base: WAL mode, the schema, and the checks that turn a corrupt or
 * foreign file into a typed error before anything is written to it.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import Database from "better-sqlite3";
import { CorruptFileError, NotFoundError } from "../errors.ts";

/** PRAGMA application_id of a cogcore knowledge base: "cogk" in ASCII. */
export const APPLICATION_ID = 0x636f676b;
export const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS documents (
  source TEXT PRIMARY KEY,     -- file path or package name
  hash TEXT NOT NULL,          -- content hash; unchanged means skip
  passages INTEGER NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS passages (
  rowid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  document TEXT NOT NULL,      -- documents.source
  source TEXT NOT NULL,
  text TEXT NOT NULL,
  context TEXT NOT NULL DEFAULT '',  -- headings or title, searchable with the text
  span TEXT,                   -- JSON Span
  metadata TEXT,               -- JSON object
  length INTEGER NOT NULL      -- terms in context + text, for BM25
);
CREATE INDEX IF NOT EXISTS passages_document ON passages(document);
CREATE VIRTUAL TABLE IF NOT EXISTS passages_fts USING fts5(
  text, context, content='passages', content_rowid='rowid', tokenize="unicode61 remove_diacritics 2"
);
CREATE VIRTUAL TABLE IF NOT EXISTS passages_vocab USING fts5vocab(passages_fts, 'row');
CREATE TRIGGER IF NOT EXISTS passages_after_insert AFTER INSERT ON passages BEGIN
  INSERT INTO passages_fts(rowid, text, context) VALUES (new.rowid, new.text, new.context);
END;
CREATE TRIGGER IF NOT EXISTS passages_after_delete AFTER DELETE ON passages BEGIN
  INSERT INTO passages_fts(passages_fts, rowid, text, context) VALUES ('delete', old.rowid, old.text, old.context);
END;
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

const SQLITE_HEADER = "SQLite format 3\u0000";

export interface OpenDatabaseOptions {
  /** Open without creating or writing. Default false. */
  readonly?: boolean;
}

/** Opens (creating when missing, unless read-only) a knowledge base file and checks it is one. */
export function openKnowledgeDatabase(path: string, options: OpenDatabaseOptions = {}): Database.Database {
  const exists = path !== ":memory:" && existsSync(path);
  if (!exists && options.readonly) {
    throw new NotFoundError(`knowledge base ${path} does not exist`, {
      expected: "a file made by 'cogcore ingest' or 'cogcore kb build'",
    });
  }
  if (exists) checkHeader(path);
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: options.readonly ?? false });
  } catch (cause) {
    throw new CorruptFileError("cannot open as an SQLite database", {
      path,
      cause,
      expected: "a cogcore knowledge base",
    });
  }
  try {
    return prepare(db, path, exists, options.readonly ?? false);
  } catch (error) {
    db.close();
    throw error;
  }
}

function checkHeader(path: string): void {
  if (statSync(path).size === 0) return;
  const header = Buffer.alloc(16);
  const descriptor = openSync(path, "r");
  try {
    readSync(descriptor, header, 0, 16, 0);
  } finally {
    closeSync(descriptor);
  }
  if (header.toString("latin1") !== SQLITE_HEADER) {
    throw new CorruptFileError("is not an SQLite database (its first bytes are not the SQLite header)", {
      path,
      expected: "a cogcore knowledge base made by 'cogcore ingest' or 'cogcore kb build'",
    });
  }
}

function prepare(
  db: Database.Database,
  path: string,
  existed: boolean,
  readonly: boolean,
): Database.Database {
  try {
    const applicationId = db.pragma("application_id", { simple: true }) as number;
    const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master").get() as { n: number };
    if (existed && tables.n > 0 && applicationId !== APPLICATION_ID) {
      throw new CorruptFileError(
        "is an SQLite database of another application, not a cogcore knowledge base",
        {
          path,
          expected: "a file made by 'cogcore ingest' or 'cogcore kb build', or a new path",
        },
      );
    }
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new CorruptFileError(
        `has schema version ${version}, newer than this cogcore's ${SCHEMA_VERSION}`,
        {
          path,
          expected: "a knowledge base made by this version of cogcore",
        },
      );
    }
    if (!readonly) {
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
      db.pragma("busy_timeout = 5000");
      db.exec(SCHEMA);
      db.pragma(`application_id = ${APPLICATION_ID}`);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }
    return db;
  } catch (cause) {
    if (cause instanceof CorruptFileError) throw cause;
    const code = (cause as { code?: string }).code ?? "";
    if (code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT") {
      throw new CorruptFileError("is corrupt", { path, cause, expected: "an intact cogcore knowledge base" });
    }
    throw cause;
  }
}
