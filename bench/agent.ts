/**
 * `cogcore bench agent`: the agent loop's own cost per step — parsing stream parts, dispatching tool
 * calls, numbering evidence, judging the answer, recording and rendering the trace — against the same
 * model calls made raw (doStream, parts consumed, nothing else), side by side in one run.
 *
 * Three models: the mock with no latency (the overhead in absolute terms), the openai provider over
 * loopback HTTP replaying a recorded run (official client parsing SSE), and the mock decoding at a
 * simulated 500 tokens/s (a small local model). Medians of N runs each; goal: overhead ≤ 5 %.
 */
import { cpus, platform } from "node:os";
import { createTraceRenderer } from "../src/agent/render.ts";
import { runAgent } from "../src/agent/run-agent.ts";
import { memoryKnowledge, subtractionCalculator } from "../src/agent/test-fixtures.ts";
import type { BenchmarkOptions } from "../src/cli/bench.ts";
import { createProgress } from "../src/progress.ts";
import { createMockModel, type MockScript } from "../src/providers/mock.ts";
import { createOpenAIModel } from "../src/providers/openai.ts";
import { loadExchange, type ReplayServer, startReplayServer } from "../src/providers/replay/replay-server.ts";
import type { CallOptions, LanguageModel } from "../src/providers/spec.ts";

export const description =
  "agent loop overhead per step (parsing, tool dispatch, tracing) vs raw model calls";

const QUESTION = "How many more people live in Lyon than in Nice?";
const SCRIPT: MockScript[] = [
  {
    reasoning: "I need both populations, then their difference.",
    toolCalls: [
      { toolName: "search", input: { query: "Lyon population" } },
      { toolName: "search", input: { query: "Nice population" } },
    ],
  },
  { toolCalls: [{ toolName: "calc", input: { expression: "522250 - 342669" } }] },
  { text: "179,581 more people live in Lyon [1] than in Nice [2]." },
];

interface Subject {
  name: string;
  steps: number;
  /** A fresh model for one run (and whatever it needs queued). */
  model(): LanguageModel;
  question: string;
}

/** The exact calls the agent makes (captured from one agent run), made directly: doStream, read every part. */
async function rawRun(model: LanguageModel, calls: CallOptions[]): Promise<void> {
  for (const call of calls) {
    const { stream } = await model.doStream(call);
    for await (const _part of stream) {
      // consumed, nothing else
    }
  }
}

/** Records the options of every call, to replay the same requests raw. */
function recording(model: LanguageModel): { model: LanguageModel; calls: CallOptions[] } {
  const calls: CallOptions[] = [];
  return {
    calls,
    model: {
      ...model,
      doGenerate: (call) => model.doGenerate(call),
      doStream: (call) => {
        calls.push({ ...call, messages: structuredClone(call.messages) });
        return model.doStream(call);
      },
    },
  };
}

async function agentRun(model: LanguageModel, question: string): Promise<number> {
  const sink = { write: (_text: string) => true };
  const result = await runAgent({
    model,
    question,
    knowledge: memoryKnowledge(),
    tools: subtractionCalculator(),
    budget: 1000,
    onEvent: createTraceRenderer({ stream: sink, color: false }),
  });
  if (result.abstained) throw new Error(`the benchmark run abstained: ${result.abstention?.reason}`);
  return result.steps.length;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function measure(subject: Subject, runs: number) {
  const capture = recording(subject.model());
  await agentRun(capture.model, subject.question);
  const raw: number[] = [];
  const agent: number[] = [];
  const progress = createProgress({ label: `bench agent: ${subject.name}`, total: runs, unit: "runs" });
  for (let run = 0; run < runs + 2; run++) {
    // Alternate the order so that warm-up and drift favour neither side; the first 2 runs are warm-up.
    const order = run % 2 === 0 ? ["raw", "agent"] : ["agent", "raw"];
    for (const side of order) {
      const started = performance.now();
      if (side === "raw") await rawRun(subject.model(), capture.calls);
      else await agentRun(subject.model(), subject.question);
      if (run >= 2) (side === "raw" ? raw : agent).push(performance.now() - started);
    }
    if (run >= 2) progress.increment();
  }
  progress.stop();
  const rawMs = median(raw);
  const agentMs = median(agent);
  return {
    model: subject.name,
    steps: subject.steps,
    runs,
    rawMsPerRun: round(rawMs),
    agentMsPerRun: round(agentMs),
    overheadMsPerStep: round((agentMs - rawMs) / subject.steps),
    overheadRatio: round(agentMs / rawMs - 1, 4),
  };
}

function round(value: number, digits = 3): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function subjects(server: ReplayServer): Subject[] {
  return [
    {
      name: "mock, no latency",
      steps: 3,
      question: QUESTION,
      model: () => createMockModel({ responses: SCRIPT }),
    },
    {
      name: "openai provider, loopback replay",
      steps: 2,
      question: "What is the population of Nice?",
      model: () => {
        server.enqueue(loadExchange("agent/search-call"), loadExchange("agent/answer"));
        return createOpenAIModel({ modelId: "gpt-5-mini", baseURL: `${server.url}/v1` });
      },
    },
    {
      name: "mock decoding at 500 tokens/s",
      steps: 3,
      question: QUESTION,
      model: () => createMockModel({ responses: SCRIPT.map((script) => ({ ...script, partDelayMs: 2 })) }),
    },
  ];
}

export async function runBenchmark(options: BenchmarkOptions): Promise<object> {
  const runs = options.quick ? 15 : 101;
  const server = await startReplayServer();
  try {
    const results = [];
    for (const subject of subjects(server)) results.push(await measure(subject, runs));
    const realistic = results.slice(1);
    return {
      benchmark: "agent",
      description,
      machine: { cpu: cpus()[0]?.model, cores: cpus().length, platform: platform(), node: process.version },
      goal: "overheadRatio ≤ 0.05 where the model call has a realistic cost",
      meetsGoal: realistic.every((result) => result.overheadRatio <= 0.05),
      results,
    };
  } finally {
    await server.close();
  }
}
