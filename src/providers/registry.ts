/**
 * Named models: turns an entry of the config's `models` (or the built-in "core") into a LanguageModel.
 * API keys come from the environment variable the entry names, never from the file.
 */
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import type { Config, ModelConfig } from "../config.ts";
import { ConfigError, ModelNotInstalledError, NotFoundError } from "../errors.ts";
import { loadCheckpoint } from "../model/checkpoint.ts";
import { CoreModel } from "../model/model.ts";
import { packageRoot } from "../paths.ts";
import type { ToolLookup } from "../tools/call-syntax.ts";
import { createAnthropicModel } from "./anthropic.ts";
import { createCoreModel } from "./core.ts";
import { createLlamaCppModel } from "./llamacpp.ts";
import { createOpenAIModel } from "./openai.ts";
import { readProcedureWords } from "./procedure-words.ts";
import type { LanguageModel } from "./spec.ts";

export interface ResolvedModel {
  name: string;
  entry: ModelConfig;
  model: LanguageModel;
}

/** The built-in entry used when the config does not define "core". */
export const BUILT_IN_CORE: ModelConfig = { provider: "core" };

/** Where the shipped core model lives. */
export const SHIPPED_CORE_DIR = join(packageRoot, "models", "core");

export interface ResolveModelOptions {
  /** Environment holding API keys. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** The tools registry, for the core's compact call syntax. Default: none. */
  tools?: ToolLookup;
}

export function resolveModel(name: string, config: Config, options: ResolveModelOptions = {}): ResolvedModel {
  const entry = config.models[name] ?? (name === "core" ? BUILT_IN_CORE : undefined);
  if (!entry) {
    const known = ["core", ...Object.keys(config.models).filter((known) => known !== "core")];
    throw new NotFoundError(`no model named '${name}'`, {
      expected: `one of: ${known.join(", ")} (add models in cogcore.config.json, see docs/configuration.md)`,
    });
  }
  return { name, entry, model: createModel(name, entry, options) };
}

function createModel(name: string, entry: ModelConfig, options: ResolveModelOptions): LanguageModel {
  const env = options.env ?? process.env;
  const retry = entry.maxRetries === undefined ? undefined : { maxRetries: entry.maxRetries };
  switch (entry.provider) {
    case "openai":
      return createOpenAIModel({
        modelId: requireModelId(name, entry),
        baseURL: entry.baseURL,
        apiKey: readApiKey(name, entry, env),
        dialect: entry.dialect,
        timeoutMs: entry.timeoutMs,
        retry,
      });
    case "anthropic":
      if (entry.dialect)
        throw new ConfigError(`models.${name}.dialect applies to openai models only`, {
          expected: "no dialect for an anthropic model",
        });
      return createAnthropicModel({
        modelId: requireModelId(name, entry),
        baseURL: entry.baseURL,
        apiKey: readApiKey(name, entry, env),
        defaultMaxTokens: entry.maxOutputTokens,
        timeoutMs: entry.timeoutMs,
        retry,
      });
    case "core":
      return loadCoreModel(name, entry, options.tools);
    case "llamacpp":
      if (!entry.path)
        throw new ConfigError(`models.${name}: a llamacpp model needs "path", its GGUF file`, {
          expected: '"path": "models/core.gguf"',
        });
      if (!existsSync(entry.path))
        throw new NotFoundError(`models.${name}.path: no GGUF file at ${entry.path}`);
      return createLlamaCppModel({
        modelPath: entry.path,
        modelId: basename(entry.path),
        tools: options.tools,
        defaultMaxOutputTokens: entry.maxOutputTokens,
        timeoutMs: entry.timeoutMs,
      });
    case "mock":
      throw new ConfigError(`models.${name}: the mock provider serves tests only`, {
        expected: 'provider "core", "llamacpp", "openai" or "anthropic"',
      });
  }
}

function requireModelId(name: string, entry: ModelConfig): string {
  if (entry.model) return entry.model;
  throw new ConfigError(
    `models.${name}: a ${entry.provider} model needs "model", the id the endpoint knows`,
    {
      expected: entry.provider === "openai" ? '"model": "qwen3:4b"' : '"model": "claude-sonnet-4-6"',
    },
  );
}

/** The key from `apiKeyEnv`; a named variable that is unset is an error, no `apiKeyEnv` means no key. */
function readApiKey(name: string, entry: ModelConfig, env: NodeJS.ProcessEnv): string | undefined {
  if (!entry.apiKeyEnv) return undefined;
  const key = env[entry.apiKeyEnv];
  if (key) return key;
  throw new ConfigError(`models.${name}: the environment variable ${entry.apiKeyEnv} is not set`, {
    expected: `the API key in $${entry.apiKeyEnv}`,
  });
}

/** A core checkpoint directory (entry.path, else the shipped models/core) as the in-process provider. */
function loadCoreModel(name: string, entry: ModelConfig, tools: ToolLookup | undefined): LanguageModel {
  const dir = entry.path ?? SHIPPED_CORE_DIR;
  if (!existsSync(dir)) {
    if (entry.path) throw new NotFoundError(`models.${name}.path: no checkpoint at ${dir}`);
    throw new ModelNotInstalledError(
      `no model is installed yet: '${name}' cannot answer until a core model ships in models/core`,
      { expected: "a trained core model in models/core, or a named model in cogcore.config.json" },
    );
  }
  const checkpoint = loadCheckpoint(dir, { trainingState: false });
  return createCoreModel({
    model: new CoreModel(checkpoint.config, checkpoint.params),
    tokenizer: checkpoint.tokenizer,
    modelId: entry.path ? basename(dir) : "core",
    tools,
    defaultMaxOutputTokens: entry.maxOutputTokens,
    procedureWords: readProcedureWords(dir),
  });
}
