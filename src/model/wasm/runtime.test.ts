import { describe, expect, it } from "vitest";
import { allocFloats, freeFloats, runtime } from "./runtime.ts";

describe("WASM memory allocator", () => {
  it("hands out aligned, zeroed, non-overlapping buffers and reuses freed ones zeroed", () => {
    const a = allocFloats(1000);
    const b = allocFloats(3);
    const c = allocFloats(50_000);
    for (const buffer of [a, b, c]) {
      expect(buffer.ptr % 64).toBe(0);
      expect(buffer.array.every((value) => value === 0)).toBe(true);
      buffer.array.fill(7);
    }
    expect(b.ptr).toBeGreaterThanOrEqual(a.ptr + 4000);
    expect(c.ptr).toBeGreaterThanOrEqual(b.ptr + 12);
    const used = runtime().allocatedBytes();
    freeFloats(a);
    freeFloats(c);
    const again = allocFloats(900); // fits where a was
    expect(again.ptr).toBe(a.ptr);
    expect(again.array.every((value) => value === 0)).toBe(true);
    const big = allocFloats(60_000); // spans c's old space and fresh memory
    expect(big.array.every((value) => value === 0)).toBe(true);
    expect(b.array.every((value) => value === 7)).toBe(true);
    for (const buffer of [b, again, big]) freeFloats(buffer);
    expect(runtime().allocatedBytes()).toBeLessThan(used);
  });
});
