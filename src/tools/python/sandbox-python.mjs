// The Python thread of the sandbox process (see sandbox-process.mjs): loads Pyodide offline from the npm
// package, removes every bridge from Python to this process's JavaScript and from JavaScript to the
// network, then runs one call at a time and posts back what it printed and how it ended.
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { enterUserCode, leaveUserCode, SIGINT } from "./sandbox-interrupt.mjs";

const WASM_PAGE = 65536;

/** Modules imported before a startup snapshot is taken, so calls find them loaded. */
const PRELOADED =
  "import traceback, posixpath, math, json, re, collections, itertools, functools, fractions, decimal, statistics, datetime, random, string, textwrap, warnings";

/** @param {import("node:worker_threads").MessagePort} port */
export async function runPythonThread(port, options) {
  const { interrupt, phase } = options;
  capWasmMemory(options.wasmMemoryMb * 1024 * 1024);
  const constants = (await import("node:fs")).constants;
  // Pyodide's file system layer asks process.binding for open() flags, which the permission model denies.
  process.binding = (name) => {
    if (name === "constants") return { fs: constants };
    throw new Error(`process.binding('${name}') is not available in the sandbox`);
  };
  const { loadPyodide } = await import(pathToFileURL(join(options.pyodideDir, "pyodide.mjs")).href);
  if (options.makeSnapshotPath) {
    await makeSnapshot(loadPyodide, options);
    port.postMessage({ type: "snapshot-written" });
    return;
  }
  const output = createOutput(interrupt);
  const { pyodide, fromSnapshot } = await load(loadPyodide, options);
  pyodide.setStdout({ write: (bytes) => output.write("stdout", bytes) });
  pyodide.setStderr({ write: (bytes) => output.write("stderr", bytes) });
  pyodide.setInterruptBuffer(interrupt);
  pyodide.unregisterJsModule("js");
  pyodide.unregisterJsModule("pyodide_js");
  const setup = readFileSync(new URL("./sandbox-setup.py", import.meta.url), "utf8");
  const functions = pyodide.runPython(setup);
  const [run, reset] = [functions.get(0), functions.get(1)];
  functions.destroy();
  hardenJavaScript();
  const runtime = { run, reset, output, interrupt, phase };
  // One throwaway call compiles the code paths every call takes, so the first real call is as fast as later ones.
  runCall({ id: 0, code: "sum(range(10))", maxOutputBytes: 1024 }, runtime);
  port.postMessage({ type: "ready", fromSnapshot });
  port.on("message", (message) => port.postMessage(runCall(message, runtime)));
}

function pyodideOptions(options) {
  return {
    indexURL: `${options.pyodideDir}/`,
    jsglobals: Object.create(null),
    env: { HOME: "/home/pyodide" },
    stdout: () => {},
    stderr: () => {},
  };
}

/** Loads from the startup snapshot when there is a usable one (about 4x faster), else from scratch. */
async function load(loadPyodide, options) {
  if (options.snapshotPath) {
    try {
      const snapshot = readFileSync(options.snapshotPath);
      return {
        pyodide: await loadPyodide({ ...pyodideOptions(options), _loadSnapshot: snapshot }),
        fromSnapshot: true,
      };
    } catch {
      // A missing, truncated or stale snapshot: load from scratch; the pool rebuilds the snapshot.
    }
  }
  const pyodide = await loadPyodide(pyodideOptions(options));
  pyodide.runPython(PRELOADED);
  return { pyodide, fromSnapshot: false };
}

/** Writes a startup snapshot: Pyodide's memory right after loading, before any user code ever ran. */
async function makeSnapshot(loadPyodide, options) {
  const pyodide = await loadPyodide({ ...pyodideOptions(options), _makeSnapshot: true });
  pyodide.runPython(PRELOADED);
  const snapshot = pyodide.makeMemorySnapshot();
  const temporary = `${options.makeSnapshotPath}.${process.pid}.tmp`;
  writeFileSync(temporary, snapshot);
  renameSync(temporary, options.makeSnapshotPath);
}

function runCall(message, { run, reset, output, interrupt, phase }) {
  const started = performance.now();
  output.start(message.maxOutputBytes);
  let status = "ok";
  let value = null;
  let error = null;
  enterUserCode(phase);
  try {
    const outcome = run(message.code, message.maxOutputBytes);
    [status, value, error] = outcome.toJs();
    outcome.destroy();
  } catch (thrown) {
    ({ status, error } = classifyThrown(thrown));
  } finally {
    leaveUserCode(phase);
  }
  if (output.flooded) status = "output";
  const streams = output.finish();
  if (status !== "fatal") {
    try {
      Atomics.store(interrupt, 0, 0);
      resetAfterInterrupt(reset);
    } catch (thrown) {
      status = "fatal";
      error = `the sandbox could not reset after the call: ${thrown?.message ?? thrown}`;
    }
  }
  const result = { type: "result", id: message.id, status, value, error, ...streams };
  result.durationMs = Math.round(performance.now() - started);
  // After a fatal error Pyodide cannot be used again: report, then end this process.
  if (status === "fatal" || status === "permission-fatal") setTimeout(() => process.exit(1), 10);
  return result;
}

/**
 * Resets the namespace. A SIGINT that Python took from the buffer as the user's code ended is still
 * pending and raises KeyboardInterrupt in the first Python code that runs, the reset: then the reset
 * runs again.
 */
function resetAfterInterrupt(reset) {
  try {
    reset();
  } catch (thrown) {
    if (!/KeyboardInterrupt/.test(String(thrown?.message ?? thrown))) throw thrown;
    reset();
  }
}

/** Errors that escaped the Python runner: a late KeyboardInterrupt, or a fatal error of the runtime. */
function classifyThrown(thrown) {
  const text = String(thrown?.message ?? thrown);
  if (/KeyboardInterrupt/.test(text)) return { status: "interrupted", error: null };
  if (
    thrown?.code === "ERR_ACCESS_DENIED" ||
    /ERR_ACCESS_DENIED|Access to this API has been restricted/.test(text)
  ) {
    return {
      status: "permission-fatal",
      error: `the runtime was denied: ${thrown?.permission ?? text.split("\n")[0]}`,
    };
  }
  if (thrown instanceof RangeError || /Maximum call stack size exceeded/.test(text)) {
    return { status: "fatal", error: "stack: the WebAssembly stack overflowed" };
  }
  return { status: "fatal", error: text.split("\n").slice(-3).join("\n") };
}

/** Captures stdout and stderr bytes up to a cap; past it, asks Python to stop (KeyboardInterrupt). */
function createOutput(interrupt) {
  let chunks = { stdout: [], stderr: [] };
  let total = 0;
  let limit = 0;
  const state = {
    flooded: false,
    start(maxBytes) {
      chunks = { stdout: [], stderr: [] };
      total = 0;
      limit = maxBytes;
      state.flooded = false;
    },
    write(stream, bytes) {
      if (!state.flooded) {
        const room = limit - total;
        chunks[stream].push(bytes.slice(0, Math.max(0, room)));
        total += bytes.length;
        if (total > limit) {
          state.flooded = true;
          Atomics.store(interrupt, 0, SIGINT);
        }
      }
      return bytes.length;
    },
    finish() {
      const decoder = new TextDecoder("utf-8", { fatal: false });
      const text = (parts) => decoder.decode(Buffer.concat(parts));
      return { stdout: text(chunks.stdout), stderr: text(chunks.stderr) };
    },
  };
  return state;
}

/** Refuses to grow any WebAssembly memory past `capBytes`; Pyodide's malloc then fails and Python raises MemoryError. */
function capWasmMemory(capBytes) {
  const grow = WebAssembly.Memory.prototype.grow;
  WebAssembly.Memory.prototype.grow = function growWithinCap(pages) {
    if (this.buffer.byteLength + pages * WASM_PAGE > capBytes) {
      throw new RangeError(`WebAssembly memory would exceed the sandbox cap of ${capBytes} bytes`);
    }
    return grow.call(this, pages);
  };
}

/** process methods that reach native bindings, other processes, files, credentials or the debugger. */
const PROCESS_DENIED = [
  "binding",
  "_linkedBinding",
  "dlopen",
  "getBuiltinModule",
  "_kill",
  "kill",
  "loadEnvFile",
  "abort",
  "chdir",
  "openStdin",
  "setSourceMapsEnabled",
  "initgroups",
  "setgroups",
  "setegid",
  "seteuid",
  "setgid",
  "setuid",
  "_debugProcess",
  "_debugEnd",
];

/**
 * Removes what JavaScript in this thread could use to reach the network or the host, should Python
 * ever reach JavaScript: the module loader Pyodide installed (fs, child_process, ws), fetch, bindings,
 * process control, and code generation from strings (eval, Function), which is also how dynamic
 * import() would be reached.
 */
function hardenJavaScript() {
  const denied = (name) => () => {
    throw new Error(`${name} is not available in the sandbox`);
  };
  for (const name of [
    "require",
    "fetch",
    "WebSocket",
    "EventSource",
    "XMLHttpRequest",
    "Request",
    "Response",
  ]) {
    Object.defineProperty(globalThis, name, { value: undefined, writable: false, configurable: false });
  }
  for (const name of PROCESS_DENIED) {
    Object.defineProperty(process, name, {
      value: denied(`process.${name}`),
      writable: false,
      configurable: false,
    });
  }
  Object.defineProperty(process, "report", { value: undefined, writable: false, configurable: false });
  globalThis.eval = denied("eval");
  const functionPrototypes = [
    Function.prototype,
    Object.getPrototypeOf(async () => {}),
    Object.getPrototypeOf(function* () {}),
    Object.getPrototypeOf(async function* () {}),
  ];
  for (const prototype of functionPrototypes) {
    Object.defineProperty(prototype, "constructor", {
      value: denied("the Function constructor"),
      writable: false,
      configurable: false,
    });
  }
  // A stand-in that keeps `x instanceof Function` working but cannot compile anything.
  const stub = function FunctionStub() {
    throw new Error("Function is not available in the sandbox");
  };
  stub.prototype = Function.prototype;
  Object.defineProperty(globalThis, "Function", { value: stub, writable: false, configurable: false });
}
