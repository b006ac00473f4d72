/**
 * llama.cpp as a reference and a peer: runs node-llama-cpp in a child process on a GGUF file, after validating
 * the file with our own reader (a malformed GGUF can abort llama.cpp's process; we never hand it one).
 *
 * One child process loads the model once and runs a batch of tasks; the helpers below each run one batch.
 * Exact settings throughout: CPU, F32 KV cache, no flash attention, greedy sampling.
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { CogcoreError, type CogcoreErrorOptions } from "../../errors.ts";
import { importGguf } from "../gguf-llama.ts";
import type { LlamaCppReply, LlamaCppRequest, LlamaCppResult, LlamaCppTask } from "./protocol.ts";

export type { LlamaCppResult, LlamaCppTask } from "./protocol.ts";

/** llama.cpp failed: the child reported an error, crashed, or timed out. */
export class LlamaCppError extends CogcoreError {
  override readonly code = "llamacpp";
  override readonly exitCode = 70;
  constructor(message: string, options: CogcoreErrorOptions = {}) {
    super(message, options);
  }
}

export interface LlamaCppOptions {
  /** CPU threads llama.cpp evaluates with. Default 2. */
  threads?: number;
  /**
   * Context size in tokens. Default: the model's context length + 1, so that a sequence filling the model's
   * whole context never triggers node-llama-cpp's context shift (which would drop the first tokens).
   */
  contextSize?: number;
  /** Kill the child after this long. Default 120000 ms. */
  timeoutMs?: number;
}

const workerPath = fileURLToPath(new URL("./worker.ts", import.meta.url));

/** Runs `tasks` on the GGUF at `modelPath` in one llama.cpp child process; results in task order. */
export async function runLlamaCpp(
  modelPath: string,
  tasks: LlamaCppTask[],
  options: LlamaCppOptions = {},
): Promise<LlamaCppResult[]> {
  const [results] = await runLlamaCppJobs([{ modelPath, tasks }], options);
  return results;
}

/**
 * Runs several models' tasks in one llama.cpp child process (llama.cpp starts once, about 2 s saved per
 * model). Every file is validated first. results[j][t] is the result of task t on model j.
 */
export async function runLlamaCppJobs(
  jobs: Array<{ modelPath: string; tasks: LlamaCppTask[] }>,
  options: LlamaCppOptions = {},
): Promise<LlamaCppResult[][]> {
  const request: LlamaCppRequest = {
    jobs: jobs.map(({ modelPath, tasks }) => {
      const { config } = importGguf(modelPath); // validates all llama.cpp relies on; throws typed errors
      const contextSize = options.contextSize ?? config.contextLength + 1;
      return { modelPath, tasks, contextSize, vocabSize: config.vocabSize };
    }),
    threads: options.threads ?? 2,
  };
  const reply = await runChild(request, options.timeoutMs ?? 120_000);
  if (!reply.ok) {
    const models = jobs.map((job) => job.modelPath).join(", ");
    throw new LlamaCppError(`llama.cpp failed on ${models}: ${reply.message}`);
  }
  return reply.results;
}

function runChild(request: LlamaCppRequest, timeoutMs: number): Promise<LlamaCppReply> {
  return new Promise((resolve, reject) => {
    const child = fork(workerPath, [], {
      execArgv: ["--import", import.meta.resolve("tsx")],
      serialization: "advanced",
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    let stderr = "";
    let reply: LlamaCppReply | undefined;
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("message", (message) => {
      reply = message as LlamaCppReply;
    });
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new LlamaCppError(`could not start the llama.cpp process: ${error.message}`, { cause: error }));
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (reply) return resolve(reply);
      const how = signal
        ? `was killed by ${signal}${signal === "SIGKILL" ? ` (timeout ${timeoutMs} ms?)` : ""}`
        : `exited with code ${code}`;
      reject(
        new LlamaCppError(`the llama.cpp process ${how}: ${stderr.trim().split("\n").slice(-5).join(" | ")}`),
      );
    });
    child.send(request);
  });
}

function only<K extends LlamaCppResult["kind"]>(
  results: LlamaCppResult[],
  kind: K,
): Array<Extract<LlamaCppResult, { kind: K }>> {
  return results.filter((result): result is Extract<LlamaCppResult, { kind: K }> => result.kind === kind);
}

/**
 * llama.cpp's log-probabilities for each sequence: (T, vocabSize) per sequence, row t is the distribution of
 * the token after tokens[0..t].
 */
export async function llamaCppLogProbabilities(
  modelPath: string,
  sequences: number[][],
  options?: LlamaCppOptions,
): Promise<Float64Array[]> {
  const results = await runLlamaCpp(
    modelPath,
    sequences.map((tokens) => ({ kind: "logprobs", tokens })),
    options,
  );
  return only(results, "logprobs").map((result) => result.logprobs);
}

/** llama.cpp's greedy continuation of each prompt (stops early at an end-of-generation token if `stopAtEog`). */
export async function llamaCppGreedy(
  modelPath: string,
  prompts: number[][],
  maxTokens: number,
  options: LlamaCppOptions & { stopAtEog?: boolean } = {},
): Promise<number[][]> {
  const tasks: LlamaCppTask[] = prompts.map((prompt) => ({
    kind: "greedy",
    prompt,
    maxTokens,
    stopAtEog: options.stopAtEog ?? false,
  }));
  return only(await runLlamaCpp(modelPath, tasks, options), "greedy").map((result) => result.tokens);
}

/** llama.cpp's token ids for each text (no BOS); `special`: parse special-token text. Default true. */
export async function llamaCppTokenize(
  modelPath: string,
  texts: string[],
  options: LlamaCppOptions & { special?: boolean } = {},
): Promise<number[][]> {
  const results = await runLlamaCpp(
    modelPath,
    [{ kind: "tokenize", texts, special: options.special ?? true }],
    options,
  );
  return only(results, "tokenize")[0].ids;
}

export interface LlamaCppSpeed {
  /** Median prompt-processing speed: tokens evaluated in one batch per second. */
  promptTokensPerSecond: number;
  /** Median generation speed: greedy tokens per second, one at a time with the KV cache. */
  generationTokensPerSecond: number;
  /** Every run's timings, seconds. */
  promptSeconds: number[];
  generationSeconds: number[];
  threads: number;
}

/** Times llama.cpp's prompt processing and generation (medians of `runs`, after one warm-up run). */
export async function llamaCppSpeed(
  modelPath: string,
  options: LlamaCppOptions & { promptTokens?: number; generateTokens?: number; runs?: number } = {},
): Promise<LlamaCppSpeed> {
  const promptTokens = options.promptTokens ?? 128;
  const generateTokens = options.generateTokens ?? 64;
  const runs = options.runs ?? 5;
  const [result] = only(
    await runLlamaCpp(modelPath, [{ kind: "speed", promptTokens, generateTokens, runs: runs + 1 }], options),
    "speed",
  );
  const promptSeconds = result.promptSeconds.slice(1);
  const generationSeconds = result.generationSeconds.slice(1);
  return {
    promptTokensPerSecond: promptTokens / median(promptSeconds),
    generationTokensPerSecond: generateTokens / median(generationSeconds),
    promptSeconds,
    generationSeconds,
    threads: options.threads ?? 2,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
