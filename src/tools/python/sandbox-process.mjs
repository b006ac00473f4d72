// The Python sandbox process: Pyodide (CPython compiled to WebAssembly) in its own Node process.
//
// Started by sandbox-client.ts as
//   [unshare --user --map-root-user --net] node --experimental-permission --allow-fs-read=<pyodide dir>
//        --allow-fs-read=<this directory> [--allow-fs-read=<snapshot>] --allow-worker
//        --max-old-space-size=<MiB> sandbox-process.mjs <options JSON>
// with an empty environment and an IPC channel. Node's permission model then refuses file writes, reads
// outside those paths, child processes, native addons and process.binding; unshare (where the OS allows
// it) leaves the process without a network. This file is plain JavaScript because it must run without a
// TypeScript loader, which would need to read more files.
//
// Two threads: this main thread supervises, a worker thread runs Python. Only a second thread can stop
// Python in a loop, which is why the process is allowed one worker: at the deadline the supervisor writes
// SIGINT into Pyodide's interrupt buffer (Python raises KeyboardInterrupt), and again until the call ends
// (sandbox-interrupt.mjs); if Python is still running after the grace period it terminates the worker
// and exits, and the pool starts a fresh process.
//
// Protocol (IPC, JSON): parent → {type: "run", id, code, timeoutMs, maxOutputBytes}; child → {type:
// "ready", loadMs} once, then {type: "result", id, status, stdout, stderr, value, error, durationMs}.
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { interruptUntilDone } from "./sandbox-interrupt.mjs";

if (isMainThread) supervise();
else await import("./sandbox-python.mjs").then((module) => module.runPythonThread(parentPort, workerData));

function supervise() {
  const options = JSON.parse(process.argv[2] ?? "{}");
  const interrupt = new Int32Array(new SharedArrayBuffer(4));
  const phase = new Int32Array(new SharedArrayBuffer(4));
  const started = performance.now();
  const worker = new Worker(new URL("./sandbox-process.mjs", import.meta.url), {
    workerData: { ...options, interrupt, phase },
    env: {},
    resourceLimits: { maxOldGenerationSizeMb: options.heapMb ?? 128, stackSizeMb: 4 },
    stdout: true,
    stderr: true,
  });
  let running = null;
  let failed = false;

  worker.on("message", (message) => {
    if (message.type === "ready" || message.type === "snapshot-written") {
      process.send?.({ ...message, loadMs: Math.round(performance.now() - started) });
      if (message.type === "snapshot-written") {
        failed = true;
        setTimeout(() => process.exit(0), 20);
      }
      return;
    }
    if (message.type === "result" && running && message.id === running.id) {
      clearTimeout(running.softTimer);
      running.stopInterrupting();
      clearTimeout(running.hardTimer);
      running = null;
      process.send?.(message);
    }
  });
  worker.on("error", (error) => fail("crash", `the Python thread failed: ${error?.message ?? error}`));
  worker.on("exit", () => fail("crash", "the Python thread exited"));

  process.on("message", (message) => {
    if (message?.type !== "run" || running) return;
    Atomics.store(interrupt, 0, 0);
    const call = { id: message.id, stopInterrupting: () => {} };
    call.softTimer = setTimeout(() => {
      call.stopInterrupting = interruptUntilDone(interrupt, phase);
    }, message.timeoutMs);
    call.hardTimer = setTimeout(() => {
      call.stopInterrupting();
      void worker.terminate();
      fail("time", `still running ${message.graceMs} ms after the interrupt at ${message.timeoutMs} ms`);
    }, message.timeoutMs + message.graceMs);
    running = call;
    worker.postMessage(message);
  });
  process.on("disconnect", () => process.exit(0));

  function fail(status, detail) {
    if (failed) return;
    failed = true;
    const id = running?.id ?? null;
    running = null;
    if (process.connected)
      process.send({ type: "result", id, status, stdout: "", stderr: "", error: detail });
    setTimeout(() => process.exit(1), 20);
  }
}
