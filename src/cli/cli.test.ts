import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCogcore } from "../../test/helpers/cli.ts";
import { removeTempDirs, tempDir } from "../../test/helpers/temp-dir.ts";

const isolated = () => {
  const dir = tempDir("cogcore-cli-");
  return { dir, env: { XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir, XDG_CACHE_HOME: dir } };
};

afterAll(removeTempDirs);

describe("cogcore command line", () => {
  it("lists the registered commands in --help", () => {
    const result = runCogcore(["--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/cogcore ask <question>/);
    expect(result.stdout).toMatch(/cogcore config/);
  });

  it("rejects an unknown flag with a one-line message and exit code 2", () => {
    const result = runCogcore(["ask", "hi", "--jsn"]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/unknown option --jsn; run 'cogcore ask --help' for the expected form/);
  });

  it("rejects an unknown command", () => {
    const result = runCogcore(["frobnicate"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/unknown command or extra argument 'frobnicate'/);
  });

  it("rejects a malformed config file in one line with exit code 78", () => {
    const { dir, env } = isolated();
    writeFileSync(join(dir, "cogcore.config.json"), '{"models": {"a": {"provider": "gpt"}}}');
    const result = runCogcore(["config"], { cwd: dir, env });
    expect(result.status).toBe(78);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/models\.a\.provider: Invalid option: expected one of "core"/);
    expect(result.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace without --verbose
    const verbose = runCogcore(["config", "--verbose"], { cwd: dir, env });
    expect(verbose.stderr).toMatch(/ConfigError/);
  });

  it("prints exactly one JSON object on stdout with --json, errors included", () => {
    const { dir, env } = isolated();
    const ok = runCogcore(["config", "--json"], { cwd: dir, env: { ...env, COGCORE_BUDGET: "64" } });
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout).config.budget).toBe(64);
    const bad = runCogcore(["ask", "What is 2+2?", "--json", "--budget", "lots"], { cwd: dir, env });
    expect(bad.status).toBe(78);
    expect(JSON.parse(bad.stdout)).toEqual({
      error: { code: "config", message: expect.stringMatching(/--budget is 'lots'/) },
    });
  });
});

describe("cogcore ask without a model", () => {
  it("says that the model's checkpoint is missing and exits non-zero, with no made-up answer", () => {
    const { dir, env } = isolated();
    const missing = join(dir, "no-such-checkpoint");
    writeFileSync(
      join(dir, "cogcore.config.json"),
      JSON.stringify({ models: { mine: { provider: "core", path: missing } }, defaultModel: "mine" }),
    );
    const result = runCogcore(["ask", "How many more people live in Lyon than in Nice?"], { cwd: dir, env });
    expect(result.status).toBe(66);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim()).toBe(`error models.mine.path: no checkpoint at ${missing}`);
  });
});

describe("cogcore bench", () => {
  it("names the available benchmarks when asked for an unknown one", () => {
    const result = runCogcore(["bench", "no-such-bench"]);
    expect(result.status).toBe(66);
    expect(result.stderr).toMatch(/no benchmark named 'no-such-bench' \(expected one of: /);
  });
});
