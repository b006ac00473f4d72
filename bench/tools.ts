/**
 * `cogcore bench tools`: what the tools cost per call, each beside a peer in the same run.
 *
 * - python: the first call of a fresh pool (no snapshot, then from the startup snapshot) and warm calls,
 *   against starting the machine's own CPython (`python3 -c`) for every call, the obvious alternative.
 * - js: a QuickJS call (fresh runtime and context per call) against node:vm `runInNewContext`.
 * - calc: the exact evaluator against mathjs `evaluate` in BigNumber mode (not exact for 1/3).
 * - grammar: masking a 4096-token vocabulary at one decoding step.
 *
 * Medians of several runs; ratios are cogcore ÷ peer.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, platform, tmpdir } from "node:os";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import { all, create } from "mathjs";
import type { BenchmarkOptions } from "../src/cli/bench.ts";
import { createProgress } from "../src/progress.ts";
import { calculate } from "../src/tools/calc/calc-tool.ts";
import { createCallGrammar } from "../src/tools/call-grammar.ts";
import { createToolRegistry } from "../src/tools/default-tools.ts";
import { createJsTool } from "../src/tools/js/js-tool.ts";
import { createPythonTool } from "../src/tools/python/python-tool.ts";

export const description =
  "tool latency: Python cold/warm vs python3 per call, QuickJS vs node:vm, calc vs mathjs";

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const round = (value: number, digits = 2) => Number(value.toFixed(digits));

async function time(work: () => unknown | Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

async function repeat(times: number, work: () => unknown | Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let index = 0; index < times; index++) samples.push(await time(work));
  return median(samples);
}

/** First call of a new pool: process start, Pyodide load (or snapshot restore), hardening, the call. */
async function pythonFirstCall(snapshotDir: string | null): Promise<number> {
  const tool = createPythonTool({ snapshotDir });
  try {
    return await time(() => tool.execute({ code: "print(2**100)" }, {}));
  } finally {
    await tool.close?.();
  }
}

async function benchPython(runs: number, warmCalls: number) {
  const snapshotDir = mkdtempSync(join(tmpdir(), "cogcore-bench-snapshot-"));
  try {
    const cold: number[] = [];
    for (let run = 0; run < runs; run++) cold.push(await pythonFirstCall(null));
    await pythonFirstCall(snapshotDir); // writes the snapshot
    const fromSnapshot: number[] = [];
    for (let run = 0; run < runs; run++) fromSnapshot.push(await pythonFirstCall(snapshotDir));
    const tool = createPythonTool({ snapshotDir });
    await tool.pool.warm();
    const warm = await repeat(warmCalls, () => tool.execute({ code: "sum(i * i for i in range(1000))" }, {}));
    await tool.close?.();
    // The interpreter itself, not a launcher script (pyenv's python3 is a shell script that costs more).
    const interpreter = spawnSync("python3", ["-c", "import sys; print(sys.executable)"], {
      encoding: "utf8",
    });
    const executable = interpreter.stdout.trim() || "python3";
    const cpython = await repeat(warmCalls, () =>
      spawnSync(executable, ["-c", "print(sum(i * i for i in range(1000)))"], { encoding: "utf8" }),
    );
    return {
      firstCallMs: round(median(cold)),
      firstCallFromSnapshotMs: round(median(fromSnapshot)),
      warmCallMs: round(warm),
      peerPython3SpawnMs: round(cpython),
      warmOverPeer: round(warm / cpython, 3),
    };
  } finally {
    rmSync(snapshotDir, { recursive: true, force: true });
  }
}

async function benchJs(calls: number) {
  const tool = createJsTool();
  const code = "let s = 0; for (let i = 0; i < 1000; i++) s += i * i; s";
  const first = await time(() => tool.execute({ code }, {}));
  const warm = await repeat(calls, () => tool.execute({ code }, {}));
  await tool.close?.();
  const peer = await repeat(calls, () => runInNewContext(code, {}, { timeout: 2000 }));
  return {
    firstCallMs: round(first),
    callMs: round(warm),
    peerNodeVmMs: round(peer, 3),
    callOverPeer: round(warm / peer, 1),
  };
}

async function benchCalc(calls: number) {
  const expression = "(472317 - 342669) * 2^64 / 7 + sqrt(2)";
  const mathjs = create(all, { number: "BigNumber", precision: 40 });
  const ours = await repeat(calls, () => calculate(expression));
  const peer = await repeat(calls, () => mathjs.evaluate(expression));
  return {
    callMs: round(ours, 3),
    peerMathjsBigNumberMs: round(peer, 3),
    callOverPeer: round(ours / peer, 2),
  };
}

async function benchGrammar(steps: number) {
  const registry = await createToolRegistry({ python: false, js: false, knowledge: undefined });
  const grammar = createCallGrammar(registry);
  // A vocabulary like a small BPE's: bytes, then common pieces of calls and text.
  const pieces = ["calc", "(", ")", " ", "+", "-", "*", "/", "sqrt", "round", ", ", "the", " of", "ation"];
  const vocabulary = Array.from({ length: 4096 }, (_, index) =>
    index < 256
      ? String.fromCharCode(index)
      : `${pieces[index % pieces.length]}${index % 7 === 0 ? "0" : ""}`,
  );
  const state = grammar.advance(grammar.start, "calc(472317 - ")!;
  // A new grammar each time: the mask is computed token by token; then the same state again: from the cache.
  const computedMs = await repeat(steps, () => createCallGrammar(registry).mask(state, vocabulary));
  const cachedMs = await repeat(steps, () => grammar.mask(state, vocabulary));
  return {
    vocabulary: vocabulary.length,
    maskComputedMs: round(computedMs, 3),
    maskCachedMs: round(cachedMs, 4),
  };
}

export async function runBenchmark({ quick }: BenchmarkOptions): Promise<object> {
  const progress = createProgress({ label: "bench tools", total: 4, unit: "parts" });
  const python = await benchPython(quick ? 1 : 3, quick ? 5 : 20);
  progress.increment(1, "python");
  const js = await benchJs(quick ? 10 : 50);
  progress.increment(1, "js");
  const calc = await benchCalc(quick ? 50 : 500);
  progress.increment(1, "calc");
  const grammar = await benchGrammar(quick ? 10 : 50);
  progress.increment(1, "grammar");
  progress.stop();
  return {
    machine: {
      platform: platform(),
      cpu: cpus()[0]?.model,
      cores: cpus().length,
      loadAverage: loadavg().map((v) => round(v)),
    },
    python,
    js,
    calc,
    grammar,
  };
}
