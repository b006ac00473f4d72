import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import {
  enterUserCode,
  IDLE,
  interruptUntilDone,
  leaveUserCode,
  REASSERT_MS,
  RUNNING,
  SIGINT,
  SIGNALLING,
} from "./sandbox-interrupt.mjs";

const buffers = () => ({
  interrupt: new Int32Array(new SharedArrayBuffer(4)),
  phase: new Int32Array(new SharedArrayBuffer(4)),
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the sandbox's deadline interrupt", () => {
  it("stores SIGINT again after Python's poll overwrote it, until the call ends", async () => {
    const { interrupt, phase } = buffers();
    enterUserCode(phase);
    const stop = interruptUntilDone(interrupt, phase);
    expect(Atomics.load(interrupt, 0)).toBe(SIGINT);
    // Pyodide's poll reads 0 and writes 0 around the supervisor's store: the SIGINT is lost.
    Atomics.store(interrupt, 0, 0);
    await sleep(REASSERT_MS * 2.5);
    expect(Atomics.load(interrupt, 0)).toBe(SIGINT);
    expect(Atomics.load(phase, 0)).toBe(RUNNING);
    leaveUserCode(phase);
    expect(Atomics.load(phase, 0)).toBe(IDLE);
    Atomics.store(interrupt, 0, 0);
    await sleep(REASSERT_MS * 2.5);
    // Once the user's code has ended, no SIGINT lands in the reset that follows.
    expect(Atomics.load(interrupt, 0)).toBe(0);
    stop();
  });

  it("waits for the user's code to start when the deadline comes first", async () => {
    const { interrupt, phase } = buffers();
    const stop = interruptUntilDone(interrupt, phase);
    expect(Atomics.load(interrupt, 0)).toBe(0);
    enterUserCode(phase);
    await sleep(REASSERT_MS * 2.5);
    expect(Atomics.load(interrupt, 0)).toBe(SIGINT);
    stop();
    leaveUserCode(phase);
    Atomics.store(interrupt, 0, 0);
    await sleep(REASSERT_MS * 2.5);
    expect(Atomics.load(interrupt, 0)).toBe(0);
  });

  it("leaves the user's code only once a store under way has finished", async () => {
    const { phase } = buffers();
    Atomics.store(phase, 0, SIGNALLING);
    // leaveUserCode blocks this thread, so the supervisor's side ends the store from another thread.
    const worker = new Worker(
      `const { workerData } = require("node:worker_threads");
       setTimeout(() => Atomics.store(workerData.phase, 0, ${RUNNING}), 50);`,
      { eval: true, workerData: { phase } },
    );
    const started = performance.now();
    leaveUserCode(phase);
    expect(performance.now() - started).toBeGreaterThanOrEqual(40);
    expect(Atomics.load(phase, 0)).toBe(IDLE);
    await worker.terminate();
  });
});
