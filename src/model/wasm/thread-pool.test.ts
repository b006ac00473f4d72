import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { packageRoot } from "../../paths.ts";
import { matmul, matmulWeightGrad } from "../kernels.ts";
import { Random } from "../random.ts";
import { allocFloats, freeFloats } from "./runtime.ts";
import { defaultThreads, setThreads, ThreadPool } from "./thread-pool.ts";

afterAll(async () => {
  await setThreads(defaultThreads());
});

describe("thread pool", () => {
  it("gives bit-identical products on 1, 2 and 3 threads, over many back-to-back calls", async () => {
    const random = new Random(3);
    const [n, d, k] = [37, 203, 129];
    const x = allocFloats(n * k);
    const w = allocFloats(d * k);
    for (const buffer of [x, w])
      for (let i = 0; i < buffer.length; i++) buffer.array[i] = random.nextNormal();
    const results: Float32Array[] = [];
    for (const threads of [1, 2, 3]) {
      await setThreads(threads);
      const out = allocFloats(n * d);
      const dw = allocFloats(d * k);
      for (let repeat = 0; repeat < 10; repeat++) {
        matmul(out.ptr, x.ptr, w.ptr, n, d, k);
        matmulWeightGrad(dw.ptr, out.ptr, x.ptr, n, d, k);
      }
      results.push(Float32Array.from([...out.array, ...dw.array]));
      freeFloats(out);
      freeFloats(dw);
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
    freeFloats(x);
    freeFloats(w);
  });

  it("reports a kernel that traps (out-of-bounds memory) as an error, and keeps working", async () => {
    const pool = await setThreads(2);
    const rows = 4096;
    const outOfBounds = 2 ** 32 - 1024;
    expect(() =>
      pool.run(
        "rmsnorm_forward",
        [outOfBounds, outOfBounds, outOfBounds, 0, 64, 1e-5, 0, 0],
        6,
        0,
        rows,
        1,
        1,
      ),
    ).toThrow(/kernel rmsnorm_forward failed/);
    const x = allocFloats(8 * 16);
    x.array.fill(2);
    const weight = allocFloats(16);
    weight.array.fill(1);
    const out = allocFloats(8 * 16);
    pool.run("rmsnorm_forward", [out.ptr, x.ptr, weight.ptr, 0, 16, 0, 0, 0], 6, 0, 8, 1, 1);
    expect(out.array.every((value) => Math.abs(value - 1) < 1e-6)).toBe(true);
    for (const buffer of [x, weight, out]) freeFloats(buffer);
  });

  it("never loses count of a job's chunks when jobs of different sizes follow each other closely", () => {
    // A worker that woke late once claimed chunks of the last job with the next job's chunk count:
    // the count of chunks done overshot and the caller waited forever. Run where a hang can time out.
    const stress = join(packageRoot, "test/helpers/thread-pool-stress.ts");
    const child = spawnSync(process.execPath, ["--import", import.meta.resolve("tsx"), stress, "50000"], {
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(child.signal).toBeNull();
    expect(JSON.parse(child.stdout)).toEqual({ calls: 50_000, wrong: 0 });
  }, 40_000);

  it("rejects a nonsensical thread count", () => {
    expect(() => new ThreadPool(0)).toThrow(/thread count/);
  });
});
