/**
 * Hybrid retrieval with an OpenAI-compatible embedding server. The server is a local stand-in that
 * answers in the real `/v1/embeddings` wire format (hosted APIs cannot be reached from tests); its
 * vectors put synonyms together, so a query with no word in common still finds its passage.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../errors.ts";
import { createEmbedder } from "./embeddings.ts";
import { SqliteKnowledgeStore } from "./sqlite-store.ts";
import { tokenize } from "./tokenize.ts";

const CONCEPTS: Record<string, number> = {
  car: 0,
  automobile: 0,
  vehicle: 0,
  red: 1,
  crimson: 1,
  river: 2,
  stream: 2,
  bread: 3,
  loaf: 3,
};
const requests: { model: string; input: string[] }[] = [];
let server: Server;
let baseURL: string;
const dir = mkdtempSync(join(tmpdir(), "cogcore-embed-"));

function embed(text: string): number[] {
  const vector = new Array(8).fill(0.01);
  for (const word of tokenize(text)) if (word in CONCEPTS) vector[CONCEPTS[word]] += 1;
  return vector;
}

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      const parsed = JSON.parse(body) as { model: string; input: string[] };
      requests.push(parsed);
      response.setHeader("content-type", "application/json");
      response.end(
        JSON.stringify({
          object: "list",
          data: parsed.input.map((text, index) => ({ object: "embedding", index, embedding: embed(text) })),
          model: parsed.model,
          usage: { prompt_tokens: 5, total_tokens: 5 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  baseURL = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/v1`;
});
afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

const PASSAGES = [
  { id: "car", source: "s", text: "The car is parked by the garage." },
  { id: "river", source: "s", text: "A stream runs through the valley." },
  { id: "bread", source: "s", text: "Fresh bread from the bakery." },
];

describe("hybrid search with an embedding model", () => {
  it("fuses vector and BM25 rankings, finding a passage by meaning alone", async () => {
    const embedder = createEmbedder({ provider: "openai", baseURL, model: "test-embed" });
    const path = join(dir, "hybrid.sqlite");
    const store = new SqliteKnowledgeStore(path, { embedder });
    await store.upsertDocument({ source: "s", hash: "1", passages: PASSAGES });
    expect(requests[0]).toEqual({
      model: "test-embed",
      input: PASSAGES.map((passage) => passage.text),
      encoding_format: "float",
    });
    expect((await store.search("automobile", { k: 1 })).map((hit) => hit.id)).toEqual(["car"]);
    expect((await store.search("river", { k: 1 })).map((hit) => hit.id)).toEqual(["river"]);
    await store.close();
    const plain = new SqliteKnowledgeStore(path);
    expect(await plain.search("automobile")).toEqual([]);
    expect((await plain.search("bakery")).map((hit) => hit.id)).toEqual(["bread"]);
    await plain.close();
  });

  it("drops vectors with their passages and refuses vectors of another model", async () => {
    const path = join(dir, "models.sqlite");
    const store = new SqliteKnowledgeStore(path, {
      embedder: createEmbedder({ provider: "openai", baseURL, model: "test-embed" }),
    });
    await store.upsertDocument({ source: "s", hash: "1", passages: PASSAGES });
    await store.upsertDocument({ source: "s", hash: "2", passages: PASSAGES.slice(0, 1) });
    await store.close();
    const db = new Database(path);
    (await import("sqlite-vec")).load(db);
    expect((db.prepare("SELECT count(*) AS n FROM passage_vectors").get() as { n: number }).n).toBe(1);
    db.close();
    const other = createEmbedder({ provider: "openai", baseURL, model: "other-model" });
    expect(() => new SqliteKnowledgeStore(path, { embedder: other })).toThrow(ConfigError);
  });

  it("asks for what each provider needs", () => {
    expect(() => createEmbedder({ provider: "openai" })).toThrow(/needs a model/);
    expect(() => createEmbedder({ provider: "llamacpp" })).toThrow(/GGUF/);
  });
});
