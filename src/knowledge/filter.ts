/**
 * Metadata filters: `{kind: "city", country: "FR"}` keeps passages whose metadata has exactly those
 * values; `source` takes a glob (`docs/**`, `*.md`). Parsed from the command line as `key=value,…`.
 */
import { InvalidInputError } from "../errors.ts";

export type Filter = Record<string, string | number | boolean>;

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks a filter's field names (they become JSON paths in SQL) and value types. */
export function validateFilter(filter: Filter | undefined): Filter {
  if (!filter) return {};
  for (const [field, value] of Object.entries(filter)) {
    if (!FIELD_NAME.test(field)) {
      throw new InvalidInputError(`filter field '${field}' is not a plain name`, {
        expected: "letters, digits and underscores, such as kind or country",
      });
    }
    if (!["string", "number", "boolean"].includes(typeof value)) {
      throw new InvalidInputError(`filter field '${field}' has a ${typeof value} value`, {
        expected: "a string, number or boolean",
      });
    }
  }
  return filter;
}

/** "kind=city,country=FR,population=472317,capital=true" → {kind: "city", …}; numbers and booleans typed. */
export function parseFilter(text: string): Filter {
  const filter: Filter = {};
  for (const part of text.split(",").filter((piece) => piece.trim() !== "")) {
    const equals = part.indexOf("=");
    if (equals <= 0) {
      throw new InvalidInputError(`filter '${part}' has no field name`, {
        expected: "field=value, e.g. kind=city",
      });
    }
    const field = part.slice(0, equals).trim();
    const raw = part.slice(equals + 1).trim();
    filter[field] =
      raw === "true" ? true : raw === "false" ? false : /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
  }
  return validateFilter(filter);
}

/** Converts a glob (`*`, `**`, `?`) to an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  let pattern = "";
  for (let index = 0; index < glob.length; index++) {
    const char = glob[index];
    if (char === "*" && glob[index + 1] === "*") {
      pattern += ".*";
      index++;
      if (glob[index + 1] === "/") index++;
    } else if (char === "*") pattern += "[^/]*";
    else if (char === "?") pattern += "[^/]";
    else pattern += char.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${pattern}$`);
}

/** Whether a passage's source and metadata satisfy a filter. `source` globs match the whole source or its end. */
export function matchesFilter(
  passage: { source: string; metadata?: Record<string, string | number | boolean> },
  filter: Filter,
): boolean {
  for (const [field, value] of Object.entries(filter)) {
    if (field === "source") {
      const pattern = globToRegExp(String(value));
      if (
        !pattern.test(passage.source) &&
        !passage.source.split("/").some((_, index, parts) => pattern.test(parts.slice(index).join("/")))
      )
        return false;
    } else if (passage.metadata?.[field] !== value) return false;
  }
  return true;
}

/** The number of hits asked for: a whole number from 1 (default 10). */
export function checkK(k: number | undefined): number {
  if (k === undefined) return 10;
  if (!Number.isInteger(k) || k < 1)
    throw new InvalidInputError(`k is ${k}`, { expected: "a whole number of hits, 1 or more" });
  return k;
}
