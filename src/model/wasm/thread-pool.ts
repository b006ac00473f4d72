/**
 * A pool of worker threads running the WASM kernels on the shared memory. One call cuts a range (rows,
 * columns or work items) into chunks that the main thread and the workers claim one at a time, and the
 * call returns when every chunk is done. A thread slowed down by other processes simply claims fewer
 * chunks, and the main thread never waits for a worker that has not woken up: it does the work itself.
 * Chunk boundaries are multiples of the kernel's block, so results do not depend on which thread ran what.
 *
 * Claims go through one shared word, (job generation << 16) | next chunk index, changed by
 * compare-and-swap: a worker that wakes late, still holding an old job's arguments, cannot claim a chunk
 * of a newer job. A job's arguments are rewritten only after all its chunks are done, so a successful
 * claim always runs with the arguments it read. Workers spin briefly before sleeping, so back-to-back
 * kernels (a forward pass) do not pay a wake-up each time.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { InvalidInputError } from "../../errors.ts";
import { type KernelName, runtime } from "./runtime.ts";

const GENERATION = 0;
const CLAIM = 1;
const DONE = 2;
const FUNCTION = 3;
const ARG_COUNT = 4;
const START_ARG = 5;
const RANGE_LOW = 6;
const RANGE_HIGH = 7;
const CHUNK = 8;
const CHUNKS = 9;
const FAILED = 10;
const SHUTDOWN = 11;
const ARGS_OFFSET_BYTES = 64;
const MAX_ARGS = 32;

/** How many polls of the control block a thread makes before sleeping (tens of microseconds). */
const SPIN_POLLS = 20000;
/** Chunks per thread: enough to even out a busy machine, few enough to keep each call cheap. */
const CHUNKS_PER_THREAD = 4;

const kernelNames: KernelName[] = [
  "matmul_nt",
  "matmul_nn",
  "attention_forward",
  "attention_backward",
  "rmsnorm_forward",
  "rope",
  "swiglu_forward",
  "swiglu_backward",
  "cross_entropy",
  "adamw",
];

/**
 * Claims and runs chunks of the current job until none is left; shared by the main thread and the
 * workers (as source text for the latter). Returns false if a kernel threw.
 */
function runChunks(
  ctrl: Int32Array,
  generation: number,
  kernel: (...args: number[]) => void,
  call: number[],
): boolean {
  const startArg = ctrl[START_ARG];
  const low = ctrl[RANGE_LOW];
  const high = ctrl[RANGE_HIGH];
  const chunk = ctrl[CHUNK];
  const chunks = ctrl[CHUNKS];
  const tag = (generation & 0x7fff) << 16;
  let ok = true;
  for (;;) {
    const word = Atomics.load(ctrl, CLAIM);
    if ((word & 0x7fff0000) !== tag || (word & 0xffff) >= chunks) return ok;
    if (Atomics.compareExchange(ctrl, CLAIM, word, word + 1) !== word) continue;
    const start = low + (word & 0xffff) * chunk;
    call[startArg] = start;
    call[startArg + 1] = Math.min(high, start + chunk);
    try {
      kernel(...call);
    } catch {
      ok = false;
    }
    if (Atomics.add(ctrl, DONE, 1) + 1 === chunks) Atomics.notify(ctrl, DONE);
  }
}

const workerSource = `
const { workerData } = require("node:worker_threads");
const { module, memory, control, names, spinPolls } = workerData;
const exports = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error("abort"); } } }).exports;
const kernels = names.map((name) => exports[name]);
const ctrl = new Int32Array(control);
const args = new Float64Array(control, ${ARGS_OFFSET_BYTES}, ${MAX_ARGS});
const [GENERATION, CLAIM, DONE, FUNCTION, ARG_COUNT, START_ARG, RANGE_LOW, RANGE_HIGH, CHUNK, CHUNKS, FAILED, SHUTDOWN] =
  [${GENERATION}, ${CLAIM}, ${DONE}, ${FUNCTION}, ${ARG_COUNT}, ${START_ARG}, ${RANGE_LOW}, ${RANGE_HIGH}, ${CHUNK}, ${CHUNKS}, ${FAILED}, ${SHUTDOWN}];
const runChunks = ${runChunks.toString()};
let seen = 0;
for (;;) {
  let polls = 0;
  while (Atomics.load(ctrl, GENERATION) === seen) {
    if (++polls > spinPolls) Atomics.wait(ctrl, GENERATION, seen);
  }
  seen = Atomics.load(ctrl, GENERATION);
  if (Atomics.load(ctrl, SHUTDOWN) === 1) break;
  const call = Array.from(args.subarray(0, ctrl[ARG_COUNT]));
  if (!runChunks(ctrl, seen, kernels[ctrl[FUNCTION]], call)) Atomics.store(ctrl, FAILED, 1);
}
`;

export class ThreadPool {
  readonly threads: number;
  private readonly workers: Worker[] = [];
  private readonly control = new SharedArrayBuffer(ARGS_OFFSET_BYTES + MAX_ARGS * 8);
  private readonly ctrl = new Int32Array(this.control);
  private readonly args = new Float64Array(this.control, ARGS_OFFSET_BYTES, MAX_ARGS);

  constructor(threads: number) {
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
      throw new InvalidInputError(`thread count ${threads}`, { expected: "an integer from 1 to 256" });
    }
    this.threads = threads;
    const { module, memory } = runtime();
    for (let index = 1; index < threads; index++) {
      const worker = new Worker(workerSource, {
        eval: true,
        workerData: {
          module,
          memory,
          control: this.control,
          index,
          names: kernelNames,
          spinPolls: SPIN_POLLS,
        },
      });
      worker.unref();
      this.workers.push(worker);
    }
  }

  /**
   * Runs kernel `name` over the range [low, high) in chunks that are multiples of `align`;
   * args[startArg] and args[startArg + 1] receive each chunk's start and end. Small ranges (below
   * `minParallel` units) run on the calling thread alone.
   */
  run(
    name: KernelName,
    args: number[],
    startArg: number,
    low: number,
    high: number,
    align = 1,
    minParallel = 2,
  ): void {
    const kernel = runtime().kernels[name] as (...values: number[]) => void;
    const units = Math.ceil((high - low) / align);
    if (this.threads === 1 || units <= 1 || high - low < minParallel) {
      args[startArg] = low;
      args[startArg + 1] = high;
      kernel(...args);
      return;
    }
    const chunk = Math.ceil(units / Math.min(units, this.threads * CHUNKS_PER_THREAD)) * align;
    const chunks = Math.ceil((high - low) / chunk);
    const ctrl = this.ctrl;
    const generation = (ctrl[GENERATION] + 1) & 0x7fff;
    this.args.set(args);
    ctrl[FUNCTION] = kernelNames.indexOf(name);
    ctrl[ARG_COUNT] = args.length;
    ctrl[START_ARG] = startArg;
    ctrl[RANGE_LOW] = low;
    ctrl[RANGE_HIGH] = high;
    ctrl[CHUNK] = chunk;
    ctrl[CHUNKS] = chunks;
    ctrl[FAILED] = 0;
    Atomics.store(ctrl, DONE, 0);
    Atomics.store(ctrl, CLAIM, generation << 16);
    Atomics.store(ctrl, GENERATION, generation);
    Atomics.notify(ctrl, GENERATION);
    const ok = runChunks(ctrl, generation, kernel, args);
    let polls = 0;
    for (;;) {
      const done = Atomics.load(ctrl, DONE);
      if (done === chunks) break;
      if (++polls > SPIN_POLLS) Atomics.wait(ctrl, DONE, done, 1);
    }
    if (!ok || ctrl[FAILED]) throw new Error(`cogcore kernel ${name} failed`);
  }

  /** Stops the workers; the pool cannot be used afterwards. */
  async close(): Promise<void> {
    Atomics.store(this.ctrl, SHUTDOWN, 1);
    Atomics.store(this.ctrl, GENERATION, (this.ctrl[GENERATION] + 1) & 0x7fff);
    Atomics.notify(this.ctrl, GENERATION);
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

let pool: ThreadPool | undefined;

/** Default threads: $COGCORE_THREADS, else the machine's available parallelism. */
export function defaultThreads(): number {
  const fromEnv = Number(process.env.COGCORE_THREADS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : availableParallelism();
}

/** The process-wide pool, created on first use with defaultThreads(). */
export function threadPool(): ThreadPool {
  pool ??= new ThreadPool(defaultThreads());
  return pool;
}

/** Replaces the process-wide pool with one of `threads` threads (benchmarks compare at fixed threads). */
export async function setThreads(threads: number): Promise<ThreadPool> {
  if (pool?.threads === threads) return pool;
  const previous = pool;
  pool = new ThreadPool(threads);
  await previous?.close();
  return pool;
}
