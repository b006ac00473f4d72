import { describe, expect, it } from "vitest";
import { seededRandom } from "../../test/helpers/seeded-random.ts";
import { float16BitsToFloat32, float32ToFloat16Bits } from "./float16.ts";

describe("float16", () => {
  it("round-trips every binary16 value", () => {
    const failures: number[] = [];
    for (let bits = 0; bits < 0x10000; bits++) {
      const value = float16BitsToFloat32(bits);
      const back = float32ToFloat16Bits(value);
      if (Number.isNaN(value) ? !Number.isNaN(float16BitsToFloat32(back)) : back !== bits)
        failures.push(bits);
    }
    expect(failures).toEqual([]);
  });

  it("rounds to the nearest binary16, ties to even, across normal, subnormal and overflow ranges", () => {
    const next = seededRandom(5);
    const positives = Array.from({ length: 0x7c00 }, (_, bits) => float16BitsToFloat32(bits)); // ascending
    const failures: string[] = [];
    for (let sample = 0; sample < 20000; sample++) {
      const magnitude = Math.fround(2 ** (next() * 44 - 28) * (1 + next()));
      const bits = float32ToFloat16Bits(magnitude);
      const rounded = float16BitsToFloat32(bits);
      if (float32ToFloat16Bits(-magnitude) !== (bits | 0x8000)) failures.push(`sign of ${magnitude}`);
      if (magnitude >= 65520) {
        if (rounded !== Number.POSITIVE_INFINITY) failures.push(`overflow of ${magnitude}`);
        continue;
      }
      // No representable value is strictly nearer; on a tie the chosen one has an even mantissa.
      const error = Math.abs(rounded - magnitude);
      const belowError = Math.abs(positives[Math.max(0, bits - 1)] - magnitude);
      const aboveError = Math.abs(positives[Math.min(0x7bff, bits + 1)] - magnitude);
      if (error > belowError || error > aboveError) failures.push(`not nearest: ${magnitude}`);
      if (error > 0 && (error === belowError || error === aboveError) && bits & 1)
        failures.push(`tie not even: ${magnitude}`);
    }
    expect(failures).toEqual([]);
    expect(float32ToFloat16Bits(65519)).toBe(0x7bff);
    expect(float32ToFloat16Bits(1e-8)).toBe(0);
    expect(float32ToFloat16Bits(2 ** -25 * 1.0001)).toBe(1);
    expect(float32ToFloat16Bits(2 ** -25)).toBe(0); // exactly half the smallest subnormal: ties to even (0)
    expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie between 1 and 1 + 2^-10: even is 1
  });
});
