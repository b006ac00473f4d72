/**
 * JSON, JSONL and CSV: one section per record, rendered by a template (template.ts). JSONL and CSV are
 * streamed; a JSON file is an array of records, an object holding one array, or a single record.
 */
import { readFile } from "node:fs/promises";
import { InvalidInputError } from "../../errors.ts";
import { fileError, readLines } from "./lines.ts";
import type { Section } from "./section.ts";
import { asRecord, type DataRecord, recordMetadata, renderRecord } from "./template.ts";

function recordSection(
  record: DataRecord,
  template: string | undefined,
  startLine: number,
  endLine: number,
): Section {
  return {
    text: renderRecord(record, template),
    context: "",
    span: { startLine, endLine },
    metadata: recordMetadata(record),
    standalone: true,
  };
}

export async function* readJsonlSections(path: string, template?: string): AsyncGenerator<Section> {
  for await (const line of readLines(path)) {
    if (line.text.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line.text);
    } catch (cause) {
      throw new InvalidInputError(`${path}: line ${line.number} is not valid JSON`, {
        cause,
        expected: "one JSON object per line",
      });
    }
    yield recordSection(asRecord(value, `${path}: line ${line.number}`), template, line.number, line.number);
  }
}

export async function readJsonSections(path: string, template?: string): Promise<Section[]> {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(await readFile(path));
  } catch (cause) {
    if (cause instanceof TypeError)
      throw new InvalidInputError(`${path}: invalid UTF-8`, { cause, expected: "a UTF-8 JSON file" });
    throw fileError(path, cause);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new InvalidInputError(`${path} is not valid JSON: ${(cause as Error).message}`, {
      cause,
      expected: "a JSON array of records",
    });
  }
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const arrays = Object.values(value).filter(Array.isArray);
    if (arrays.length === 1) value = arrays[0];
  }
  const items = Array.isArray(value) ? value : [value];
  return items.map((item, index) =>
    recordSection(asRecord(item, `${path}: record ${index + 1}`), template, 1, 1),
  );
}

/** Splits one CSV row into fields (RFC 4180: quoted fields may hold commas, doubled quotes, newlines). */
export function parseCsvRow(text: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"' && field === "") quoted = true;
    else if (char === ",") {
      fields.push(field);
      field = "";
    } else field += char;
  }
  fields.push(field);
  return fields;
}

/** CSV with a header row; each row is a record. Streamed line by line. */
export async function* readCsvSections(path: string, template?: string): AsyncGenerator<Section> {
  let header: string[] | undefined;
  let rowStart = 1;
  let carry: string | undefined;
  for await (const line of readLines(path)) {
    const text = carry === undefined ? line.text : `${carry}\n${line.text}`;
    if (carry === undefined) rowStart = line.number;
    if (unclosed(text)) {
      carry = text;
      continue;
    }
    carry = undefined;
    const row = parseCsvRow(text);
    if (!header) {
      header = row.map((name) => name.trim());
      continue;
    }
    if (row.length === 1 && row[0] === "") continue;
    if (row.length !== header.length) {
      throw new InvalidInputError(
        `${path}: line ${rowStart} has ${row.length} fields, the header has ${header.length}`,
        {
          expected: "the same number of fields in every row",
        },
      );
    }
    const record: DataRecord = {};
    for (let index = 0; index < header.length; index++) record[header[index]] = typedField(row[index]);
    yield recordSection(record, template, rowStart, line.number);
  }
  if (carry !== undefined) {
    throw new InvalidInputError(`${path}: a quoted field starting on line ${rowStart} is never closed`, {
      expected: 'a closing "',
    });
  }
}

/** Whether a CSV row's text ends inside a quoted field. */
function unclosed(text: string): boolean {
  let quoted = false;
  let fieldStart = true;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') index++;
      else if (char === '"') quoted = false;
    } else if (char === '"' && fieldStart) quoted = true;
    fieldStart = !quoted && (char === "," || char === "\n");
  }
  return quoted;
}

/** "472317" → 472317, "true" → true; other text stays text. */
function typedField(value: string): string | number | boolean {
  if (/^-?(0|[1-9]\d*)(\.\d+)?$/.test(value) && value.length < 16) return Number(value);
  if (value === "true" || value === "false") return value === "true";
  return value;
}
