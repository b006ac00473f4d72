/**
 * The llamacpp provider's child process: loads one GGUF with node-llama-cpp (CPU only, prebuilt
 * binaries) and serves one sequence, token by token: "feed these tokens, give me the next token's
 * log-probabilities". It runs in its own process because llama.cpp aborts the whole process on some
 * malformed files, and so that a crash cannot take the caller down.
 */
import { getLlama, type LlamaContextSequence, LlamaLogLevel, type Token } from "node-llama-cpp";
import type { OpenRequest, SessionReply, SessionRequest } from "./protocol.ts";

/** Floor for probabilities that underflow to 0, so that every token keeps a finite log-probability. */
const PROBABILITY_FLOOR = 1e-30;

let sequence: LlamaContextSequence | undefined;
let vocabSize = 0;

async function open(request: OpenRequest): Promise<void> {
  const llama = await getLlama({
    gpu: false,
    build: "never",
    logLevel: LlamaLogLevel.error,
    maxThreads: request.threads,
  });
  const model = await llama.loadModel({ modelPath: request.modelPath, gpuLayers: 0 });
  const context = await model.createContext({
    contextSize: request.contextSize,
    batchSize: Math.min(request.contextSize, 512),
    threads: { ideal: request.threads, min: 1 },
  });
  sequence = context.getSequence();
  vocabSize = request.vocabSize;
}

async function feed(tokens: number[]): Promise<Float32Array> {
  if (!sequence) throw new Error("no model is open");
  const last = tokens.length - 1;
  const outputs = await sequence.controlledEvaluate(
    tokens.map((token, index) =>
      index === last ? [token as Token, { generateNext: { probabilities: true } }] : (token as Token),
    ),
  );
  const probabilities = outputs[last]?.next.probabilities;
  if (!probabilities) throw new Error("llama.cpp returned no probabilities");
  const logProbabilities = new Float32Array(vocabSize).fill(Math.log(PROBABILITY_FLOOR));
  for (const [token, probability] of probabilities)
    if (token < vocabSize) logProbabilities[token] = Math.log(Math.max(probability, PROBABILITY_FLOOR));
  return logProbabilities;
}

async function handle(request: SessionRequest): Promise<SessionReply> {
  if (request.kind === "open") await open(request);
  else if (request.kind === "reset") await sequence?.clearHistory();
  else return { id: request.id, ok: true, logProbabilities: await feed(request.tokens) };
  return { id: request.id, ok: true };
}

let queue = Promise.resolve();
process.on("message", (request: SessionRequest) => {
  queue = queue.then(() =>
    handle(request).then(
      (reply) => void process.send!(reply),
      (error: unknown) =>
        void process.send!({
          id: request.id,
          ok: false,
          message: error instanceof Error ? error.message : String(error),
        }),
    ),
  );
});
process.on("disconnect", () => process.exit(0));
