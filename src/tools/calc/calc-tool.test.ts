import { describe, expect, it } from "vitest";
import { InvalidInputError, LimitExceededError } from "../../errors.ts";
import { calculate, createCalcTool, describeCalcResult } from "./calc-tool.ts";
import { CalcSyntaxError } from "./evaluate.ts";
import { CalcDomainError } from "./numbers.ts";

/** A deterministic generator (mulberry32), so a failure reproduces. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

function bigInteger(next: () => number): bigint {
  const digits = 1 + Math.floor(next() * 30);
  let text = String(1 + Math.floor(next() * 9));
  for (let index = 1; index < digits; index++) text += String(Math.floor(next() * 10));
  return BigInt(text);
}

const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? (a < 0n ? -a : a) : gcd(b, a % b));

describe("calc", () => {
  it("matches BigInt arithmetic on random big-integer expressions", () => {
    const next = random(7);
    for (let trial = 0; trial < 200; trial++) {
      const [a, b, c] = [bigInteger(next), bigInteger(next), bigInteger(next)];
      const expression = `${a} * ${b} - ${c} + (${b} - ${a}) * 3`;
      const expected = a * b - c + (b - a) * 3n;
      const result = calculate(expression);
      expect(result.exact, expression).toBe(expected.toString());
      expect(result.decimal).toBe(expected.toString());
      expect(result.decimalIsExact).toBe(true);
    }
  });

  it("keeps quotients exact, in lowest terms", () => {
    const next = random(11);
    for (let trial = 0; trial < 100; trial++) {
      const [a, b] = [bigInteger(next), bigInteger(next)];
      const divisor = gcd(a, b);
      const result = calculate(`${a} / ${b}`);
      const [numerator, denominator] = [a / divisor, b / divisor];
      expect(result.exact).toBe(denominator === 1n ? `${numerator}` : `${numerator}/${denominator}`);
    }
    expect(calculate("1/3 + 1/6").exact).toBe("1/2");
    expect(calculate("0.1 + 0.2")).toMatchObject({ exact: "3/10", decimal: "0.3", decimalIsExact: true });
  });

  it("computes the examples of the issue and their kin", () => {
    const cases: Array<[string, string]> = [
      ["472317 - 342669", "129648"],
      ["2^100", (2n ** 100n).toString()],
      ["3^200", (3n ** 200n).toString()],
      ["2^-3", "0.125"],
      ["7 % 3", "1"],
      ["-7 % 3", "2"],
      ["15% * 80", "12"],
      ["5!", "120"],
      ["25!", "15511210043330985984000000"],
      ["sqrt(16/9)", "4/3 ≈ 1.3333333333333333333"],
      ["8^(1/3)", "2"],
      ["(-8)^(1/3)", "-2"],
      ["round(3.14159, 2)", "3.14"],
      ["round(2.5)", "3"],
      ["round(-2.5)", "-3"],
      ["round(1/3, 4)", "0.3333"],
      ["floor(-2.5)", "-3"],
      ["ceil(sqrt(2))", "2"],
      ["log(1000, 10)", "3"],
      ["log10(1/1000)", "-3"],
      ["log2(1024)", "10"],
      ["ln(1)", "0"],
      ["max(1, 234, 5)", "234"],
      ["min(3, -1/2)", "-0.5"],
      ["1/3", "1/3 ≈ 0.33333333333333333333"],
      ["1e-30", "0.000000000000000000000000000001"],
    ];
    for (const [expression, expected] of cases) {
      expect(describeCalcResult(calculate(expression)), expression).toBe(expected);
    }
  });

  it("approximates irrational results to 20 significant digits, checked against published constants", () => {
    // [expression, published value to 20 digits, JavaScript's double-precision value]
    const cases: Array<[string, string, number]> = [
      ["sqrt(2)", "1.4142135623730950488", Math.SQRT2],
      ["pi", "3.1415926535897932385", Math.PI],
      ["e", "2.7182818284590452354", Math.E],
      ["exp(1)", "2.7182818284590452354", Math.exp(1)],
      ["log(2)", "0.69314718055994530942", Math.LN2],
      ["log10(2)", "0.30102999566398119521", Math.log10(2)],
      ["2^0.5", "1.4142135623730950488", 2 ** 0.5],
      ["cbrt(2)", "1.2599210498948731648", Math.cbrt(2)],
    ];
    for (const [expression, expected, double] of cases) {
      const result = calculate(expression);
      expect(result, expression).toMatchObject({ exact: null, decimal: expected, decimalIsExact: false });
      expect(Number(result.decimal)).toBeCloseTo(double, 14);
    }
    expect(calculate("sqrt(2)", { digits: 40 }).decimal).toBe("1.41421356237309504880168872420969807857");
    expect(calculate("round(pi, 5)").exact).toBe("314159/100000");
  });

  it("reads thousands separators as copied from text, and keeps ', ' as the argument separator", () => {
    expect(calculate("522,228 - 1,234.5").exact).toBe("1041987/2");
    expect(calculate("1,234,567 * 2").exact).toBe("2469134");
    expect(calculate("round(2.345, 2)").decimal).toBe("2.35");
    expect(calculate("round(1,234)").decimal).toBe("1234");
  });

  it("throws typed errors for division by zero, domain errors, the precision budget and garbage", () => {
    const cases: Array<[string, new (...args: never[]) => Error, RegExp]> = [
      ["1/0", CalcDomainError, /division by zero/],
      ["5 % 0", CalcDomainError, /modulo by zero/],
      ["0^-1", CalcDomainError, /division by zero/],
      ["sqrt(-1)", CalcDomainError, /not real/],
      ["log(0)", CalcDomainError, /not real/],
      ["(-8)^0.5", CalcDomainError, /not a real number/],
      ["10^10^10", LimitExceededError, /about 1\.00e\+10 digits, more than the budget of 10000/],
      ["2^(2^20)", LimitExceededError, /budget/],
      ["100000000!", LimitExceededError, /budget/],
      ["exp(10^20)", LimitExceededError, /budget/],
      ["1 +", CalcSyntaxError, /Unexpected end of expression/],
      ["x + 1", CalcSyntaxError, /unknown name 'x'/],
      ["a = 2", CalcSyntaxError, /an assignment/],
      ["f(x) = x", CalcSyntaxError, /a function definition/],
      ["import({}, {override: true})", CalcSyntaxError, /'import' is not an available function/],
      ['evaluate("1")', CalcSyntaxError, /'evaluate' is not an available function/],
      ["cos(1)", CalcSyntaxError, /not an available function/],
      ["[1, 2]", CalcSyntaxError, /a matrix/],
      ['"abc"', CalcSyntaxError, /not a number/],
      ["3 > 2", CalcSyntaxError, /operator '>' is not supported/],
      ["round(1.5, 0.5)", InvalidInputError, /whole number of decimal places/],
      ["sqrt(1, 2)", InvalidInputError, /sqrt takes 1 argument/],
      ["", CalcSyntaxError, /empty/],
    ];
    for (const [expression, type, message] of cases) {
      expect(() => calculate(expression), expression).toThrow(type);
      expect(() => calculate(expression), expression).toThrow(message);
    }
    expect(() => calculate("1+".repeat(1500))).toThrow(LimitExceededError);
  });

  it("is a tool whose compact argument is the expression", async () => {
    const tool = createCalcTool();
    const result = await tool.execute({ expression: "472317 - 342669" }, {});
    expect(result).toEqual({
      content: "129648",
      isError: false,
      data: { expression: "472317 - 342669", exact: "129648", decimal: "129648", decimalIsExact: true },
    });
    expect(tool.compact?.toInput("1 + 2")).toEqual({ expression: "1 + 2" });
    expect(tool.compact?.fromInput({ expression: "1 + 2" })).toBe("1 + 2");
  });
});
