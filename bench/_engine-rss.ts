/**
 * Child process of bench/engine.ts: the resident memory of inference alone. Loads (initialises) the ~25M
 * model, processes a prompt and generates, then reports RSS next to the bytes of weights and KV cache.
 */
import { generate } from "../src/model/generate.ts";
import { dims, InferenceSession } from "../src/model/inference.ts";
import { CoreModel } from "../src/model/model.ts";
import { setThreads } from "../src/model/wasm/thread-pool.ts";
import { benchPrompt, largeConfig } from "./_engine-measure.ts";

await setThreads(2);
const baselineRssBytes = process.memoryUsage().rss;
const model = CoreModel.init(largeConfig, 1);
const session = new InferenceSession(model);
session.feed(benchPrompt(512, largeConfig.vocabSize));
await generate(model, [1], { maxTokens: 64, session });
const rssBytes = process.memoryUsage().rss;
const weightsBytes = model.params.byteLength;
const kvCacheBytes = 2 * largeConfig.nLayers * session.maxTokens * dims(largeConfig).kvDim * 4;
process.stdout.write(`${JSON.stringify({ rssBytes, baselineRssBytes, weightsBytes, kvCacheBytes })}\n`);
process.exit(0);
