import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { removeTempDirs, tempDir } from "../test/helpers/temp-dir.ts";
import { loadConfig, parseBudget, parseConfig } from "./config.ts";
import { agentOptionsFor, CORE_RESAMPLE, CORE_SEARCH } from "./curriculum/solve.ts";
import { ConfigError } from "./errors.ts";
import { resolvePaths } from "./paths.ts";

const configDir = () => tempDir("cogcore-config-");
afterAll(removeTempDirs);

describe("config", () => {
  it("uses documented defaults when no file exists", () => {
    const dir = configDir();
    const { config, source } = loadConfig({ cwd: dir, env: { XDG_CONFIG_HOME: dir } });
    expect(source).toBeNull();
    expect(config).toEqual({
      defaultModel: "core",
      defaultKb: "world",
      budget: "auto",
      models: {},
      knowledgeBases: {},
      mcpServers: {},
    });
  });

  it("reads ./cogcore.config.json and lets the environment override it", () => {
    const dir = configDir();
    writeFileSync(
      join(dir, "cogcore.config.json"),
      JSON.stringify({ defaultModel: "local", models: { local: { provider: "llamacpp", path: "m.gguf" } } }),
    );
    const { config, source } = loadConfig({ cwd: dir, env: { COGCORE_BUDGET: "512", COGCORE_KB: "docs" } });
    expect(source).toBe(join(dir, "cogcore.config.json"));
    expect(config.defaultModel).toBe("local");
    expect(config.models.local).toEqual({ provider: "llamacpp", path: "m.gguf" });
    expect(config.budget).toBe(512);
    expect(config.defaultKb).toBe("docs");
    expect(config.knowledgeBases).toEqual({});
  });

  it("names the field and the expected form of a bad value", () => {
    expect(() => parseConfig({ models: { a: { provider: "gpt" } } }, "f.json")).toThrow(
      /^f\.json: models\.a\.provider: .*expected one of "core"\|"llamacpp"/,
    );
    expect(() => parseConfig({ defualtModel: "x" }, "f.json")).toThrow(/Unrecognized key: "defualtModel"/);
    expect(() => parseConfig({ budget: -3 })).toThrow(ConfigError);
    expect(() => parseConfig({ models: { a: { provider: "openai", apiKeyEnv: "not a name" } } })).toThrow(
      /apiKeyEnv/,
    );
  });

  it("takes a model's resampling, and gives a core its default and other providers none", () => {
    const config = parseConfig({
      models: {
        small: { provider: "core", resample: { runs: 2, temperature: 1 } },
        big: { provider: "openai" },
      },
    });
    expect(agentOptionsFor(config.models.small!).resample).toEqual({ runs: 2, temperature: 1 });
    expect(agentOptionsFor({ provider: "core" })).toEqual({ ...CORE_SEARCH, resample: CORE_RESAMPLE });
    expect(agentOptionsFor(config.models.big!)).toEqual({});
    expect(() =>
      parseConfig({ models: { a: { provider: "core", resample: { runs: 40, temperature: 1 } } } }),
    ).toThrow(/models\.a\.resample\.runs/);
  });

  it("reports malformed JSON with a line and column", () => {
    const dir = configDir();
    const path = join(dir, "bad.json");
    writeFileSync(path, '{\n  "defaultModel": "x",\n}');
    expect(() => loadConfig({ path, cwd: dir })).toThrow(/bad\.json: invalid JSON: .* at line 3, column 1/);
    writeFileSync(path, "[1, 2]");
    expect(() => loadConfig({ path, cwd: dir })).toThrow(/top level is an array \(expected a JSON object\)/);
    expect(() => loadConfig({ path: join(dir, "missing.json"), cwd: dir })).toThrow(/does not exist/);
  });

  it("parses budgets and rejects anything else", () => {
    expect(parseBudget("auto")).toBe("auto");
    expect(parseBudget("off")).toBe("off");
    expect(parseBudget("256")).toBe(256);
    for (const bad of ["0", "-1", "1.5", "lots", ""]) expect(() => parseBudget(bad)).toThrow(ConfigError);
  });

  it("resolves data paths from XDG variables or the dataDir field", () => {
    expect(resolvePaths({}, { XDG_DATA_HOME: "/x/data", XDG_CACHE_HOME: "/x/cache" })).toEqual({
      dataDir: "/x/data/cogcore",
      cacheDir: "/x/cache/cogcore",
    });
    expect(resolvePaths({ dataDir: "/y" }, {})).toEqual({ dataDir: "/y", cacheDir: "/y/cache" });
  });
});
