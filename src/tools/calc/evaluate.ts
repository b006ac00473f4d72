/**
 * The calculator's evaluator: mathjs parses the expression (precedence, percent, factorial, implicit
 * multiplication), and this module walks the syntax tree itself, accepting only numbers, the operators
 * + - * / ^ % !, parentheses, the constants pi and e, and a fixed list of functions. Nothing the user
 * writes is ever looked up or evaluated by mathjs, whose instance is locked down besides (import,
 * createUnit, evaluate, parse, simplify, … replaced by functions that throw, as mathjs's security notes
 * recommend).
 */
import Fraction from "fraction.js";
import { bignumberDependencies, create, type MathNode, parseDependencies } from "mathjs";
import { InvalidInputError, LimitExceededError } from "../../errors.ts";
import { applyFunction, FUNCTION_NAMES } from "./functions.ts";
import {
  approximate,
  CalcDomainError,
  type CalcValue,
  checkBudget,
  checkDecimal,
  decimalToFraction,
  exact,
  exactIntegerPower,
  exactRoot,
  isInteger,
  type NumberContext,
  precisionError,
  toDecimal,
} from "./numbers.ts";

/** An expression that is not arithmetic: unknown names, unsupported syntax, stray characters. */
export class CalcSyntaxError extends InvalidInputError {}

const EXPECTED_EXPRESSION =
  "an arithmetic expression of numbers, + - * / ^ % !, parentheses, pi, e and " +
  `${FUNCTION_NAMES.join(", ")}, e.g. 472317 - 342669`;

const math = create({ parseDependencies, bignumberDependencies }, { number: "BigNumber", precision: 64 });
const parse = math.parse;
lockDown();

function lockDown(): void {
  const disabled = (name: string) => () => {
    throw new Error(`${name} is disabled in cogcore's calculator`);
  };
  const names = ["import", "createUnit", "evaluate", "parse", "simplify", "derivative", "resolve", "reviver"];
  math.import(Object.fromEntries(names.map((name) => [name, disabled(name)])), { override: true });
}

/** Longest expression accepted, in characters. */
export const MAX_EXPRESSION_LENGTH = 2000;

/**
 * Numbers as copied from text: `522,228` and `1,234,567.5` are read as 522228 and 1234567.5 (a comma
 * followed by exactly three digits, inside a number, is a thousands separator). Function arguments are
 * therefore separated by a comma and a space: `round(2.345, 2)`, `max(1, 234)`.
 */
export function normalizeNumbers(expression: string): string {
  return expression.replace(/(?<![\d.])\d{1,3}(?:,\d{3})+(?![\d])/g, (match) => match.replaceAll(",", ""));
}

export function parseExpression(expression: string): MathNode {
  if (expression.length > MAX_EXPRESSION_LENGTH) {
    throw new LimitExceededError(
      "input",
      `the expression is ${expression.length} characters long, more than ${MAX_EXPRESSION_LENGTH}`,
    );
  }
  if (expression.trim() === "")
    throw new CalcSyntaxError("the expression is empty", { expected: EXPECTED_EXPRESSION });
  try {
    return parse(normalizeNumbers(expression));
  } catch (cause) {
    if (cause instanceof RangeError) {
      throw new LimitExceededError("stack", "the expression is nested too deeply", { cause });
    }
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new CalcSyntaxError(`cannot read '${expression}': ${detail}`, {
      cause,
      expected: EXPECTED_EXPRESSION,
    });
  }
}

/** Evaluates a parsed expression to an exact rational where possible, else a decimal approximation. */
export function evaluateNode(node: MathNode, context: NumberContext): CalcValue {
  switch (node.type) {
    case "ConstantNode":
      return constant((node as unknown as { value: unknown }).value, context);
    case "ParenthesisNode":
      return evaluateNode((node as unknown as { content: MathNode }).content, context);
    case "SymbolNode":
      return symbol((node as unknown as { name: string }).name, context);
    case "OperatorNode":
      return operator(node as unknown as OperatorLike, context);
    case "FunctionNode": {
      const call = node as unknown as { fn: MathNode & { name?: string }; args: MathNode[] };
      const name = call.fn.type === "SymbolNode" ? call.fn.name : undefined;
      if (!name || !FUNCTION_NAMES.includes(name)) {
        throw new CalcSyntaxError(`'${call.fn.toString()}' is not an available function`, {
          expected: `one of ${FUNCTION_NAMES.join(", ")}`,
        });
      }
      return applyFunction(
        name,
        call.args.map((argument) => evaluateNode(argument, context)),
        context,
      );
    }
    default:
      throw new CalcSyntaxError(`'${node.toString()}' is not arithmetic (${describeNode(node.type)})`, {
        expected: EXPECTED_EXPRESSION,
      });
  }
}

function describeNode(type: string): string {
  const names: Record<string, string> = {
    AssignmentNode: "an assignment",
    FunctionAssignmentNode: "a function definition",
    AccessorNode: "a property access",
    ArrayNode: "a matrix",
    ObjectNode: "an object",
    BlockNode: "several expressions",
    ConditionalNode: "a condition",
    IndexNode: "an index",
    RangeNode: "a range",
    RelationalNode: "a comparison",
  };
  return names[type] ?? type;
}

function constant(value: unknown, context: NumberContext): CalcValue {
  // mathjs writes the 100 of a percentage (15% = 15 / 100) as a plain number.
  if (typeof value === "number" && Number.isSafeInteger(value)) return exact(new Fraction(value));
  if (value !== null && typeof value === "object" && "toFixed" in value) {
    const decimal = new context.Decimal(value as never);
    return exact(decimalToFraction(decimal, context));
  }
  throw new CalcSyntaxError(`${JSON.stringify(value)} is not a number`, { expected: EXPECTED_EXPRESSION });
}

function symbol(name: string, context: NumberContext): CalcValue {
  if (name === "pi") return approximate(context.Decimal.acos(-1));
  if (name === "e") return approximate(context.Decimal.exp(1));
  throw new CalcSyntaxError(`unknown name '${name}'`, {
    expected: `numbers, pi, e, or a function call such as sqrt(2) (available: ${FUNCTION_NAMES.join(", ")})`,
  });
}

interface OperatorLike {
  op: string;
  fn: string;
  args: MathNode[];
  implicit?: boolean;
}

function operator(node: OperatorLike, context: NumberContext): CalcValue {
  const values = node.args.map((argument) => evaluateNode(argument, context));
  const [left, right] = values;
  switch (node.fn) {
    case "unaryMinus":
      return left.exact ? exact(left.value.neg()) : approximate(left.value.neg());
    case "unaryPlus":
      return left;
    case "add":
      return arithmetic(
        left,
        right,
        context,
        (a, b) => a.add(b),
        (a, b) => a.plus(b),
      );
    case "subtract":
      return arithmetic(
        left,
        right,
        context,
        (a, b) => a.sub(b),
        (a, b) => a.minus(b),
      );
    case "multiply":
      return arithmetic(
        left,
        right,
        context,
        (a, b) => a.mul(b),
        (a, b) => a.times(b),
      );
    case "divide":
      requireNonZero(right, "division by zero");
      return arithmetic(
        left,
        right,
        context,
        (a, b) => a.div(b),
        (a, b) => a.div(b),
      );
    case "mod":
      requireNonZero(right, "modulo by zero");
      return arithmetic(
        left,
        right,
        context,
        (a, b) => a.sub(b.mul(a.div(b).floor())),
        (a, b) => a.minus(b.times(a.div(b).floor())),
      );
    case "pow":
      return power(left, right, context);
    case "factorial":
      return factorial(left, context);
    default:
      throw new CalcSyntaxError(`the operator '${node.op}' is not supported`, {
        expected: "one of + - * / ^ % !",
      });
  }
}

function requireNonZero(value: CalcValue, message: string): void {
  if (value.exact ? value.value.n === 0n : value.value.isZero()) {
    throw new CalcDomainError(message, { expected: "a non-zero divisor" });
  }
}

type Decimal = InstanceType<NumberContext["Decimal"]>;

function arithmetic(
  left: CalcValue,
  right: CalcValue,
  context: NumberContext,
  onFractions: (a: Fraction, b: Fraction) => Fraction,
  onDecimals: (a: Decimal, b: Decimal) => Decimal,
): CalcValue {
  if (left.exact && right.exact) return exact(checkBudget(onFractions(left.value, right.value), context));
  const result = onDecimals(toDecimal(left, context), toDecimal(right, context));
  return approximate(checkDecimal(result, context, "the result"));
}

/** Exact for integer exponents and for exact roots (8^(1/3) = 2); otherwise an approximation. */
function power(base: CalcValue, exponent: CalcValue, context: NumberContext): CalcValue {
  if (base.exact && exponent.exact) {
    if (isInteger(exponent.value)) {
      return exact(exactIntegerPower(base.value, exponent.value.s * exponent.value.n, context));
    }
    if (exponent.value.d <= 64n) {
      const root = exactRoot(base.value.abs(), Number(exponent.value.d));
      const oddRoot = exponent.value.d % 2n === 1n;
      if (root && (base.value.s > 0n || oddRoot)) {
        const signed = base.value.s < 0n ? root.neg() : root;
        return exact(exactIntegerPower(signed, exponent.value.s * exponent.value.n, context));
      }
    }
  }
  const decimalBase = toDecimal(base, context);
  if (decimalBase.isNegative() && !(exponent.exact && isInteger(exponent.value))) {
    throw new CalcDomainError(
      `${decimalBase.toString()} raised to a non-integer power is not a real number`,
      {
        expected: "a non-negative base, or an integer exponent",
      },
    );
  }
  if (decimalBase.isZero() && toDecimal(exponent, context).isNegative()) {
    throw new CalcDomainError("0 raised to a negative power is a division by zero");
  }
  return approximate(checkDecimal(decimalBase.pow(toDecimal(exponent, context)), context, "the power"));
}

function factorial(value: CalcValue, context: NumberContext): CalcValue {
  if (!value.exact || !isInteger(value.value) || value.value.s < 0n) {
    throw new CalcDomainError("factorial is defined here for non-negative integers only", {
      expected: "n! with n a whole number ≥ 0",
    });
  }
  const n = Number(value.value.n);
  // log10(n!) by Stirling's formula, to refuse 100000000! before computing it.
  const digits = n < 2 ? 1 : (n * Math.log(n / Math.E) + 0.5 * Math.log(2 * Math.PI * n)) / Math.LN10;
  if (digits > context.maxDigits) throw precisionError(digits, context);
  let product = 1n;
  for (let factor = 2n; factor <= value.value.n; factor++) product *= factor;
  return exact(new Fraction(product));
}
