/**
 * A pool of worker threads running the WASM kernels on the shared memory. One call splits a range (rows,
 * columns or work items) between the main thread and the workers; the main thread does part 0 and waits
 * for the others. Workers are woken through Atomics on a shared control block and spin briefly before
 * sleeping, so back-to-back kernels (a forward pass) do not pay a wake-up each time.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { InvalidInputError } from "../../errors.ts";
import { type KernelName, runtime } from "./runtime.ts";

const GENERATION = 0;
const PENDING = 1;
const FUNCTION = 2;
const ARG_COUNT = 3;
const START_ARG = 4;
const RANGE_LOW = 5;
const RANGE_HIGH = 6;
const RANGE_ALIGN = 7;
const FAILED = 8;
const SHUTDOWN = 9;
const PARTS = 10;
const ARGS_OFFSET_BYTES = 64;
const MAX_ARGS = 32;

/** How many polls of the control block a worker makes before sleeping (a few tens of microseconds). */
const SPIN_POLLS = 20000;

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

const workerSource = `
const { workerData } = require("node:worker_threads");
const { module, memory, control, index, names, spinPolls } = workerData;
const exports = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error("abort"); } } }).exports;
const kernels = names.map((name) => exports[name]);
const ctrl = new Int32Array(control);
const args = new Float64Array(control, ${ARGS_OFFSET_BYTES}, ${MAX_ARGS});
let seen = 0;
for (;;) {
  let polls = 0;
  while (Atomics.load(ctrl, ${GENERATION}) === seen) {
    if (++polls > spinPolls) Atomics.wait(ctrl, ${GENERATION}, seen);
  }
  seen = Atomics.load(ctrl, ${GENERATION});
  if (ctrl[${SHUTDOWN}] === 1) break;
  try {
    const parts = ctrl[${PARTS}];
    if (index < parts) {
      const count = ctrl[${ARG_COUNT}];
      const call = Array.from(args.subarray(0, count));
      const low = ctrl[${RANGE_LOW}], high = ctrl[${RANGE_HIGH}], align = ctrl[${RANGE_ALIGN}];
      const chunk = Math.ceil((high - low) / parts / align) * align;
      const start = Math.min(high, low + index * chunk);
      const end = Math.min(high, start + chunk);
      if (start < end) {
        call[ctrl[${START_ARG}]] = start;
        call[ctrl[${START_ARG}] + 1] = end;
        kernels[ctrl[${FUNCTION}]].apply(null, call);
      }
    }
  } catch (error) {
    Atomics.store(ctrl, ${FAILED}, 1);
  }
  if (Atomics.sub(ctrl, ${PENDING}, 1) === 1) Atomics.notify(ctrl, ${PENDING});
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
   * Runs kernel `name` over the range [low, high) split in `align`-sized multiples between the threads;
   * args[startArg] and args[startArg + 1] receive each part's start and end. Small ranges (below
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
    const kernels = runtime().kernels;
    const parts = Math.min(this.threads, Math.ceil((high - low) / align));
    if (parts <= 1 || high - low < minParallel) {
      args[startArg] = low;
      args[startArg + 1] = high;
      (kernels[name] as (...values: number[]) => void)(...args);
      return;
    }
    const ctrl = this.ctrl;
    this.args.set(args);
    ctrl[FUNCTION] = kernelNames.indexOf(name);
    ctrl[ARG_COUNT] = args.length;
    ctrl[START_ARG] = startArg;
    ctrl[RANGE_LOW] = low;
    ctrl[RANGE_HIGH] = high;
    ctrl[RANGE_ALIGN] = align;
    ctrl[PARTS] = parts;
    ctrl[FAILED] = 0;
    Atomics.store(ctrl, PENDING, this.workers.length);
    Atomics.add(ctrl, GENERATION, 1);
    Atomics.notify(ctrl, GENERATION);
    const chunk = Math.ceil((high - low) / parts / align) * align;
    args[startArg] = low;
    args[startArg + 1] = Math.min(high, low + chunk);
    (kernels[name] as (...values: number[]) => void)(...args);
    let polls = 0;
    for (;;) {
      const pending = Atomics.load(ctrl, PENDING);
      if (pending === 0) break;
      if (++polls > SPIN_POLLS) Atomics.wait(ctrl, PENDING, pending, 10);
    }
    if (ctrl[FAILED]) throw new Error(`cogcore kernel ${name} failed in a worker thread`);
  }

  /** Stops the workers; the pool cannot be used afterwards. */
  async close(): Promise<void> {
    this.ctrl[SHUTDOWN] = 1;
    Atomics.add(this.ctrl, GENERATION, 1);
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
