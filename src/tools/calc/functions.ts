/**
 * The calculator's functions. Each is exact when its result is rational and its arguments are exact
 * (sqrt(16/9) = 4/3, log(1000, 10) = 3, round(2.345, 2) = 2.35), and a decimal approximation otherwise.
 */
import Fraction from "fraction.js";
import { InvalidInputError } from "../../errors.ts";
import {
  approximate,
  CalcDomainError,
  type CalcValue,
  checkDecimal,
  decimalToFraction,
  exact,
  exactIntegerPower,
  exactRoot,
  isInteger,
  type NumberContext,
  roundFraction,
  toDecimal,
} from "./numbers.ts";

type Decimal = InstanceType<NumberContext["Decimal"]>;

interface CalcFunction {
  /** Fewest and most arguments. */
  arity: [number, number];
  usage: string;
  apply(args: CalcValue[], context: NumberContext): CalcValue;
}

/** Places accepted by round(x, places). */
const MAX_ROUND_PLACES = 100;

const FUNCTIONS: Record<string, CalcFunction> = {
  sqrt: { arity: [1, 1], usage: "sqrt(x)", apply: ([x], context) => root(x, 2, context) },
  cbrt: { arity: [1, 1], usage: "cbrt(x)", apply: ([x], context) => root(x, 3, context) },
  log: {
    arity: [1, 2],
    usage: "log(x) for the natural logarithm, log(x, base)",
    apply: ([x, base], context) => (base ? logarithm(x, base, context) : naturalLog(x, context)),
  },
  ln: { arity: [1, 1], usage: "ln(x)", apply: ([x], context) => naturalLog(x, context) },
  log10: {
    arity: [1, 1],
    usage: "log10(x)",
    apply: ([x], context) => logarithm(x, exact(new Fraction(10)), context),
  },
  log2: {
    arity: [1, 1],
    usage: "log2(x)",
    apply: ([x], context) => logarithm(x, exact(new Fraction(2)), context),
  },
  exp: {
    arity: [1, 1],
    usage: "exp(x)",
    apply: ([x], context) =>
      x.exact && x.value.n === 0n
        ? exact(new Fraction(1))
        : approximate(checkDecimal(toDecimal(x, context).exp(), context, "exp")),
  },
  abs: {
    arity: [1, 1],
    usage: "abs(x)",
    apply: ([x]) => (x.exact ? exact(x.value.abs()) : approximate(x.value.abs())),
  },
  round: {
    arity: [1, 2],
    usage: "round(x) or round(x, places)",
    apply: ([x, places], context) => round(x, places, context),
  },
  floor: { arity: [1, 1], usage: "floor(x)", apply: ([x], context) => toInteger(x, context, "floor") },
  ceil: { arity: [1, 1], usage: "ceil(x)", apply: ([x], context) => toInteger(x, context, "ceil") },
  min: { arity: [1, 100], usage: "min(a, b, …)", apply: (args, context) => extreme(args, context, -1) },
  max: { arity: [1, 100], usage: "max(a, b, …)", apply: (args, context) => extreme(args, context, 1) },
};

export const FUNCTION_NAMES = Object.keys(FUNCTIONS);

export function applyFunction(name: string, args: CalcValue[], context: NumberContext): CalcValue {
  const definition = FUNCTIONS[name];
  const [fewest, most] = definition.arity;
  if (args.length < fewest || args.length > most) {
    throw new InvalidInputError(
      `${name} takes ${fewest === most ? fewest : `${fewest} to ${most}`} argument(s), got ${args.length}`,
      {
        expected: definition.usage,
      },
    );
  }
  return definition.apply(args, context);
}

function root(x: CalcValue, k: number, context: NumberContext): CalcValue {
  const negative = x.exact ? x.value.s < 0n : x.value.isNegative();
  if (negative && k % 2 === 0) {
    throw new CalcDomainError(`the square root of a negative number is not real`, {
      expected: "a number ≥ 0",
    });
  }
  if (x.exact) {
    const magnitude = exactRoot(x.value.abs(), k);
    if (magnitude) return exact(negative ? magnitude.neg() : magnitude);
  }
  const value = toDecimal(x, context);
  return approximate(k === 2 ? value.sqrt() : value.cbrt());
}

function requirePositive(x: CalcValue, what: string): void {
  const positive = x.exact ? x.value.s > 0n && x.value.n !== 0n : x.value.isPositive() && !x.value.isZero();
  if (!positive)
    throw new CalcDomainError(`the ${what} of a number ≤ 0 is not real`, { expected: "a number > 0" });
}

function naturalLog(x: CalcValue, context: NumberContext): CalcValue {
  requirePositive(x, "logarithm");
  if (x.exact && x.value.n === 1n && x.value.d === 1n) return exact(new Fraction(0));
  return approximate(toDecimal(x, context).ln());
}

/** log_base(x); exact when x is an integer power of an exact base (log(1/8, 2) = -3). */
function logarithm(x: CalcValue, base: CalcValue, context: NumberContext): CalcValue {
  requirePositive(x, "logarithm");
  requirePositive(base, "logarithm base");
  const baseValue = toDecimal(base, context);
  if (baseValue.eq(1))
    throw new CalcDomainError("a logarithm to base 1 is undefined", { expected: "a base ≠ 1" });
  const value = toDecimal(x, context).ln().div(baseValue.ln());
  const nearest = value.round();
  if (x.exact && base.exact && value.minus(nearest).abs().lt(1e-6) && nearest.abs().lt(1e6)) {
    const candidate = BigInt(nearest.toFixed());
    const power = tryPower(base.value, candidate, context);
    if (power?.equals(x.value)) return exact(new Fraction(candidate));
  }
  return approximate(value);
}

function tryPower(base: Fraction, exponent: bigint, context: NumberContext): Fraction | null {
  try {
    return exactIntegerPower(base, exponent, context);
  } catch {
    return null;
  }
}

function round(x: CalcValue, placesValue: CalcValue | undefined, context: NumberContext): CalcValue {
  const places = placesValue ? wholePlaces(placesValue) : 0;
  if (x.exact) return exact(roundFraction(x.value, places));
  // An approximation rounded to far fewer digits than it carries is the exact rounding of the true value.
  const rounded = x.value.toDecimalPlaces(places, context.Decimal.ROUND_HALF_UP);
  const carried = context.Decimal.precision - Math.max(0, x.value.e + 1);
  return places < carried - 5 ? exact(decimalToFraction(rounded, context)) : approximate(rounded);
}

function wholePlaces(value: CalcValue): number {
  if (
    !value.exact ||
    !isInteger(value.value) ||
    value.value.s < 0n ||
    value.value.n > BigInt(MAX_ROUND_PLACES)
  ) {
    throw new InvalidInputError("round's second argument must be a whole number of decimal places", {
      expected: `round(x, places) with places from 0 to ${MAX_ROUND_PLACES}, e.g. round(3.14159, 2)`,
    });
  }
  return Number(value.value.n);
}

function toInteger(x: CalcValue, context: NumberContext, direction: "floor" | "ceil"): CalcValue {
  if (x.exact) return exact(direction === "floor" ? x.value.floor() : x.value.ceil());
  const value: Decimal = direction === "floor" ? x.value.floor() : x.value.ceil();
  return value.e < context.Decimal.precision - 5
    ? exact(decimalToFraction(value, context))
    : approximate(value);
}

function extreme(args: CalcValue[], context: NumberContext, sign: 1 | -1): CalcValue {
  let best = args[0];
  for (const candidate of args.slice(1)) {
    const comparison =
      best.exact && candidate.exact
        ? candidate.value.compare(best.value)
        : toDecimal(candidate, context).comparedTo(toDecimal(best, context));
    if (comparison * sign > 0) best = candidate;
  }
  return best;
}
