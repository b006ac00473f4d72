/**
 * One Python sandbox process, seen from the parent: starts it with Node's permission flags and an empty
 * environment, sends it calls over IPC, and kills it when a call outlives its deadline and grace period,
 * when the caller aborts, or when the pool retires it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { AbortedError } from "../../errors.ts";

export type SandboxStatus =
  | "ok"
  | "error"
  | "interrupted"
  | "time"
  | "memory"
  | "stack"
  | "output"
  | "permission"
  | "permission-fatal"
  | "fatal"
  | "crash";

export interface SandboxRunRequest {
  code: string;
  timeoutMs: number;
  /** Time between the interrupt and the kill. */
  graceMs: number;
  maxOutputBytes: number;
}

export interface SandboxRunResult {
  status: SandboxStatus;
  /** repr() of the value of the last expression, if any. */
  value: string | null;
  /** The traceback or reason, for statuses other than "ok". */
  error: string | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface SandboxLaunch {
  /** The pyodide npm package directory (readable by the sandbox). */
  pyodideDir: string;
  /** Directory of sandbox-process.mjs and its companions (readable by the sandbox). */
  sandboxDir: string;
  /** WebAssembly memory cap in MiB. */
  memoryMb: number;
  /** JavaScript heap cap of the process in MiB. */
  heapMb: number;
  /** Startup snapshot to load from, if present (readable by the sandbox). */
  snapshotPath?: string;
  /** Write a startup snapshot here instead of serving calls (the only case the process may write). */
  makeSnapshotPath?: string;
  /** Start the process in a new network namespace (`unshare -rn`): no network interface at all. */
  isolateNetwork: boolean;
}

/** Node 20 names the permission model `--experimental-permission`; later versions `--permission`. */
const PERMISSION_FLAG = process.allowedNodeEnvironmentFlags.has("--permission")
  ? "--permission"
  : "--experimental-permission";

/** Extra time the parent waits past the sandbox's own hard stop before it kills the process. */
const PARENT_MARGIN_MS = 2000;

export class SandboxProcess {
  /** Resolves when Python is loaded and hardened (or the snapshot is written). */
  readonly ready: Promise<{ loadMs: number; fromSnapshot: boolean }>;
  /** Calls served so far. */
  calls = 0;
  /** Whether the process became ready. */
  started = false;
  #child: ChildProcess;
  #exited = false;
  #stderrTail = "";
  #pending: { id: number; resolve: (result: SandboxRunResult) => void } | null = null;
  #nextId = 1;
  #exitListeners: Array<() => void> = [];

  constructor(launch: SandboxLaunch) {
    const { command, args } = commandLine(launch);
    this.#child = spawn(command, args, {
      env: {},
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      serialization: "json",
    });
    this.#child.stderr?.on("data", (chunk: Buffer) => {
      this.#stderrTail = (this.#stderrTail + chunk.toString("utf8")).slice(-4000);
    });
    this.ready = new Promise((resolve, reject) => {
      this.#child.on("message", (message: { type: string; loadMs?: number; fromSnapshot?: boolean }) => {
        if (message.type === "ready" || message.type === "snapshot-written") {
          this.started = true;
          resolve({ loadMs: message.loadMs ?? 0, fromSnapshot: Boolean(message.fromSnapshot) });
        } else if (message.type === "result") {
          const result = message as unknown as SandboxRunResult & { id: number };
          if (result.error) this.#stderrTail = `${this.#stderrTail}${result.error}\n`.slice(-4000);
          this.#settle(result);
        }
      });
      this.#child.on("error", (error) => reject(error));
      this.#child.on("exit", (code, signal) => {
        this.#exited = true;
        reject(new Error(`the Python sandbox exited while starting (${signal ?? code}): ${this.stderrTail}`));
        this.#settle({
          id: this.#pending?.id ?? -1,
          ...crash(`the sandbox process exited (${signal ?? code})`),
        });
        for (const listener of this.#exitListeners) listener();
      });
    });
    this.ready.catch(() => {});
  }

  get alive(): boolean {
    return !this.#exited;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** The last 4000 characters the process wrote to stderr (for diagnostics). */
  get stderrTail(): string {
    return this.#stderrTail;
  }

  onExit(listener: () => void): void {
    if (this.#exited) listener();
    else this.#exitListeners.push(listener);
  }

  /** Runs one call; the process must be ready and idle. */
  run(request: SandboxRunRequest, signal?: AbortSignal): Promise<SandboxRunResult> {
    if (this.#exited) return Promise.resolve(crash("the sandbox process is not running"));
    const id = this.#nextId++;
    this.calls++;
    return new Promise((resolve, reject) => {
      const killTimer = setTimeout(
        () => {
          this.kill();
          finish({
            ...crash(`killed ${request.graceMs + PARENT_MARGIN_MS} ms after its deadline`),
            status: "time",
          });
        },
        request.timeoutMs + request.graceMs + PARENT_MARGIN_MS,
      );
      const onAbort = () => {
        this.kill();
        cleanup();
        reject(new AbortedError("the Python call was aborted"));
      };
      const cleanup = () => {
        clearTimeout(killTimer);
        signal?.removeEventListener("abort", onAbort);
        this.#pending = null;
      };
      const finish = (result: SandboxRunResult) => {
        cleanup();
        resolve(result);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#pending = { id, resolve: finish };
      this.#child.send({ type: "run", id, ...request });
    });
  }

  kill(): void {
    if (!this.#exited) this.#child.kill("SIGKILL");
  }

  #settle(message: SandboxRunResult & { id: number | null }): void {
    const pending = this.#pending;
    if (!pending || (message.id !== null && message.id !== pending.id && message.id !== -1)) return;
    pending.resolve({
      status: message.status,
      value: message.value ?? null,
      error: message.error ?? null,
      stdout: message.stdout ?? "",
      stderr: message.stderr ?? "",
      durationMs: message.durationMs ?? 0,
    });
  }
}

function crash(error: string): SandboxRunResult {
  return { status: "crash", value: null, error, stdout: "", stderr: "", durationMs: 0 };
}

function commandLine(launch: SandboxLaunch): { command: string; args: string[] } {
  const snapshotFiles = [launch.snapshotPath, launch.makeSnapshotPath && dirname(launch.makeSnapshotPath)];
  const readable = [
    launch.pyodideDir,
    launch.sandboxDir,
    ...snapshotFiles.filter((path) => path !== undefined),
  ];
  const nodeArgs = [
    PERMISSION_FLAG,
    ...readable.map((path) => `--allow-fs-read=${path}`),
    ...(launch.makeSnapshotPath ? [`--allow-fs-write=${dirname(launch.makeSnapshotPath)}`] : []),
    "--allow-worker",
    `--max-old-space-size=${launch.heapMb}`,
    "--no-warnings",
    join(launch.sandboxDir, "sandbox-process.mjs"),
    JSON.stringify({
      pyodideDir: launch.pyodideDir,
      wasmMemoryMb: launch.memoryMb,
      heapMb: launch.heapMb,
      snapshotPath: launch.snapshotPath,
      makeSnapshotPath: launch.makeSnapshotPath,
    }),
  ];
  if (!launch.isolateNetwork) return { command: process.execPath, args: nodeArgs };
  return { command: "unshare", args: ["--user", "--map-root-user", "--net", process.execPath, ...nodeArgs] };
}
