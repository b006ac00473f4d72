/**
 * Structured records to passages. The default template names every field in plain words
 * ("Name: Lyon. Population: 472317. Country code: FR."); a custom one fills `{field}` placeholders
 * ("{name} is a city in {country}."). Scalar fields are kept as metadata, so filters can use them.
 */
import { InvalidInputError } from "../../errors.ts";

export type RecordValue = string | number | boolean | null | RecordValue[] | { [field: string]: RecordValue };
export type DataRecord = Record<string, RecordValue>;

/** "countryCode" / "country_code" → "Country code". */
export function fieldWords(field: string): string {
  const words = field
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_\-.]+/g, " ")
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function valueText(value: RecordValue): string {
  if (value === null) return "";
  if (Array.isArray(value)) return value.map(valueText).filter(Boolean).join(", ");
  if (typeof value === "object") {
    return Object.entries(value)
      .map(([field, inner]) => `${fieldWords(field).toLowerCase()} ${valueText(inner)}`)
      .join(", ");
  }
  return String(value);
}

/** Renders a record with the default template or a `{field}` template (`{address.city}` reaches inside). */
export function renderRecord(record: DataRecord, template?: string): string {
  if (template) {
    return template.replace(/\{([^{}]+)\}/g, (_, path: string) => {
      let value: RecordValue | undefined = record;
      for (const part of path.split(".")) {
        value = value && typeof value === "object" && !Array.isArray(value) ? value[part] : undefined;
      }
      return value === undefined ? "" : valueText(value);
    });
  }
  return Object.entries(record)
    .map(([field, value]) => [fieldWords(field), valueText(value)])
    .filter(([, text]) => text !== "")
    .map(([words, text]) => `${words}: ${text}${/[.!?]$/.test(text) ? "" : "."}`)
    .join(" ");
}

/** The record's scalar fields, for metadata filters. */
export function recordMetadata(record: DataRecord): Record<string, string | number | boolean> {
  const metadata: Record<string, string | number | boolean> = {};
  for (const [field, value] of Object.entries(record)) {
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(field) && ["string", "number", "boolean"].includes(typeof value)) {
      metadata[field] = value as string | number | boolean;
    }
  }
  return metadata;
}

/** Checks that a parsed JSON value is a record (an object). */
export function asRecord(value: unknown, where: string): DataRecord {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidInputError(
      `${where} is ${Array.isArray(value) ? "an array" : typeof value}, not a record`,
      {
        expected: "a JSON object per record",
      },
    );
  }
  return value as DataRecord;
}
