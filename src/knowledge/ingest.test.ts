import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { packageRoot } from "../paths.ts";
import { ingestPaths } from "./ingest.ts";
import { SqliteKnowledgeStore } from "./sqlite-store.ts";

const dir = mkdtempSync(join(tmpdir(), "cogcore-ingest-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tree(name: string, files: Record<string, string | Buffer>): string {
  const root = join(dir, name);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

describe("ingestPaths", () => {
  it("ingests a folder by type and globs, skips unchanged files, replaces changed ones, prunes removed ones", async () => {
    const root = tree("docs", {
      "guide.md": "# Guide\n\nThe calculator adds numbers.\n",
      "notes/today.txt": "Lyon is on the Rhône.\n",
      "notes/skip.log": "not a known type\n",
      "data/cities.csv": "name,population\nLyon,472317\nNice,342669\n",
      ".hidden/secret.txt": "hidden\n",
      "node_modules/x/readme.md": "dependency\n",
    });
    const store = new SqliteKnowledgeStore(join(dir, "docs.sqlite"));
    const first = await ingestPaths(store, [root], { quiet: true });
    expect(first).toMatchObject({ files: 3, added: 3, updated: 0, unchanged: 0, failures: [] });
    expect(first.passages).toBe(4);
    const [lyon] = await store.search("Lyon population", { filter: { format: "csv" } });
    expect(lyon.text).toBe("Name: Lyon. Population: 472317.");
    expect(lyon.metadata).toMatchObject({ name: "Lyon", population: 472317 });
    expect((await store.search("calculator"))[0]).toMatchObject({
      source: join(root, "guide.md"),
      span: { startLine: 3, endLine: 3 },
    });

    expect(await ingestPaths(store, [root], { quiet: true })).toMatchObject({
      unchanged: 3,
      added: 0,
      updated: 0,
      passages: 0,
    });
    const only = await ingestPaths(store, [root], { include: ["*.md"], exclude: ["notes/**"], quiet: true });
    expect(only.files).toBe(1);

    writeFileSync(join(root, "guide.md"), "# Guide\n\nThe calculator multiplies numbers.\n");
    unlinkSync(join(root, "notes/today.txt"));
    const second = await ingestPaths(store, [root], { prune: true, quiet: true });
    expect(second).toMatchObject({ files: 2, updated: 1, unchanged: 1, removed: 1 });
    expect(await store.search("adds")).toEqual([]);
    expect(await store.search("Rhône")).toEqual([]);
    expect((await store.search("multiplies")).length).toBe(1);
    await store.close();
  });

  it("reports invalid UTF-8 and malformed files with typed errors, ingests the rest, keeps nothing partial", async () => {
    const root = tree("mixed", {
      "good.txt": "A good file about Lyon.\n",
      "bad.txt": Buffer.concat([
        Buffer.from("first paragraph is fine\n\nsecond is not: caf"),
        Buffer.from([0xe9, 0x0a]),
      ]),
      "bad.jsonl": '{"name": "ok"}\n{"name": \n',
    });
    const store = new SqliteKnowledgeStore(join(dir, "mixed.sqlite"));
    const report = await ingestPaths(store, [root], { quiet: true });
    expect(report.added).toBe(1);
    expect(report.failures.map((failure) => [failure.path.split("/").pop(), failure.error.code])).toEqual([
      ["bad.jsonl", "invalid_input"],
      ["bad.txt", "invalid_input"],
    ]);
    expect(report.failures[1].error.message).toMatch(/invalid UTF-8 in line 3/);
    expect((await store.listDocuments()).map((document) => document.source)).toEqual([
      join(root, "good.txt"),
    ]);
    expect(await store.search("paragraph")).toEqual([]);
    await expect(ingestPaths(store, [join(root, "absent.txt")], { quiet: true })).rejects.toThrow(
      /does not exist/,
    );
    await store.close();
  });

  it("reports an unreadable file as permission denied", () => {
    const root = tree("locked", { "open.txt": "readable\n", "locked.txt": "secret\n" });
    chmodSync(join(root, "locked.txt"), 0o000);
    chmodSync(dir, 0o755);
    chmodSync(root, 0o777);
    const asRoot = process.getuid?.() === 0;
    const result = spawnSync(
      process.execPath,
      [join(packageRoot, "bin", "cogcore.mjs"), "ingest", root, "--kb", join(root, "kb.sqlite"), "--json"],
      {
        encoding: "utf8",
        env: { ...process.env, COGCORE_QUIET: "1", HOME: root },
        ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
      },
    );
    expect(result.stdout + result.stderr).toMatch(/permission denied/);
    expect(result.status).toBe(77);
    const output = JSON.parse(result.stdout);
    expect(output.error.code).toBe("permission_denied");
    expect(output.error.message).toMatch(/1 of 2 files could not be ingested .*locked\.txt cannot be read/);
  });

  it("survives SIGKILL mid-ingest: the base stays valid, and a rerun completes it with no duplicate", async () => {
    const files: Record<string, string> = {};
    const paragraphs = (index: number) =>
      Array.from(
        { length: 12 },
        (_, part) => `Document ${index} part ${part} mentions token${index}x${part}.`,
      ).join("\n\n");
    for (let index = 0; index < 1200; index++)
      files[`f${String(index).padStart(4, "0")}.txt`] = paragraphs(index);
    const root = tree("many", files);
    const database = join(dir, "killed.sqlite");
    const args = [
      join(packageRoot, "bin", "cogcore.mjs"),
      "ingest",
      root,
      "--kb",
      database,
      "--chunk-tokens",
      "8",
      "--overlap",
      "0",
    ];
    const child = spawn(process.execPath, args, {
      env: { ...process.env, COGCORE_QUIET: "1" },
      stdio: "ignore",
    });
    const committed = await new Promise<number>((resolve, reject) => {
      const timer = setInterval(() => {
        try {
          const db = new Database(database, { readonly: true, fileMustExist: true });
          const count = (db.prepare("SELECT count(*) AS n FROM documents").get() as { n: number }).n;
          db.close();
          if (count >= 50) {
            clearInterval(timer);
            child.kill("SIGKILL");
            resolve(count);
          }
        } catch {}
      }, 5);
      child.once("exit", () => {
        clearInterval(timer);
        reject(new Error("the ingest finished before it could be killed"));
      });
    });
    await new Promise((resolve) => child.once("exit", resolve));
    expect(committed).toBeLessThan(1200);
    const store = new SqliteKnowledgeStore(database);
    expect(store.checkIntegrity()).toBe("ok");
    const before = await store.listDocuments();
    expect(before.length).toBeLessThan(1200);
    expect(await store.countPassages()).toBe(before.reduce((sum, document) => sum + document.passages, 0));
    const report = await ingestPaths(store, [root], {
      chunk: { targetTokens: 8, overlapTokens: 0 },
      quiet: true,
    });
    expect(report.unchanged).toBe(before.length);
    expect(report.added).toBe(1200 - before.length);
    expect(await store.countPassages()).toBe(1200 * 12);
    const [hit] = await store.search("token1199x11");
    expect(hit.text).toBe("Document 1199 part 11 mentions token1199x11.");
    expect(store.checkIntegrity()).toBe("ok");
    await store.close();
  }, 120_000);
});
