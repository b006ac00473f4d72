/**
 * Embedding models for optional dense retrieval: any OpenAI-compatible `/v1/embeddings` endpoint, or a
 * GGUF embedding model run in-process by llama.cpp (node-llama-cpp). Nothing is downloaded: the endpoint
 * is one you run or pay for, the GGUF file one you have.
 */
import OpenAI from "openai";
import { ConfigError, InvalidInputError } from "../errors.ts";

export interface Embedder {
  /** Names the model, so a knowledge base never mixes vectors of two models. */
  readonly id: string;
  /** One vector per text, in order. */
  embed(texts: string[]): Promise<Float32Array[]>;
  close?(): Promise<void>;
}

/** How a knowledge base's embedding model is configured (cogcore.config.json, `knowledgeBases.NAME.embedding`). */
export interface EmbeddingSettings {
  /** "openai": any OpenAI-compatible /v1/embeddings server; "llamacpp": a local GGUF embedding model. */
  provider: "openai" | "llamacpp";
  /** Model id sent to the server (openai). */
  model?: string;
  /** Base URL of the server (openai). Default: the OpenAI API. */
  baseURL?: string;
  /** Environment variable holding the API key (openai). */
  apiKeyEnv?: string;
  /** GGUF file (llamacpp). */
  path?: string;
  /** Weight of the vector ranking in reciprocal rank fusion; BM25's is 1. Default 1. */
  weight?: number;
}

/** Texts sent per request. */
const BATCH_SIZE = 64;

export function createEmbedder(settings: EmbeddingSettings, env: NodeJS.ProcessEnv = process.env): Embedder {
  if (settings.provider === "openai") return openAiEmbedder(settings, env);
  return llamaCppEmbedder(settings);
}

function openAiEmbedder(settings: EmbeddingSettings, env: NodeJS.ProcessEnv): Embedder {
  if (!settings.model) {
    throw new ConfigError("an openai embedding needs a model", {
      expected: 'a "model" such as "nomic-embed-text"',
    });
  }
  const model = settings.model;
  const client = new OpenAI({
    baseURL: settings.baseURL,
    apiKey: (settings.apiKeyEnv ? env[settings.apiKeyEnv] : undefined) ?? "not-needed",
    maxRetries: 2,
  });
  return {
    id: `openai:${settings.baseURL ?? "default"}:${model}`,
    async embed(texts) {
      const vectors: Float32Array[] = [];
      for (let start = 0; start < texts.length; start += BATCH_SIZE) {
        const input = texts.slice(start, start + BATCH_SIZE);
        const response = await client.embeddings.create({ model, input, encoding_format: "float" });
        const ordered = [...response.data].sort((a, b) => a.index - b.index);
        if (ordered.length !== input.length) {
          throw new InvalidInputError(
            `the embedding server returned ${ordered.length} vectors for ${input.length} texts`,
            {
              expected: "one vector per input text",
            },
          );
        }
        for (const item of ordered) vectors.push(Float32Array.from(item.embedding));
      }
      return vectors;
    },
  };
}

function llamaCppEmbedder(settings: EmbeddingSettings): Embedder {
  if (!settings.path) {
    throw new ConfigError("a llamacpp embedding needs the path of a GGUF file", {
      expected: '"path": "model.gguf"',
    });
  }
  const path = settings.path;
  type Context = {
    getEmbeddingFor(text: string): Promise<{ vector: readonly number[] }>;
    dispose(): Promise<void>;
  };
  let context: Promise<Context> | undefined;
  const load = async (): Promise<Context> => {
    const { getLlama } = await import("node-llama-cpp");
    const llama = await getLlama({ gpu: false, build: "never" });
    const model = await llama.loadModel({ modelPath: path });
    return (await model.createEmbeddingContext()) as unknown as Context;
  };
  return {
    id: `llamacpp:${path}`,
    async embed(texts) {
      context ??= load();
      const ready = await context;
      const vectors: Float32Array[] = [];
      for (const text of texts) vectors.push(Float32Array.from((await ready.getEmbeddingFor(text)).vector));
      return vectors;
    },
    async close() {
      if (context) await (await context).dispose();
    },
  };
}
