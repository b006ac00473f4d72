/** Picks a reader by file extension; an unknown extension is read as plain text. */
import { extname } from "node:path";
import { readHtmlSections } from "./html.ts";
import { readPdfSections } from "./pdf.ts";
import { readCsvSections, readJsonlSections, readJsonSections } from "./records.ts";
import type { Section } from "./section.ts";
import { readTextSections } from "./text.ts";

export type DocumentFormat = "text" | "markdown" | "html" | "json" | "jsonl" | "csv" | "pdf";

const EXTENSIONS: Record<string, DocumentFormat> = {
  ".txt": "text",
  ".text": "text",
  ".md": "markdown",
  ".markdown": "markdown",
  ".html": "html",
  ".htm": "html",
  ".json": "json",
  ".jsonl": "jsonl",
  ".ndjson": "jsonl",
  ".csv": "csv",
  ".pdf": "pdf",
};

/** File extensions a folder walk picks up by default. */
export const SUPPORTED_EXTENSIONS = Object.keys(EXTENSIONS);

export function documentFormat(path: string): DocumentFormat {
  return EXTENSIONS[extname(path).toLowerCase()] ?? "text";
}

export interface ReadOptions {
  /** Template for records (JSON, JSONL, CSV); default: every field named in plain words. */
  template?: string;
}

/** The file's sections, streamed where the format allows. */
export async function* readSections(path: string, options: ReadOptions = {}): AsyncGenerator<Section> {
  const format = documentFormat(path);
  if (format === "text" || format === "markdown")
    yield* readTextSections(path, { markdown: format === "markdown" });
  else if (format === "html") yield* await readHtmlSections(path);
  else if (format === "json") yield* await readJsonSections(path, options.template);
  else if (format === "jsonl") yield* readJsonlSections(path, options.template);
  else if (format === "pdf") yield* await readPdfSections(path);
  else yield* readCsvSections(path, options.template);
}
