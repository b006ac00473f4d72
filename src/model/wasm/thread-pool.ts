/**
 * A pool of worker threads running the WASM kernels on the shared memory. One call cuts a range (rows,
 * columns or work items) into chunks that the main thread and the workers claim one at a time, and the
 * call returns when every chunk is done. A thread slowed down by other processes simply claims fewer
 * chunks, and the main thread never waits for a worker that has not woken up: it does the work itself.
 * Chunk boundaries are multiples of the kernel's block, so results do not depend on which thread ran what.
 *
 * Claims go through one shared word, (job generation << INDEX_BITS) | next chunk index, changed by
 * compare-and-swap. A new job first closes the last one's claims (the word takes the new generation and
 * an index no job reaches), then writes its fields and arguments, then opens its own claims: a worker
 * that wakes late, still holding an old generation, claims nothing, even after reading a newer job's
 * chunk count. The fields are read with atomics before a claim and the arguments after it, and a job
 * is not finished until every claimed chunk is done, so a claimed chunk runs with its own job's
 * arguments. Workers spin briefly before sleeping, so back-to-back kernels (a forward pass) do not pay
 * a wake-up each time.
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
/** Low bits of the claim word: the next chunk index; the high bits hold the job's generation. */
const INDEX_BITS = 11;
const INDEX_MASK = (1 << INDEX_BITS) - 1;
/** A claim word's index that no job's chunk count reaches: claims closed. */
const CLOSED = INDEX_MASK;
/** Generations wrap within the claim word's remaining bits (20: a million jobs). */
const GENERATION_MASK = (1 << (31 - INDEX_BITS)) - 1;
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
 * workers (as source text for the latter). `job` reads the kernel and its arguments, once, after the
 * first claim (they cannot change until that chunk is done). A kernel that throws marks the job FAILED
 * before its chunk counts as done, so the caller sees it.
 */
function runChunks(
  ctrl: Int32Array,
  generation: number,
  job: () => { kernel: (...args: number[]) => void; call: number[] },
): void {
  const tag = generation << INDEX_BITS;
  let claimed: { kernel: (...args: number[]) => void; call: number[] } | undefined;
  for (;;) {
    const word = Atomics.load(ctrl, CLAIM);
    // Another job's word, or this job's chunks all claimed (or its claims not open yet).
    if (word >>> INDEX_BITS !== generation || (word & INDEX_MASK) >= Atomics.load(ctrl, CHUNKS)) return;
    if (Atomics.compareExchange(ctrl, CLAIM, word, word + 1) !== word) continue;
    claimed ??= job();
    const { kernel, call } = claimed;
    const startArg = Atomics.load(ctrl, START_ARG);
    const start = Atomics.load(ctrl, RANGE_LOW) + (word - tag) * Atomics.load(ctrl, CHUNK);
    call[startArg] = start;
    call[startArg + 1] = Math.min(Atomics.load(ctrl, RANGE_HIGH), start + Atomics.load(ctrl, CHUNK));
    try {
      kernel(...call);
    } catch {
      Atomics.store(ctrl, FAILED, 1);
    }
    if (Atomics.add(ctrl, DONE, 1) + 1 === Atomics.load(ctrl, CHUNKS)) Atomics.notify(ctrl, DONE);
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
const [INDEX_BITS, INDEX_MASK] = [${INDEX_BITS}, ${INDEX_MASK}];
const runChunks = ${runChunks.toString()};
let seen = 0;
for (;;) {
  let polls = 0;
  while (Atomics.load(ctrl, GENERATION) === seen) {
    if (++polls > spinPolls) Atomics.wait(ctrl, GENERATION, seen);
  }
  seen = Atomics.load(ctrl, GENERATION);
  if (Atomics.load(ctrl, SHUTDOWN) === 1) break;
  const job = () => ({
    kernel: kernels[Atomics.load(ctrl, FUNCTION)],
    call: Array.from(args.subarray(0, Atomics.load(ctrl, ARG_COUNT))),
  });
  runChunks(ctrl, seen, job);
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
    const generation = (Atomics.load(ctrl, GENERATION) + 1) & GENERATION_MASK;
    // Close the last job's claims before its fields change (see the header).
    Atomics.store(ctrl, CLAIM, (generation << INDEX_BITS) | CLOSED);
    this.args.set(args);
    Atomics.store(ctrl, FUNCTION, kernelNames.indexOf(name));
    Atomics.store(ctrl, ARG_COUNT, args.length);
    Atomics.store(ctrl, START_ARG, startArg);
    Atomics.store(ctrl, RANGE_LOW, low);
    Atomics.store(ctrl, RANGE_HIGH, high);
    Atomics.store(ctrl, CHUNK, chunk);
    Atomics.store(ctrl, CHUNKS, chunks);
    Atomics.store(ctrl, FAILED, 0);
    Atomics.store(ctrl, DONE, 0);
    Atomics.store(ctrl, CLAIM, generation << INDEX_BITS);
    Atomics.store(ctrl, GENERATION, generation);
    Atomics.notify(ctrl, GENERATION);
    runChunks(ctrl, generation, () => ({ kernel, call: args }));
    let polls = 0;
    for (;;) {
      const done = Atomics.load(ctrl, DONE);
      if (done === chunks) break;
      if (done > chunks) throw new Error(`cogcore thread pool: ${done} of ${chunks} chunks done`);
      if (++polls > SPIN_POLLS) Atomics.wait(ctrl, DONE, done, 1);
    }
    if (Atomics.load(ctrl, FAILED)) throw new Error(`cogcore kernel ${name} failed`);
  }

  /** Stops the workers; the pool cannot be used afterwards. */
  async close(): Promise<void> {
    Atomics.store(this.ctrl, SHUTDOWN, 1);
    Atomics.store(this.ctrl, GENERATION, (Atomics.load(this.ctrl, GENERATION) + 1) & GENERATION_MASK);
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
