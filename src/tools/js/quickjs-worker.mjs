// The JavaScript sandbox: QuickJS compiled to WebAssembly, in a worker thread of its own.
//
// Each call gets a fresh QuickJS runtime and context with a memory limit, a stack limit and a deadline
// checked by QuickJS's interrupt handler; the only host function is console.log (and its aliases), which
// appends text to a capped buffer. Every handle is disposed before the call returns. QuickJS cannot be
// interrupted inside a long native builtin, so js-tool.ts also terminates this thread when a call outlives
// its deadline by the grace period. This file is plain JavaScript: worker threads get no TypeScript loader.
//
// Protocol: parent → {id, code, timeoutMs, memoryBytes, stackBytes, maxOutputBytes};
//           thread → {type: "ready"} once, then {id, status, output, value, error, durationMs}.
import { parentPort } from "node:worker_threads";
import { getQuickJS } from "quickjs-emscripten";

const QuickJS = await getQuickJS();
parentPort.on("message", (request) => {
  let reply;
  try {
    reply = run(request);
  } catch (error) {
    reply = {
      id: request.id,
      status: "crash",
      value: null,
      error: `internal: ${error?.message ?? error}`,
      output: "",
    };
  }
  parentPort.postMessage(reply);
});
parentPort.postMessage({ type: "ready" });

/**
 * Names code written for Node, Deno, Bun or browsers reaches for to get at the host. None exists here;
 * each is a getter that throws SandboxPermissionError, so such code gets a clear, typed answer.
 */
const PRELUDE = `(() => {
  class SandboxPermissionError extends Error {
    constructor(message) { super(message); this.name = "SandboxPermissionError"; }
  }
  const hostNames = ["process", "require", "module", "exports", "__dirname", "__filename", "fetch",
    "XMLHttpRequest", "WebSocket", "Deno", "Bun", "navigator", "importScripts", "setTimeout", "setInterval",
    "std", "os"];
  for (const name of hostNames) {
    Object.defineProperty(globalThis, name, {
      get() { throw new SandboxPermissionError(name + " is not available: the sandbox has no host objects"); },
      configurable: false,
    });
  }
})()`;

function run(request) {
  const started = performance.now();
  const runtime = QuickJS.newRuntime();
  const output = createOutput(request.maxOutputBytes);
  const deadline = Date.now() + request.timeoutMs;
  runtime.setMemoryLimit(request.memoryBytes);
  runtime.setMaxStackSize(request.stackBytes);
  runtime.setInterruptHandler(() => output.flooded || Date.now() > deadline);
  const context = runtime.newContext();
  let outcome;
  try {
    installConsole(context, output);
    context.unwrapResult(context.evalCode(PRELUDE, "prelude.js")).dispose();
    outcome = evaluate(context, runtime, request.code, request.maxOutputBytes);
  } finally {
    context.dispose();
    runtime.dispose();
  }
  // An interrupt inside pending jobs is not always reported as an error: the deadline decides.
  if (outcome.status !== "interrupted" && Date.now() > deadline) {
    outcome = { status: "interrupted", value: null, error: null };
  }
  if (output.flooded) outcome = { status: "output", value: null, error: null };
  return {
    id: request.id,
    ...outcome,
    output: output.text(),
    durationMs: Math.round(performance.now() - started),
  };
}

function evaluate(context, runtime, code, maxOutputBytes) {
  const result = context.evalCode(code, "code.js");
  if (result.error) return failure(context, result.error);
  let handle = result.value;
  const jobs = runtime.executePendingJobs();
  if (jobs.error) {
    handle.dispose();
    return failure(context, jobs.error);
  }
  const state = context.getPromiseState(handle);
  if (!state.notAPromise) {
    handle.dispose();
    if (state.type === "pending")
      return { status: "error", value: null, error: "Error: the promise never settled" };
    if (state.type === "rejected") return failure(context, state.error);
    handle = state.value;
  }
  const value = describe(context, handle, maxOutputBytes);
  handle.dispose();
  return { status: "ok", value, error: null };
}

/** An error thrown by the code: limits become statuses, anything else is the code's own error. */
function failure(context, errorHandle) {
  const error = context.dump(errorHandle);
  errorHandle.dispose();
  const message = typeof error === "object" && error !== null ? String(error.message ?? "") : String(error);
  const name = typeof error === "object" && error !== null ? String(error.name ?? "Error") : "Error";
  if (name === "InternalError" && message === "interrupted")
    return { status: "interrupted", value: null, error: null };
  if (name === "InternalError" && /out of memory/.test(message))
    return { status: "memory", value: null, error: message };
  if (/stack overflow/.test(message)) return { status: "stack", value: null, error: message };
  if (name === "SandboxPermissionError" || /could not load module/i.test(message)) {
    return { status: "permission", value: null, error: `${name}: ${message}` };
  }
  const stack = typeof error === "object" && error?.stack ? `\n${String(error.stack).trimEnd()}` : "";
  return { status: "error", value: null, error: `${name}: ${message}${stack}` };
}

/** The value as text: JSON for plain data, String() for the rest, undefined as null. */
function describe(context, handle, maxChars) {
  const type = context.typeof(handle);
  if (type === "undefined") return null;
  if (type === "function") return "[function]";
  const text = toText(context.dump(handle), true);
  return text.length > maxChars ? `${text.slice(0, maxChars)}…` : text;
}

/** A dumped value as text: JSON where it has one (bigints as 123n), else String(); strings quoted if asked. */
function toText(value, quoteStrings) {
  if (typeof value === "string") return quoteStrings ? JSON.stringify(value) : value;
  if (typeof value === "bigint") return `${value}n`;
  try {
    return (
      JSON.stringify(value, (_, item) => (typeof item === "bigint" ? `${item}n` : item)) ?? String(value)
    );
  } catch {
    return String(value);
  }
}

function installConsole(context, output) {
  const consoleObject = context.newObject();
  const log = context.newFunction("log", (...argumentHandles) => {
    const parts = argumentHandles.map((handle) => toText(context.dump(handle), false));
    output.append(`${parts.join(" ")}\n`);
  });
  for (const name of ["log", "info", "warn", "error", "debug"]) context.setProp(consoleObject, name, log);
  context.setProp(context.global, "console", consoleObject);
  log.dispose();
  consoleObject.dispose();
}

function createOutput(maxBytes) {
  const chunks = [];
  let bytes = 0;
  const output = {
    flooded: false,
    append(text) {
      if (output.flooded) return;
      const size = Buffer.byteLength(text);
      if (bytes + size > maxBytes) {
        chunks.push(
          Buffer.from(text)
            .subarray(0, maxBytes - bytes)
            .toString("utf8"),
        );
        output.flooded = true;
        return;
      }
      bytes += size;
      chunks.push(text);
    },
    text: () => chunks.join(""),
  };
  return output;
}
