/**
 * A pool of warm Python sandbox processes. Starting Pyodide costs seconds; a warm process answers in
 * milliseconds. The pool keeps `size` processes loaded, gives each call an idle one, replaces a process
 * after `recycleAfter` calls or after any call that ended in a kill, crash, time, memory or permission
 * failure, and starts a replacement whenever one dies, so it recovers from a killed worker by itself.
 *
 * Startup snapshots: the first time, a separate process (which never runs user code, and is the only one
 * allowed to write) saves Pyodide's memory after loading to `<snapshotDir>/pyodide-<version>-<hash>.bin`;
 * later processes start from it about four times faster.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { AbortedError } from "../../errors.ts";
import { log } from "../../log.ts";
import { SandboxCrashedError } from "../tool.ts";
import { SandboxProcess, type SandboxRunRequest, type SandboxRunResult } from "./sandbox-client.ts";

export interface PythonPoolOptions {
  /** Warm processes kept ready. Default: 1. */
  size?: number;
  /** WebAssembly memory cap per process, in MiB. Default: 256. */
  memoryMb?: number;
  /** JavaScript heap cap per process, in MiB. Default: 192. */
  heapMb?: number;
  /** Calls a process serves before it is replaced. Default: 50. */
  recycleAfter?: number;
  /** Time from the interrupt to the kill, in ms. Default: 1000. */
  graceMs?: number;
  /** Where startup snapshots are kept; null turns snapshots off. Default: null. */
  snapshotDir?: string | null;
  /** The pyodide package directory. Default: the installed npm package. */
  pyodideDir?: string;
  /** "auto": start processes without network (`unshare -rn`) where the OS allows it; "off": don't. Default: "auto". */
  networkIsolation?: "auto" | "off";
}

const SANDBOX_DIR = dirname(fileURLToPath(import.meta.url));
const PYODIDE_DIR = dirname(createRequire(import.meta.url).resolve("pyodide/package.json"));
/** Starts that may fail in a row before waiting calls get SandboxCrashedError. */
const MAX_FAILED_STARTS = 2;
/**
 * Calls that end like this leave the process dead, suspect or holding memory it cannot give back: it is
 * replaced. (A caught interrupt, RecursionError, output flood or PermissionError leaves it healthy.)
 */
const RETIRING_STATUSES = new Set(["time", "memory", "permission-fatal", "fatal", "crash"]);

let networkIsolationAvailable: boolean | undefined;

/** Whether `unshare --user --map-root-user --net` works here (unprivileged user namespaces). */
export function canIsolateNetwork(): boolean {
  if (networkIsolationAvailable === undefined) {
    const probe = spawnSync("unshare", ["--user", "--map-root-user", "--net", "true"], { timeout: 5000 });
    networkIsolationAvailable = probe.status === 0;
  }
  return networkIsolationAvailable;
}

export class PythonPool {
  readonly #options: Required<PythonPoolOptions>;
  readonly #idle: SandboxProcess[] = [];
  readonly #all = new Set<SandboxProcess>();
  readonly #waiters: Array<{ resolve: (process: SandboxProcess) => void; reject: (error: Error) => void }> =
    [];
  /** Processes that exited before they were ready, in a row; at MAX_FAILED_STARTS the pool stops trying. */
  #failedStarts = 0;
  #closed = false;
  #snapshot: Promise<void> | null = null;

  constructor(options: PythonPoolOptions = {}) {
    this.#options = {
      size: options.size ?? 1,
      memoryMb: options.memoryMb ?? 256,
      heapMb: options.heapMb ?? 192,
      recycleAfter: options.recycleAfter ?? 50,
      graceMs: options.graceMs ?? 1000,
      snapshotDir: options.snapshotDir ?? null,
      networkIsolation: options.networkIsolation ?? "auto",
      pyodideDir: options.pyodideDir ?? PYODIDE_DIR,
    };
  }

  /** Starts the warm processes now rather than at the first call. */
  warm(): Promise<void> {
    this.#fill();
    return Promise.all([...this.#all].map((process) => process.ready.then(() => undefined))).then(
      () => undefined,
    );
  }

  /** The processes currently alive (for tests and diagnostics). */
  get processes(): SandboxProcess[] {
    return [...this.#all];
  }

  async run(request: Omit<SandboxRunRequest, "graceMs">, signal?: AbortSignal): Promise<SandboxRunResult> {
    const process = await this.#acquire();
    let result: SandboxRunResult | undefined;
    try {
      result = await process.run({ ...request, graceMs: this.#options.graceMs }, signal);
      return result;
    } finally {
      this.#release(process, result);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#rejectWaiters(new AbortedError("the Python pool was closed"));
    for (const process of this.#all) process.kill();
    this.#all.clear();
    this.#idle.length = 0;
    await this.#snapshot?.catch(() => {});
  }

  async #acquire(): Promise<SandboxProcess> {
    if (this.#closed) throw new AbortedError("the Python pool is closed");
    // Every call may try again to start processes, however the last attempts went.
    if (this.#failedStarts >= MAX_FAILED_STARTS) this.#failedStarts = 0;
    this.#fill();
    for (;;) {
      const process =
        this.#idle.shift() ??
        (await new Promise<SandboxProcess>((resolve, reject) => this.#waiters.push({ resolve, reject })));
      if (process.alive) return process;
    }
  }

  #rejectWaiters(error: Error): void {
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
  }

  /** A process exited before it was ready; after MAX_FAILED_STARTS in a row, waiting calls fail. */
  #noteFailedStart(process: SandboxProcess): void {
    this.#failedStarts++;
    if (this.#failedStarts < MAX_FAILED_STARTS) return;
    const detail = process.stderrTail.trim().split("\n").slice(-3).join(" ") || "no diagnostics";
    this.#rejectWaiters(new SandboxCrashedError(`the Python sandbox could not start: ${detail}`));
  }

  #release(process: SandboxProcess, result: SandboxRunResult | undefined): void {
    const retire =
      !result || RETIRING_STATUSES.has(result.status) || process.calls >= this.#options.recycleAfter;
    if (retire || !process.alive) {
      this.#retire(process);
      return;
    }
    this.#offer(process);
  }

  #offer(process: SandboxProcess): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter.resolve(process);
    else this.#idle.push(process);
  }

  #retire(process: SandboxProcess): void {
    process.kill();
    this.#all.delete(process);
    const index = this.#idle.indexOf(process);
    if (index >= 0) this.#idle.splice(index, 1);
    this.#fill();
  }

  /** Starts processes until `size` are alive or starting. */
  #fill(): void {
    while (!this.#closed && this.#all.size < this.#options.size && this.#failedStarts < MAX_FAILED_STARTS) {
      this.#start();
    }
  }

  #start(): void {
    const snapshotPath = this.#snapshotPath();
    const process = new SandboxProcess({ ...this.#launchBase(), snapshotPath });
    this.#all.add(process);
    process.onExit(() => {
      if (!process.started) this.#noteFailedStart(process);
      if (this.#all.has(process)) this.#retire(process);
    });
    process.ready.then(
      ({ fromSnapshot }) => {
        this.#failedStarts = 0;
        if (snapshotPath && !fromSnapshot) this.#rebuildSnapshot(snapshotPath, true);
        if (process.alive && this.#all.has(process)) this.#offer(process);
      },
      (error: Error) => log.debug(`python sandbox failed to start: ${error.message}`),
    );
    if (snapshotPath && !existsSync(snapshotPath)) this.#rebuildSnapshot(snapshotPath, false);
  }

  #launchBase() {
    const isolate = this.#options.networkIsolation === "auto" && canIsolateNetwork();
    return {
      pyodideDir: this.#options.pyodideDir,
      sandboxDir: SANDBOX_DIR,
      memoryMb: this.#options.memoryMb,
      heapMb: this.#options.heapMb,
      isolateNetwork: isolate,
    };
  }

  /** The snapshot file for this Pyodide and these sandbox sources, or undefined when snapshots are off. */
  #snapshotPath(): string | undefined {
    if (!this.#options.snapshotDir) return undefined;
    return join(this.#options.snapshotDir, `pyodide-${snapshotKey()}.bin`);
  }

  /** Writes the snapshot once, in a process of its own; `stale` removes an unusable one first. */
  #rebuildSnapshot(path: string, stale: boolean): void {
    if (this.#snapshot || this.#closed) return;
    if (stale) rmSync(path, { force: true });
    mkdirSync(dirname(path), { recursive: true });
    const maker = new SandboxProcess({ ...this.#launchBase(), makeSnapshotPath: path });
    this.#snapshot = maker.ready.then(
      () => log.debug(`python sandbox snapshot written to ${path}`),
      (error: Error) => log.debug(`python sandbox snapshot failed: ${error.message}`),
    );
  }
}

let cachedKey: string | undefined;

/** Pyodide's version and a hash of the sandbox sources: a snapshot is only reused by the same pair. */
function snapshotKey(): string {
  if (cachedKey) return cachedKey;
  const hash = createHash("sha256");
  for (const file of ["sandbox-process.mjs", "sandbox-python.mjs"])
    hash.update(readFileSync(join(SANDBOX_DIR, file)));
  const version = JSON.parse(readFileSync(join(PYODIDE_DIR, "package.json"), "utf8")).version as string;
  cachedKey = `${version}-${hash.digest("hex").slice(0, 16)}`;
  return cachedKey;
}
