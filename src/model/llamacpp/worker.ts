/**
 * The llama.cpp child process: loads each requested GGUF in turn with node-llama-cpp (CPU only, prebuilt
 * binaries), runs its tasks, replies once over IPC and exits. It runs in its own process because llama.cpp aborts the
 * whole process on some malformed files. Exact settings: F32 KV cache, no flash attention, greedy sampling.
 */
import {
  getLlama,
  type Llama,
  type LlamaContextSequence,
  LlamaLogLevel,
  type LlamaModel,
  type Token,
} from "node-llama-cpp";
import type {
  LlamaCppJob,
  LlamaCppReply,
  LlamaCppRequest,
  LlamaCppResult,
  LlamaCppTask,
} from "./protocol.ts";

async function logprobs(
  sequence: LlamaContextSequence,
  vocabSize: number,
  tokens: number[],
): Promise<LlamaCppResult> {
  await sequence.clearHistory();
  const outputs = await sequence.controlledEvaluate(
    tokens.map((token) => [token as Token, { generateNext: { probabilities: true } }]),
  );
  const result = new Float64Array(tokens.length * vocabSize);
  outputs.forEach((output, position) => {
    const probabilities = output?.next.probabilities;
    if (!probabilities || probabilities.size !== vocabSize) {
      throw new Error(
        `position ${position}: got ${probabilities?.size ?? 0} probabilities, expected ${vocabSize}`,
      );
    }
    for (const [token, probability] of probabilities)
      result[position * vocabSize + token] = Math.log(probability);
  });
  return { kind: "logprobs", vocabSize, logprobs: result };
}

async function greedy(
  sequence: LlamaContextSequence,
  model: LlamaModel,
  task: Extract<LlamaCppTask, { kind: "greedy" }>,
): Promise<LlamaCppResult> {
  await sequence.clearHistory();
  const generated: number[] = [];
  let input: number[] = task.prompt;
  while (generated.length < task.maxTokens) {
    const items = input.map((token, index) =>
      index === input.length - 1
        ? ([token as Token, { generateNext: { token: true } }] as const)
        : (token as Token),
    );
    const outputs = await sequence.controlledEvaluate(
      items as Parameters<typeof sequence.controlledEvaluate>[0],
    );
    const next = outputs.at(-1)?.next.token;
    if (next === undefined || next === null) throw new Error("llama.cpp produced no token");
    generated.push(next);
    if (task.stopAtEog && model.isEogToken(next)) break;
    input = [next];
  }
  return { kind: "greedy", tokens: generated };
}

async function speed(
  sequence: LlamaContextSequence,
  vocabSize: number,
  task: Extract<LlamaCppTask, { kind: "speed" }>,
): Promise<LlamaCppResult> {
  const prompt = Array.from(
    { length: task.promptTokens },
    (_, index) => ((index * 7919) % vocabSize) as Token,
  );
  const promptSeconds: number[] = [];
  const generationSeconds: number[] = [];
  for (let run = 0; run < task.runs; run++) {
    await sequence.clearHistory();
    let start = performance.now();
    await sequence.evaluateWithoutGeneratingNewTokens(prompt);
    promptSeconds.push((performance.now() - start) / 1000);
    await sequence.clearHistory();
    start = performance.now();
    let count = 0;
    for await (const _token of sequence.evaluate([prompt[0]], { temperature: 0 })) {
      if (++count >= task.generateTokens) break;
    }
    generationSeconds.push((performance.now() - start) / 1000);
  }
  return { kind: "speed", promptSeconds, generationSeconds };
}

async function runJob(llama: Llama, job: LlamaCppJob, threads: number): Promise<LlamaCppResult[]> {
  const model = await llama.loadModel({ modelPath: job.modelPath, gpuLayers: 0 });
  const context = await model.createContext({
    contextSize: job.contextSize,
    batchSize: Math.min(job.contextSize, 512),
    flashAttention: false,
    threads: { ideal: threads, min: threads },
    experimentalKvCacheKeyType: "F32",
    experimentalKvCacheValueType: "F32",
  });
  const sequence = context.getSequence();
  const results: LlamaCppResult[] = [];
  for (const task of job.tasks) {
    if (task.kind === "tokenize") {
      const ids = task.texts.map((text) => Array.from(model.tokenize(text, task.special), Number));
      results.push({ kind: "tokenize", ids });
    } else if (task.kind === "logprobs") {
      results.push(await logprobs(sequence, job.vocabSize, task.tokens));
    } else if (task.kind === "greedy") {
      results.push(await greedy(sequence, model, task));
    } else {
      results.push(await speed(sequence, job.vocabSize, task));
    }
  }
  await context.dispose();
  await model.dispose();
  return results;
}

async function run(request: LlamaCppRequest): Promise<LlamaCppResult[][]> {
  const llama = await getLlama({
    gpu: false,
    build: "never",
    logLevel: LlamaLogLevel.error,
    maxThreads: request.threads,
  });
  const results: LlamaCppResult[][] = [];
  for (const job of request.jobs) results.push(await runJob(llama, job, request.threads));
  await llama.dispose();
  return results;
}

process.once("message", (request: LlamaCppRequest) => {
  run(request).then(
    (results) => process.send!({ ok: true, results } satisfies LlamaCppReply, () => process.exit(0)),
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      process.send!({ ok: false, message } satisfies LlamaCppReply, () => process.exit(1));
    },
  );
});
