/**
 * Runs many tiny back-to-back kernels on a 2-thread pool, alternating jobs of 8 and 4 chunks, and
 * prints how many products differ from the one-thread result. A test runs it in a child process:
 * a pool that miscounts its chunks hangs here, where a test could not time it out.
 *   node --import tsx test/helpers/thread-pool-stress.ts [calls]
 */
import { allocFloats } from "../../src/model/wasm/runtime.ts";
import { setThreads } from "../../src/model/wasm/thread-pool.ts";

const calls = Number(process.argv[2] ?? 50_000);
const [k, wide, narrow] = [16, 128, 16];
const x = allocFloats(k);
const w = allocFloats(wide * k);
const out = allocFloats(wide);
const other = allocFloats(narrow);
for (let i = 0; i < x.length; i++) x.array[i] = (i % 7) - 3;
for (let i = 0; i < w.length; i++) w.array[i] = (i % 5) - 2;
// out (1, d) = x (1, k) · w (d, k)ᵀ over rows [0, d) in chunks of 4 rows: 8 chunks when wide, 4 when narrow.
const product = (pool: Awaited<ReturnType<typeof setThreads>>, into: number, d: number) =>
  pool.run("matmul_nt", [into, x.ptr, w.ptr, 1, k, d, k, k, 0, 0, 0], 8, 0, d, 4, 1);
product(await setThreads(1), out.ptr, wide);
const expected = Float32Array.from(out.array);
const pool = await setThreads(2);
let wrong = 0;
for (let call = 0; call < calls; call++) {
  out.array.fill(Number.NaN);
  product(pool, out.ptr, wide);
  product(pool, other.ptr, narrow);
  if (out.array.some((value, index) => value !== expected[index])) wrong++;
}
process.stdout.write(`${JSON.stringify({ calls, wrong })}\n`);
process.exit(0);
