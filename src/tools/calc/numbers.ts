/**
 * Numbers for the calculator: exact rationals (fraction.js, arbitrary-size BigInt numerator and
 * denominator) where the result is rational, decimal approximations (decimal.js, a stated number of
 * significant digits) where it is not (sqrt(2), log(3), pi), and the precision budget that keeps exact
 * results from growing without bound (10^10^10 has ten billion digits: a LimitExceededError, not a hang).
 */
import type { Decimal } from "decimal.js";
import Fraction from "fraction.js";
import { InvalidInputError, LimitExceededError } from "../../errors.ts";

export type CalcValue = { exact: true; value: Fraction } | { exact: false; value: Decimal };

export interface NumberContext {
  /** decimal.js constructor working at the approximation precision (significant digits + guard digits). */
  Decimal: typeof Decimal;
  /** Largest number of digits an exact numerator or denominator may have. */
  maxDigits: number;
}

/** A division by zero, a square root of a negative number, a logarithm of zero: no real result. */
export class CalcDomainError extends InvalidInputError {}

const LOG10_2 = Math.log10(2);

export function exact(value: Fraction): CalcValue {
  return { exact: true, value };
}

export function approximate(value: Decimal): CalcValue {
  return { exact: false, value };
}

/** log10 of a non-zero BigInt's magnitude, from its leading 52 bits (accurate to about 1e-12). */
export function log10Magnitude(value: bigint): number {
  const hex = (value < 0n ? -value : value).toString(16);
  const leading = hex.slice(0, 13);
  return Math.log10(Number.parseInt(leading, 16)) + (hex.length - leading.length) * 4 * LOG10_2;
}

/** Decimal digits of a BigInt's magnitude (at most one too many when it is within 1e-12 of a power of ten). */
export function digitCount(value: bigint): number {
  if (value === 0n) return 1;
  return Math.floor(log10Magnitude(value) + 1e-12) + 1;
}

/** Throws when an exact value has outgrown the precision budget. */
export function checkBudget(value: Fraction, context: NumberContext): Fraction {
  const digits = Math.max(digitCount(value.n), digitCount(value.d));
  if (digits > context.maxDigits) throw precisionError(digits, context);
  return value;
}

export function precisionError(digits: number, context: NumberContext): LimitExceededError {
  const shown = Number.isFinite(digits) ? `about ${formatCount(digits)}` : "unboundedly many";
  return new LimitExceededError(
    "precision",
    `the exact result would have ${shown} digits, more than the budget of ${context.maxDigits}`,
    { expected: "a computation whose exact numbers stay within the digit budget" },
  );
}

function formatCount(value: number): string {
  return value >= 1e6 ? value.toExponential(2) : String(Math.round(value));
}

/** An approximation as a Decimal; exact values are divided out at the working precision. */
export function toDecimal(value: CalcValue, context: NumberContext): Decimal {
  if (!value.exact) return value.value;
  const fraction = value.value;
  return new context.Decimal((fraction.s * fraction.n).toString()).div(fraction.d.toString());
}

/** A finite Decimal within the budget, or a typed error. */
export function checkDecimal(value: Decimal, context: NumberContext, what: string): Decimal {
  if (value.isNaN()) throw new CalcDomainError(`${what} has no real result`, { expected: "a real number" });
  if (!value.isFinite() || Math.abs(value.e) > context.maxDigits) {
    throw precisionError(value.isFinite() ? Math.abs(value.e) : Number.POSITIVE_INFINITY, context);
  }
  return value;
}

/** The exact rational a (finite) Decimal denotes: every decimal is a fraction over a power of ten. */
export function decimalToFraction(value: Decimal, context: NumberContext): Fraction {
  if (Math.abs(value.e) + value.sd() > context.maxDigits) {
    throw precisionError(Math.abs(value.e) + value.sd(), context);
  }
  return new Fraction(value.toFixed());
}

export function isInteger(value: Fraction): boolean {
  return value.d === 1n;
}

/** ⌊k-th root⌋ of a non-negative BigInt, by Newton's method. */
export function integerRoot(value: bigint, k: number): bigint {
  if (value < 2n) return value;
  const order = BigInt(k);
  let guess = 1n << BigInt(Math.ceil((value.toString(2).length + 1) / k));
  for (;;) {
    const next = ((order - 1n) * guess + value / guess ** (order - 1n)) / order;
    if (next >= guess) return guess;
    guess = next;
  }
}

/** The exact k-th root of a non-negative rational, or null when it is irrational. */
export function exactRoot(value: Fraction, k: number): Fraction | null {
  if (value.s < 0n) return null;
  const numerator = integerRoot(value.n, k);
  const denominator = integerRoot(value.d, k);
  if (numerator ** BigInt(k) !== value.n || denominator ** BigInt(k) !== value.d) return null;
  return new Fraction(numerator, denominator);
}

/** value^exponent for an integer exponent, checked against the budget before it is computed. */
export function exactIntegerPower(base: Fraction, exponent: bigint, context: NumberContext): Fraction {
  if (base.n === 0n) {
    if (exponent < 0n) throw new CalcDomainError("0 raised to a negative power is a division by zero");
    return new Fraction(exponent === 0n ? 1 : 0);
  }
  if (base.n === 1n && base.d === 1n) return new Fraction(base.s < 0n && exponent % 2n !== 0n ? -1 : 1);
  const magnitude = Number(exponent < 0n ? -exponent : exponent);
  const digits = Math.max(log10Magnitude(base.n), log10Magnitude(base.d)) * magnitude;
  if (digits > context.maxDigits + 1) throw precisionError(digits, context);
  return checkBudget(base.pow(new Fraction(exponent)), context);
}

/** Rounds half away from zero to `places` decimal places, exactly. */
export function roundFraction(value: Fraction, places: number): Fraction {
  const scale = 10n ** BigInt(places);
  const scaled = value.n * scale;
  let quotient = scaled / value.d;
  if ((scaled % value.d) * 2n >= value.d) quotient += 1n;
  return new Fraction(value.s * quotient, scale);
}

/**
 * The decimal expansion of an exact value when it terminates within `maxPlaces` places, else null.
 * A fraction in lowest terms terminates exactly when its denominator has no prime factors but 2 and 5.
 */
export function terminatingDecimal(value: Fraction, maxPlaces: number): string | null {
  let rest = value.d;
  let twos = 0;
  let fives = 0;
  while (rest % 2n === 0n) {
    rest /= 2n;
    twos++;
  }
  while (rest % 5n === 0n) {
    rest /= 5n;
    fives++;
  }
  if (rest !== 1n) return null;
  const places = Math.max(twos, fives);
  if (places > maxPlaces) return null;
  const digits = ((value.n * 10n ** BigInt(places)) / value.d).toString().padStart(places + 1, "0");
  const sign = value.s < 0n ? "-" : "";
  if (places === 0) return sign + digits;
  return `${sign}${digits.slice(0, -places)}.${digits.slice(-places)}`;
}

/** An exact value as "n" or "n/d". */
export function fractionText(value: Fraction): string {
  const sign = value.s < 0n ? "-" : "";
  return value.d === 1n ? `${sign}${value.n}` : `${sign}${value.n}/${value.d}`;
}

/** A Decimal to `digits` significant digits, in plain notation unless very large or small. */
export function decimalText(value: Decimal, digits: number): string {
  const rounded = value.toSignificantDigits(digits);
  if (rounded.isZero()) return "0";
  if (rounded.e >= -7 && rounded.e < 40) return rounded.toFixed();
  return rounded.toExponential().replace("e+", "e");
}
