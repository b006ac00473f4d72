import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCogcore } from "../../test/helpers/cli.ts";
import { parseConfig } from "../config.ts";
import { ConfigError, NotFoundError } from "../errors.ts";
import { resolvePaths } from "../paths.ts";
import { openKnowledgeBase, resolveKnowledgeBase } from "./open.ts";

const dir = mkdtempSync(join(tmpdir(), "cogcore-open-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const config = parseConfig({
  dataDir: dir,
  knowledgeBases: {
    notes: { path: join(dir, "elsewhere.sqlite") },
    team: { store: "postgres", connectionString: "postgresql://kb:secret@db.example/knowledge" },
    broken: { store: "postgres" },
  },
});
const paths = resolvePaths(config);

describe("openKnowledgeBase", () => {
  it("resolves configured names, paths and plain names", () => {
    expect(resolveKnowledgeBase("notes", config, paths)).toMatchObject({
      engine: "sqlite",
      path: join(dir, "elsewhere.sqlite"),
    });
    expect(resolveKnowledgeBase("team", config, paths)).toMatchObject({ engine: "postgres" });
    expect(resolveKnowledgeBase("./here.sqlite", config, paths)).toMatchObject({
      path: resolve("here.sqlite"),
    });
    expect(resolveKnowledgeBase("docs", config, paths)).toMatchObject({
      path: join(dir, "kb", "docs.sqlite"),
    });
    expect(() => resolveKnowledgeBase("broken", config, paths)).toThrow(ConfigError);
  });

  it("creates a base only when asked, and says how to make a missing one", async () => {
    await expect(openKnowledgeBase("docs", { config, paths })).rejects.toThrow(NotFoundError);
    await expect(openKnowledgeBase("docs", { config, paths })).rejects.toThrow(
      /cogcore ingest PATH --kb docs/,
    );
    const created = await openKnowledgeBase("docs", { config, paths, create: true });
    expect(created).toMatchObject({
      name: "docs",
      engine: "sqlite",
      location: join(dir, "kb", "docs.sqlite"),
    });
    await created.close();
    await expect(openKnowledgeBase("world", { config, paths, build: false })).rejects.toThrow(
      /kb build world/,
    );
  });
});

describe("cogcore ingest and search", () => {
  it("ingests files and prints hits as one JSON object with spans", () => {
    const docs = join(dir, "docs");
    writeFileSync(join(dir, "readme.md"), "# Setup\n\nInstall with npm.\n\n# Usage\n\nRun cogcore search.\n");
    const database = join(dir, "cli.sqlite");
    const ingest = runCogcore(["ingest", join(dir, "readme.md"), "--kb", database, "--json"]);
    expect(ingest.status).toBe(0);
    expect(JSON.parse(ingest.stdout)).toMatchObject({
      kb: database,
      files: 1,
      added: 1,
      passages: 2,
      failures: [],
    });
    const search = runCogcore(["search", "install npm", "--kb", database, "--json"]);
    expect(search.status).toBe(0);
    expect(JSON.parse(search.stdout)).toEqual({
      hits: [
        {
          id: `${join(dir, "readme.md")}#0`,
          source: join(dir, "readme.md"),
          text: "Install with npm.",
          score: expect.any(Number),
          span: { startLine: 3, endLine: 3 },
        },
      ],
    });
    const filtered = runCogcore([
      "search",
      "cogcore",
      "--kb",
      database,
      "--filter",
      "context=Setup",
      "--json",
    ]);
    expect(JSON.parse(filtered.stdout).hits).toEqual([]);
    const missing = runCogcore(["search", "x", "--kb", join(docs, "absent.sqlite"), "--json"]);
    expect(missing.status).toBe(66);
    expect(JSON.parse(missing.stdout).error.code).toBe("not_found");
    const badK = runCogcore(["search", "x", "--kb", database, "--k", "0"]);
    expect(badK.status).toBe(65);
  }, 120_000);
});
