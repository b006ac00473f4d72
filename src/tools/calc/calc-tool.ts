/**
 * calc: exact arithmetic for the model. `calc(472317 - 342669)` → `129648`.
 *
 * Big integers and rationals stay exact (`2^100`, `1/3 + 1/6` = `1/2`); irrational results are decimal
 * approximations to a stated number of significant digits (`sqrt(2)` ≈ `1.4142135623730950488`). The
 * result carries both: `exact` ("n" or "n/d", null when irrational) and `decimal`.
 */
import { Decimal } from "decimal.js";
import { z } from "zod";
import { AbortedError } from "../../errors.ts";
import { defineTool, type Tool } from "../tool.ts";
import { evaluateNode, normalizeNumbers, parseExpression } from "./evaluate.ts";
import { decimalText, fractionText, type NumberContext, terminatingDecimal } from "./numbers.ts";

export interface CalcOptions {
  /** Significant digits of decimal approximations. Default: 20. */
  digits?: number;
  /** Most digits an exact numerator or denominator may have before LimitExceededError("precision"). Default: 10 000. */
  maxDigits?: number;
}

export interface CalcResult {
  /** The expression as evaluated (thousands separators removed). */
  expression: string;
  /** The exact value as "n" or "n/d", or null when the result is irrational (or rounded from an approximation). */
  exact: string | null;
  /** The value as a decimal: in full when `decimalIsExact`, else to `digits` significant digits. */
  decimal: string;
  /** Whether `decimal` is the value itself rather than a rounding of it. */
  decimalIsExact: boolean;
}

export const CalcInputSchema = z.object({
  expression: z
    .string()
    .min(1)
    .describe("An arithmetic expression, e.g. 472317 - 342669, 2^100, sqrt(2), round(1/3, 4), 15% * 80"),
});
export type CalcInput = z.infer<typeof CalcInputSchema>;

/** Evaluates an expression; throws CalcSyntaxError, CalcDomainError or LimitExceededError. */
export function calculate(expression: string, options: CalcOptions = {}): CalcResult {
  const digits = options.digits ?? 20;
  const context: NumberContext = {
    Decimal: Decimal.clone({
      precision: digits + 20,
      toExpNeg: -1e9,
      toExpPos: 1e9,
      maxE: 9e15,
      minE: -9e15,
    }),
    maxDigits: options.maxDigits ?? 10_000,
  };
  const value = evaluateNode(parseExpression(expression), context);
  const normalized = normalizeNumbers(expression).trim();
  if (!value.exact) {
    return {
      expression: normalized,
      exact: null,
      decimal: decimalText(value.value, digits),
      decimalIsExact: false,
    };
  }
  const fraction = value.value;
  const terminating = terminatingDecimal(fraction, context.maxDigits);
  const quotient = new context.Decimal((fraction.s * fraction.n).toString()).div(fraction.d.toString());
  const decimal = terminating ?? decimalText(quotient, digits);
  return {
    expression: normalized,
    exact: fractionText(fraction),
    decimal,
    decimalIsExact: terminating !== null,
  };
}

/** The text the model reads: the decimal when exact, else the fraction and/or the approximation. */
export function describeCalcResult(result: CalcResult): string {
  if (result.decimalIsExact) return result.decimal;
  if (result.exact !== null) return `${result.exact} ≈ ${result.decimal}`;
  return `≈ ${result.decimal}`;
}

export function createCalcTool(options: CalcOptions = {}): Tool<CalcInput, CalcResult> {
  return defineTool({
    name: "calc",
    description:
      "Exact arithmetic: + - * / ^ % !, parentheses, sqrt, cbrt, log, ln, log10, log2, exp, abs, round(x, places), " +
      "floor, ceil, min, max, pi, e. Big integers and fractions stay exact; use it for every calculation.",
    inputSchema: CalcInputSchema,
    compact: {
      grammar: "expression",
      toInput: (text) => ({ expression: text }),
      fromInput: (input) => input.expression,
    },
    async execute(input, { signal }) {
      if (signal?.aborted) throw new AbortedError("calc was aborted");
      const result = calculate(input.expression, options);
      return { content: describeCalcResult(result), isError: false, data: result };
    },
  });
}
