/**
 * `cogcore bench agent`: the agent loop's own cost per step — parsing stream parts, dispatching tool
 * calls, numbering evidence, judging the answer, recording and rendering the trace — against the same
 * model calls made raw (doStream, parts consumed, nothing else), side by side in one run.
 *
 * Three models: the mock with no latency (the overhead in absolute terms), the openai provider over
 * loopback HTTP replaying a recorded run (official client parsing SSE; the replay server runs in its own
 * process, as a real endpoint does, so that its work is not counted on either side and does not share
 * the agent's event loop), and the mock decoding at a simulated 500 tokens/s (a small local model).
 * Raw and agent runs alternate; each side's wall time and this process's CPU time are recorded per run.
 * Reported: medians per side, and the median of the paired differences (agent − raw of the same
 * iteration), which cancels most of the drift of a shared machine. Goal: overhead ≤ 5 %.
 */
import { type ChildProcess, fork } from "node:child_process";
import { cpus, platform } from "node:os";
import { join } from "node:path";
import { createTraceRenderer } from "../src/agent/render.ts";
import { runAgent } from "../src/agent/run-agent.ts";
import { memoryKnowledge, subtractionCalculator } from "../src/agent/test-fixtures.ts";
import type { BenchmarkOptions } from "../src/cli/bench.ts";
import { packageRoot } from "../src/paths.ts";
import { createProgress } from "../src/progress.ts";
import { createMockModel, type MockScript } from "../src/providers/mock.ts";
import { createOpenAIModel } from "../src/providers/openai.ts";
import type { CallOptions, LanguageModel, StreamPart } from "../src/providers/spec.ts";

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
  model(): Promise<LanguageModel>;
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

/**
 * The model wrapped so as to clock the caller: the time between the model handing back control (a
 * part, the end of a stream, a new stream) and the caller asking for more is the caller's own work —
 * for the agent: relaying parts to the trace and renderer, dispatching and running tools, evidence,
 * judging; for the raw side: its empty loop. Both sides get the same wrapper.
 */
function clocked(model: LanguageModel): { model: LanguageModel; ownMs: () => number } {
  let own = 0;
  let returned = performance.now(); // when control last went back to the caller
  const enter = () => {
    own += performance.now() - returned;
  };
  const leave = () => {
    returned = performance.now();
  };
  async function* relay(stream: AsyncIterable<StreamPart>): AsyncIterable<StreamPart> {
    const parts = stream[Symbol.asyncIterator]();
    while (true) {
      enter();
      const next = await parts.next();
      leave();
      if (next.done) return;
      yield next.value;
    }
  }
  return {
    ownMs: () => own + (performance.now() - returned),
    model: {
      ...model,
      doGenerate: (call) => model.doGenerate(call),
      doStream: async (call) => {
        enter();
        try {
          const result = await model.doStream(call);
          return { ...result, stream: relay(result.stream) };
        } finally {
          leave();
        }
      },
    },
  };
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

interface Sample {
  wallMs: number;
  /** This process's CPU time (user + system): the client's work, not the endpoint's. */
  cpuMs: number;
  /** Wall time in the caller's own code, outside the model (see `clocked`). */
  ownMs: number;
}

async function timed(model: LanguageModel, run: (model: LanguageModel) => Promise<unknown>): Promise<Sample> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const clock = clocked(model);
  await run(clock.model);
  const ownMs = clock.ownMs();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (used.user + used.system) / 1000, ownMs };
}

/** Medians per side and of the paired differences, per run and per step. */
function compare(raw: number[], agent: number[], steps: number) {
  const rawMs = median(raw);
  const agentMs = median(agent);
  return {
    rawMsPerRun: round(rawMs),
    agentMsPerRun: round(agentMs),
    overheadMsPerStep: round(median(agent.map((value, index) => value - raw[index])) / steps),
    overheadRatio: round(agentMs / rawMs - 1, 4),
  };
}

async function measure(subject: Subject, runs: number) {
  const capture = recording(await subject.model());
  await agentRun(capture.model, subject.question);
  const raw: Sample[] = [];
  const agent: Sample[] = [];
  const progress = createProgress({ label: `bench agent: ${subject.name}`, total: runs, unit: "runs" });
  for (let run = 0; run < runs + 2; run++) {
    // Alternate the order so that warm-up and drift favour neither side; the first 2 runs are warm-up.
    const order = run % 2 === 0 ? ["raw", "agent"] : ["agent", "raw"];
    for (const side of order) {
      const sample = await timed(await subject.model(), (model) =>
        side === "raw" ? rawRun(model, capture.calls) : agentRun(model, subject.question),
      );
      if (run >= 2) (side === "raw" ? raw : agent).push(sample);
    }
    if (run >= 2) progress.increment();
  }
  progress.stop();
  const wall = compare(
    raw.map((sample) => sample.wallMs),
    agent.map((sample) => sample.wallMs),
    subject.steps,
  );
  const cpu = compare(
    raw.map((sample) => sample.cpuMs),
    agent.map((sample) => sample.cpuMs),
    subject.steps,
  );
  const own = compare(
    raw.map((sample) => sample.ownMs),
    agent.map((sample) => sample.ownMs),
    subject.steps,
  );
  return {
    model: subject.name,
    steps: subject.steps,
    runs,
    ...wall,
    cpu,
    // The loop's own time, clocked inside each run: what the agent adds, per step, free of the model's noise.
    loop: {
      msPerStep: own.overheadMsPerStep,
      shareOfAgentRun: round(median(agent.map((sample) => sample.ownMs / sample.wallMs)), 4),
    },
  };
}

function round(value: number, digits = 3): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** The replay server in its own process (bench/_replay-worker.ts). */
interface Endpoint {
  url: string;
  enqueue(names: string[]): Promise<void>;
  close(): void;
}

async function startEndpoint(): Promise<Endpoint> {
  const child: ChildProcess = fork(join(packageRoot, "bench", "_replay-worker.ts"), [], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("message", (message: { url: string }) => resolve(message.url));
    child.once("exit", (code) => reject(new Error(`the replay server exited with code ${code}`)));
  });
  let nextId = 1;
  return {
    url,
    enqueue: (names) =>
      new Promise((resolve) => {
        const id = nextId++;
        const onMessage = (message: { id?: number }) => {
          if (message.id !== id) return;
          child.off("message", onMessage);
          resolve();
        };
        child.on("message", onMessage);
        child.send({ id, enqueue: names });
      }),
    close: () => child.disconnect(),
  };
}

function subjects(endpoint: Endpoint): Subject[] {
  return [
    {
      name: "mock, no latency",
      steps: 3,
      question: QUESTION,
      model: async () => createMockModel({ responses: SCRIPT }),
    },
    {
      name: "openai provider, loopback replay",
      steps: 2,
      question: "What is the population of Nice?",
      model: async () => {
        await endpoint.enqueue(["agent/search-call", "agent/answer"]);
        return createOpenAIModel({ modelId: "gpt-5-mini", baseURL: `${endpoint.url}/v1` });
      },
    },
    {
      name: "mock decoding at 500 tokens/s",
      steps: 3,
      question: QUESTION,
      model: async () =>
        createMockModel({ responses: SCRIPT.map((script) => ({ ...script, partDelayMs: 2 })) }),
    },
  ];
}

export async function runBenchmark(options: BenchmarkOptions): Promise<object> {
  const runs = options.quick ? 15 : 101;
  const endpoint = await startEndpoint();
  try {
    const results = [];
    for (const subject of subjects(endpoint)) results.push(await measure(subject, runs));
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
    endpoint.close();
  }
}
