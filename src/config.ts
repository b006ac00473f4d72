/**
 * cogcore.config.json: one validated configuration object with a documented default for every field.
 *
 * Where it is read from, first match wins: `--config PATH`, `$COGCORE_CONFIG`, `./cogcore.config.json`,
 * `$XDG_CONFIG_HOME/cogcore/config.json` (default `~/.config/cogcore/config.json`). No file means all
 * defaults. Environment variables override the file: see `ENVIRONMENT_OVERRIDES`.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { z } from "zod";
import { ConfigError } from "./errors.ts";
import { OPENAI_DIALECTS } from "./providers/budget.ts";

export const PROVIDERS = ["core", "llamacpp", "openai", "anthropic", "mock"] as const;

/** A named model: which provider serves it and how to reach it. */
export const ModelConfigSchema = z
  .object({
    /** Which provider runs the model. */
    provider: z.enum(PROVIDERS),
    /** Model id for remote providers (e.g. "gpt-4.1-mini", "qwen3:4b"). Default: none. */
    model: z.string().min(1).optional(),
    /** Checkpoint directory (core) or GGUF file (llamacpp). Default: the shipped core model. */
    path: z.string().min(1).optional(),
    /** Base URL of an OpenAI-compatible or Anthropic endpoint. Default: the provider's public URL. */
    baseURL: z.url().optional(),
    /** Name of the environment variable that holds the API key (never the key itself). */
    apiKeyEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name")
      .optional(),
    /** Which thinking-budget control an OpenAI-compatible endpoint takes (docs/budget.md). Default: "openai". */
    dialect: z.enum(OPENAI_DIALECTS).optional(),
    /** Time limit of one model call, streaming included, in milliseconds. Default: 600000. */
    timeoutMs: z.number().int().positive().optional(),
    /** Retries of a call that failed with 429, 5xx or a network error. Default: 2. */
    maxRetries: z.number().int().min(0).max(10).optional(),
    /** Most output tokens per model call, thinking included. Default: the provider's (4096 for anthropic). */
    maxOutputTokens: z.number().int().positive().optional(),
    /**
     * Runs the agent samples again when a run fails its self-check (docs/agent.md), and their
     * temperature. Default: `{"runs": 8, "temperature": 0.7}` for a core model; none for the others.
     */
    resample: z
      .object({ runs: z.number().int().min(0).max(32), temperature: z.number().positive().max(2) })
      .strict()
      .optional(),
  })
  .strict();

/** An embedding model for a knowledge base's optional dense vectors (see src/knowledge/embeddings.ts). */
export const EmbeddingConfigSchema = z
  .object({
    /** "openai": any OpenAI-compatible /v1/embeddings server; "llamacpp": a local GGUF embedding model. */
    provider: z.enum(["openai", "llamacpp"]),
    /** Model id sent to the server (openai). */
    model: z.string().min(1).optional(),
    /** Base URL of the server (openai). Default: the OpenAI API. */
    baseURL: z.url().optional(),
    /** Name of the environment variable that holds the API key (openai). */
    apiKeyEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name")
      .optional(),
    /** GGUF file (llamacpp). */
    path: z.string().min(1).optional(),
    /** Weight of the vector ranking in reciprocal rank fusion; BM25's is 1. Default 1. */
    weight: z.number().positive().default(1),
  })
  .strict();

/** A named knowledge base: where its passages are stored. */
export const KnowledgeBaseConfigSchema = z
  .object({
    /** Storage engine. Default: "sqlite" (embedded). */
    store: z.enum(["sqlite", "postgres"]).default("sqlite"),
    /** SQLite database file. Default: `<dataDir>/kb/<name>.sqlite`. */
    path: z.string().min(1).optional(),
    /** PostgreSQL connection string, for store "postgres". */
    connectionString: z.string().min(1).optional(),
    /** Embedding model for hybrid (BM25 + vector) search. Default: none, BM25 alone. */
    embedding: EmbeddingConfigSchema.optional(),
  })
  .strict();

const ENVIRONMENT_VARIABLE_NAME = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name");

/** What every MCP server entry has: which of its tools to import, and how to name them. */
const McpServerCommonFields = {
  /** Tool names to import from this server; ["*"] imports all. Required: nothing is imported by default. */
  allow: z.array(z.string().min(1)).min(1),
  /** Prefix of the imported tools' names, `<prefix>_<tool>`. Default: the server's name in this config. */
  prefix: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]*$/, "a letter followed by letters, digits or underscores")
    .optional(),
  /** Limit for one tool call, in ms. Default: 30000. */
  timeoutMs: z.number().int().positive().optional(),
};

/** An MCP server whose tools cogcore imports (src/tools/mcp/mcp-client.ts). */
export const McpServerConfigSchema = z.discriminatedUnion("transport", [
  z
    .object({
      /** Start the server as a child process and talk over its stdin and stdout. */
      transport: z.literal("stdio"),
      /** The program to run. */
      command: z.string().min(1),
      /** Its arguments. Default: none. */
      args: z.array(z.string()).default([]),
      /** Extra environment variables (besides HOME, PATH and the like). Default: none. */
      env: z.record(z.string(), z.string()).default({}),
      /** Working directory. Default: the current directory. */
      cwd: z.string().min(1).optional(),
      ...McpServerCommonFields,
    })
    .strict(),
  z
    .object({
      /** Streamable HTTP: POST JSON-RPC to one URL. */
      transport: z.literal("http"),
      /** The server's MCP endpoint, e.g. http://127.0.0.1:3000/mcp. */
      url: z.url(),
      /** Name of the environment variable holding a bearer token (never the token itself). */
      bearerTokenEnv: ENVIRONMENT_VARIABLE_NAME.optional(),
      ...McpServerCommonFields,
    })
    .strict(),
]);

const BudgetSchema = z.union([z.literal("auto"), z.literal("off"), z.number().int().positive()]);

export const ConfigSchema = z
  .object({
    /** Where built knowledge bases and caches live. Default: `$XDG_DATA_HOME/cogcore` (~/.local/share/cogcore). */
    dataDir: z.string().min(1).optional(),
    /** The model `cogcore ask` uses without `--model`. Default: "core", the shipped cognitive core. */
    defaultModel: z.string().min(1).default("core"),
    /** The knowledge base used without `--kb`. Default: "world", built from npm data packages. */
    defaultKb: z.string().min(1).default("world"),
    /** Thinking budget in tokens, "auto" (predicted per query) or "off". Default: "auto". */
    budget: BudgetSchema.default("auto"),
    /** Named models, by name. Default: none beyond the built-in "core". */
    models: z.record(z.string(), ModelConfigSchema).default({}),
    /** Named knowledge bases, by name. Default: none beyond the built-in "world". */
    knowledgeBases: z.record(z.string(), KnowledgeBaseConfigSchema).default({}),
    /** MCP servers whose allowed tools are imported, by name. Default: none. */
    mcpServers: z.record(z.string(), McpServerConfigSchema).default({}),
  })
  .strict();

export type Config = z.infer<typeof ConfigSchema>;
export type ModelConfig = z.infer<typeof ModelConfigSchema>;
export type KnowledgeBaseConfig = z.infer<typeof KnowledgeBaseConfigSchema>;
export type McpServerConfig = z.infer<typeof McpServerConfigSchema>;
export type EmbeddingConfig = z.infer<typeof EmbeddingConfigSchema>;

/** Environment variables that override fields of the file. */
export const ENVIRONMENT_OVERRIDES = {
  COGCORE_DATA_DIR: "dataDir",
  COGCORE_MODEL: "defaultModel",
  COGCORE_KB: "defaultKb",
  COGCORE_BUDGET: "budget",
} as const;

export interface LoadedConfig {
  config: Config;
  /** The file it came from, or null when only defaults and the environment were used. */
  source: string | null;
}

export interface LoadConfigOptions {
  /** An explicit path (`--config`); a missing explicit file is an error. */
  path?: string;
  /** Directory searched for cogcore.config.json. Default: process.cwd(). */
  cwd?: string;
  /** Environment to read overrides from. Default: process.env. */
  env?: NodeJS.ProcessEnv;
}

export function findConfigFile(options: LoadConfigOptions = {}): string | null {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = options.path ?? env.COGCORE_CONFIG;
  if (explicit) {
    const path = resolve(cwd, explicit);
    if (!existsSync(path))
      throw new ConfigError(`config file ${path} does not exist`, {
        expected: "a path to a cogcore.config.json file",
      });
    return path;
  }
  const local = join(cwd, "cogcore.config.json");
  if (existsSync(local)) return local;
  const userFile = join(env.XDG_CONFIG_HOME || join(homedir(), ".config"), "cogcore", "config.json");
  return existsSync(userFile) ? userFile : null;
}

export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const source = findConfigFile(options);
  const raw = source ? readJsonObject(source) : {};
  applyEnvironment(raw, env);
  return { config: parseConfig(raw, source ?? "environment"), source };
}

/** Validates a plain object against the schema; `where` names it in error messages. */
export function parseConfig(raw: unknown, where = "config"): Config {
  const result = ConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path.length > 0 ? issue.path.join(".") : "(top level)";
  throw new ConfigError(`${where}: ${field}: ${issue.message}`, {
    cause: result.error,
    expected: describeExpected(issue),
  });
}

/** Zod's message names the expected type or values already; say more only where it does not. */
function describeExpected(issue: z.core.$ZodIssue): string | undefined {
  if (issue.code === "unrecognized_keys") return "only the fields documented in docs/configuration.md";
  if (/expected/i.test(issue.message)) return undefined;
  return "a value as documented in docs/configuration.md";
}

function readJsonObject(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new ConfigError(`cannot read config file ${path}`, { cause, expected: "a readable JSON file" });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(`${path}: invalid JSON: ${describeJsonError(text, cause)}`, {
      cause,
      expected: 'a JSON object such as {"defaultModel": "core"}',
    });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(`${path}: the top level is ${Array.isArray(value) ? "an array" : typeof value}`, {
      expected: "a JSON object",
    });
  }
  return value as Record<string, unknown>;
}

/** Turns JSON.parse's "at position N" into a line and column a person can find. */
function describeJsonError(text: string, cause: unknown): string {
  const detail = cause instanceof Error ? cause.message : String(cause);
  const match = /at position (\d+)/.exec(detail);
  if (!match) return detail;
  const before = text.slice(0, Number(match[1]));
  const line = before.split("\n").length;
  const column = before.length - before.lastIndexOf("\n");
  return `${detail.replace(/ in JSON at position \d+.*$/s, "")} at line ${line}, column ${column}`;
}

function applyEnvironment(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  for (const [variable, field] of Object.entries(ENVIRONMENT_OVERRIDES)) {
    const value = env[variable];
    if (value === undefined || value === "") continue;
    if (field === "budget") raw.budget = parseBudget(value, variable);
    else raw[field] = value;
  }
}

/** Parses a budget as typed on a command line or in the environment: a positive integer, "auto" or "off". */
export function parseBudget(value: string, where = "--budget"): number | "auto" | "off" {
  if (value === "auto" || value === "off") return value;
  if (/^[1-9][0-9]*$/.test(value)) return Number(value);
  throw new ConfigError(`${where} is '${value}'`, {
    expected: "a positive number of tokens, 'auto' or 'off'",
  });
}
