/**
 * The containment suite: hostile inputs to every tool that runs code, each answered with a typed
 * LimitExceededError or PermissionDeniedError, the host untouched (no file written, no connection made,
 * no process started), and no secret of the parent's environment in any output.
 *
 * One warm Python pool and one QuickJS worker serve all cases; the cases that end in a killed process
 * are spread out so that the pool's spare has time to start.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { homedir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LimitExceededError, PermissionDeniedError } from "../src/errors.ts";
import { packageRoot } from "../src/paths.ts";
import { createCalcTool } from "../src/tools/calc/calc-tool.ts";
import { createJsTool } from "../src/tools/js/js-tool.ts";
import { createPythonTool, type PythonTool } from "../src/tools/python/python-tool.ts";
import type { AnyTool } from "../src/tools/tool.ts";
import { SANDBOX_START_TIMEOUT_MS, TEST_SNAPSHOT_DIR } from "./helpers/python.ts";

const SECRET = `cogcore-secret-${randomBytes(12).toString("hex")}`;
process.env.COGCORE_CONTAINMENT_SECRET = SECRET;

// Host paths outside the sandbox's own writable roots (its /tmp and /home/pyodide are virtual: a write
// there lands in memory, not on the host), even when the checkout itself lives under /tmp: a file that
// must stay unchanged, and one that must never come to exist.
const SANDBOX_ROOTS = ["/tmp", "/home/pyodide"];
const hostParent = ["/var/tmp", homedir(), packageRoot].find(
  (dir) => existsSync(dir) && !SANDBOX_ROOTS.some((root) => dir === root || dir.startsWith(`${root}/`)),
)!;
const hostDir = mkdtempSync(join(hostParent, ".cogcore-containment-"));
const hostFile = join(hostDir, "host.txt");
const hostFileContent = `host file ${randomBytes(6).toString("hex")}\n`;
writeFileSync(hostFile, hostFileContent);
const marker = join(hostDir, "marker");

let connections = 0;
let listener: Server;
let port = 0;
let python: PythonTool;
let js: AnyTool;
const calc = createCalcTool();

beforeAll(async () => {
  listener = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  port = (listener.address() as { port: number }).port;
  python = createPythonTool({ snapshotDir: TEST_SNAPSHOT_DIR, size: 2, graceMs: 500, memoryMb: 64 });
  js = createJsTool({ limits: { memoryMb: 32 } });
  await python.pool.warm();
}, SANDBOX_START_TIMEOUT_MS);

afterAll(async () => {
  await python.close?.();
  await js.close?.();
  listener.close();
  rmSync(hostDir, { recursive: true, force: true });
});

type Limit = "time" | "memory" | "stack" | "output";
/** A permission refusal, a limit, or either of two limits where the machine's speed decides which comes first. */
type Expected = "permission" | Limit | [Limit, Limit];
const P = "permission";

/** [what it tries, code, expected typed error] */
const PYTHON_CASES: Array<[string, () => string, Expected]> = [
  ["read a host file", () => "open('/etc/passwd').read()", P],
  ["read the process environment through /proc", () => "open('/proc/self/environ').read()", P],
  ["write a host file", () => `open(${JSON.stringify(marker)}, 'w').write('x')`, P],
  ["append to an existing host file", () => `open(${JSON.stringify(hostFile)}, 'a').write('changed')`, P],
  ["escape /tmp with ..", () => "open('/tmp/../etc/evil', 'w')", P],
  ["run a shell command", () => `import os\nos.system('touch ${marker}')`, P],
  ["popen a process", () => "import os\nos.popen('id').read()", P],
  ["use subprocess", () => "import subprocess\nsubprocess.run(['ls'])", P],
  ["fork", () => "import os\nos.fork()", P],
  ["exec a program", () => "import os\nos.execv('/bin/sh', ['sh'])", P],
  ["kill the parent", () => `import os\nos.kill(${process.pid}, 9)`, P],
  ["open a socket to the host", () => `import socket\nsocket.create_connection(('127.0.0.1', ${port}))`, P],
  ["fetch a URL", () => `import urllib.request\nurllib.request.urlopen('http://127.0.0.1:${port}/')`, P],
  ["import the js bridge", () => "import js\njs.process.env", P],
  ["import pyodide_js", () => "import pyodide_js", P],
  ["import pyodide.ffi", () => "from pyodide.ffi import to_js", P],
  ["load ctypes", () => "import ctypes\nctypes.CDLL(None)", P],
  ["import multiprocessing", () => "import multiprocessing", P],
  ["walk the heap for hidden modules", () => "import gc\ngc.get_objects()", P],
  [
    "rebuild the JavaScript bridge and call the Function constructor",
    () =>
      "import _imp, importlib.machinery as m\n" +
      "core = _imp.create_builtin(m.ModuleSpec('_pyodide_core', m.BuiltinImporter))\n" +
      "core.to_js([1]).constructor.constructor('return process.env')()",
    P,
  ],
  ["raise the recursion limit", () => "import sys\nsys.setrecursionlimit(10**6)", P],
  ["loop forever", () => "while True: pass", "time"],
  ["recurse without end", () => "def f(): return f()\nf()", "stack"],
  ["flood stdout", () => "while True: print('flood' * 100)", "output"],
  ["write a huge line", () => "import sys\nsys.stdout.write('y' * 10**7)", "output"],
  [
    "swallow the interrupt and keep looping",
    () => "while True:\n  try:\n    while True: pass\n  except BaseException: pass",
    "time",
  ],
  ["allocate a huge bytearray", () => "bytearray(1024 * 1024 * 1024)", "memory"],
  ["grow a list until memory runs out", () => "x = []\nwhile True: x.append(bytearray(10**6))", "memory"],
];

const JS_CASES: Array<[string, string, Expected]> = [
  ["read process.env", "process.env.COGCORE_CONTAINMENT_SECRET", P],
  ["require fs", "require('fs').readFileSync('/etc/passwd', 'utf8')", P],
  ["fetch", `fetch('http://127.0.0.1:${port}/')`, P],
  ["dynamic import of a Node module", "import('node:child_process')", P],
  ["constructor.constructor escape", "this.constructor.constructor('return process')().env", P],
  [
    "prototype walk to the global object",
    "({}).__proto__.constructor.constructor('return globalThis')().require('fs')",
    P,
  ],
  ["loop forever", "while (true) {}", "time"],
  ["loop forever in microtasks", "(async () => { while (true) await null })()", "time"],
  ["recurse without end", "function f() { return f() } f()", "stack"],
  ["allocate a huge string", "'x'.repeat(5e8)", "memory"],
  // QuickJS checks its limits only at allocations and branches: on a slow machine the deadline may come first.
  [
    "grow an array until memory runs out",
    "const a = []; for (;;) a.push('x'.repeat(1e6) + a.length)",
    ["memory", "time"],
  ],
  ["flood console.log", "for (;;) console.log('flood')", "output"],
];

const CALC_CASES: Array<[string, string, string]> = [
  ["a ten-billion-digit power", "10^10^10", "precision"],
  ["a huge factorial", "100000000!", "precision"],
  ["an exponential past any precision", "exp(10^20)", "precision"],
  ["an expression too long to read", `${"1+".repeat(1500)}1`, "input"],
];

async function expectContained(run: () => Promise<unknown>, expected: Expected): Promise<Error> {
  let thrown: unknown;
  let result: unknown;
  try {
    result = await run();
  } catch (error) {
    thrown = error;
  }
  const type = expected === P ? PermissionDeniedError : LimitExceededError;
  expect(thrown, `returned ${JSON.stringify(result)?.slice(0, 300)} instead of throwing`).toBeInstanceOf(
    type,
  );
  if (expected !== P) expect([expected].flat()).toContain((thrown as LimitExceededError).limit);
  expect((thrown as Error).message).not.toContain(SECRET);
  return thrown as Error;
}

describe("containment", () => {
  it(`contains ${PYTHON_CASES.length} hostile Python inputs`, async () => {
    for (const [what, code, expected] of PYTHON_CASES) {
      // Refusals come back in milliseconds; the generous limit only matters on a loaded machine.
      const timeoutMs = expected === "time" ? 1000 : 10_000;
      const run = () => python.execute({ code: code() }, { limits: { timeoutMs } });
      const error = await expectContained(run, expected).catch((failure: Error) => {
        throw new Error(`python: ${what}: ${failure.message}`);
      });
      expect(error.message.length, what).toBeGreaterThan(0);
    }
  }, 240_000);

  it(`contains ${JS_CASES.length} hostile JavaScript inputs`, async () => {
    for (const [what, code, expected] of JS_CASES) {
      const timeoutMs = expected === "time" ? 1000 : Array.isArray(expected) ? 2000 : 10_000;
      await expectContained(() => js.execute({ code }, { limits: { timeoutMs } }), expected).catch(
        (failure: Error) => {
          throw new Error(`js: ${what}: ${failure.message}`);
        },
      );
    }
  }, 120_000);

  it(`contains ${CALC_CASES.length} calculator inputs that would exhaust the host`, async () => {
    for (const [what, expression, limit] of CALC_CASES) {
      const started = performance.now();
      const error = await calc.execute({ expression }, {}).catch((thrown: unknown) => thrown);
      expect(error, what).toBeInstanceOf(LimitExceededError);
      expect((error as LimitExceededError).limit, what).toBe(limit);
      expect(performance.now() - started, what).toBeLessThan(2000);
    }
  });

  it("leaves the host untouched: no file written or changed, no connection made", () => {
    expect(existsSync(marker)).toBe(false);
    expect(readFileSync(hostFile, "utf8")).toBe(hostFileContent);
    expect(connections).toBe(0);
  });

  it("never shows a secret of the parent's environment in any tool's output", async () => {
    const pythonProbes = [
      "import os\nprint(dict(os.environ))",
      "import posix\nprint(posix.environ)",
      "import os\nprint(os.getenv('COGCORE_CONTAINMENT_SECRET'))",
      "import sys\nprint(sys.argv, sys.executable, sys.flags)",
    ];
    const outputs: string[] = [];
    for (const code of pythonProbes) outputs.push((await python.execute({ code }, {})).content);
    const jsProbes = ["Object.getOwnPropertyNames(globalThis).join(' ')", "JSON.stringify(globalThis)"];
    for (const code of jsProbes) outputs.push((await js.execute({ code }, {})).content);
    outputs.push((await calc.execute({ expression: "1 + 1" }, {})).content);
    expect(outputs.join("\n")).not.toContain(SECRET);
    expect(outputs[2]).toBe("None");
    expect(process.env.COGCORE_CONTAINMENT_SECRET).toBe(SECRET);
  }, 60_000);
});
