/**
 * Character-level grammars for the argument of a compact call, `name(ARGUMENT)`.
 *
 * Each grammar is a small incremental lexer over immutable states: `step(state, char)` returns the next
 * state, `CLOSE` when `char` is the `)` that closes the call, or null when `char` cannot continue a
 * valid argument. The call syntax (parseCall) and the decoding grammar (createCallGrammar) share these
 * lexers, so whatever the constrained decoder lets through, the parser accepts.
 *
 *   expression  calc: digits, letters, spaces and `. , + - * / ^ % !`, balanced parentheses
 *   text        search: printable characters on one line, balanced parentheses
 *   python      code: brackets balanced outside strings ('…' "…" '''…''' """…""") and # comments
 *   javascript  code: brackets balanced outside strings, `templates ${…}`, // and /* comments
 *   json        a JSON object: brackets balanced outside "strings"
 *
 * Characters at or above U+0080 count as ordinary printable characters everywhere except in
 * expressions, so an engine may feed undecoded bytes as Latin-1 characters.
 */

export type ArgumentGrammarKind = "expression" | "text" | "python" | "javascript" | "json";

/** The lexer's position; never mutated, so one state can be extended by many candidate tokens. */
export interface ArgumentState {
  /** Open brackets outside strings and comments, innermost last; "$" marks a JavaScript `${`. */
  readonly stack: string;
  /** What the lexer is inside. */
  readonly mode: Mode;
  /** The closing quote of the current string: ' " ''' """ or `. */
  readonly quote: string;
  /** Mode-specific lookbehind: escape pending, quotes or `*` seen, `$` or `/` seen. */
  readonly pending: number;
  /** Whether a non-space character has been read outside comments. */
  readonly hasContent: boolean;
}

export type Mode = "code" | "string" | "quotes" | "lineComment" | "blockComment" | "slash" | "template";

/** Returned by `step` for the `)` that ends the call. */
export const CLOSE = Symbol("close");
export type StepResult = ArgumentState | typeof CLOSE | null;

export interface ArgumentGrammar {
  kind: ArgumentGrammarKind;
  start: ArgumentState;
  step(state: ArgumentState, char: string): StepResult;
}

const START: ArgumentState = { stack: "", mode: "code", quote: "", pending: 0, hasContent: false };
const OPENERS: Record<string, string> = { ")": "(", "]": "[", "}": "{" };

function with_(state: ArgumentState, change: Partial<ArgumentState>): ArgumentState {
  return { ...state, ...change };
}

function isControl(char: string): boolean {
  const code = char.charCodeAt(0);
  return code < 0x20 || code === 0x7f;
}

/** A `)` that ends the call when nothing is open and something was written. */
function closeOrPop(state: ArgumentState, char: string): StepResult {
  if (state.stack === "") return char === ")" && state.hasContent ? CLOSE : null;
  if (state.stack[state.stack.length - 1] !== OPENERS[char]) return null;
  return with_(state, { stack: state.stack.slice(0, -1), hasContent: true });
}

function content(state: ArgumentState, char: string): ArgumentState {
  if (state.hasContent || char === " " || char === "\t" || char === "\n" || char === "\r") return state;
  return with_(state, { hasContent: true });
}

const EXPRESSION_CHARS = /^[0-9A-Za-z_ .,+\-*/^%!]$/;

function stepExpression(state: ArgumentState, char: string): StepResult {
  if (char === "(") return with_(state, { stack: state.stack + "(", hasContent: true });
  if (char === ")") return closeOrPop(state, char);
  return EXPRESSION_CHARS.test(char) ? content(state, char) : null;
}

function stepText(state: ArgumentState, char: string): StepResult {
  if (isControl(char)) return null;
  if (char === "(") return with_(state, { stack: state.stack + "(", hasContent: true });
  if (char === ")") return closeOrPop(state, char);
  return content(state, char);
}

/** Brackets and ordinary characters of code, shared by the code-like grammars. */
function stepCodeCharacter(state: ArgumentState, char: string): StepResult {
  if (char === "(" || char === "[" || char === "{") {
    return with_(state, { stack: state.stack + char, hasContent: true });
  }
  if (char === ")" || char === "]" || char === "}") return closeOrPop(state, char);
  if (isControl(char) && char !== "\n" && char !== "\t" && char !== "\r") return null;
  return content(state, char);
}

/** Inside a one-line string: backslash escapes, the quote ends it, a bare newline is invalid. */
function stepShortString(state: ArgumentState, char: string): StepResult {
  if (state.pending === 1) return with_(state, { pending: 0 });
  if (char === "\\") return with_(state, { pending: 1 });
  if (char === state.quote) return with_(state, { mode: "code", quote: "", hasContent: true });
  if (char === "\n" || char === "\r") return null;
  return state;
}

function stepPython(state: ArgumentState, char: string): StepResult {
  switch (state.mode) {
    case "lineComment":
      return char === "\n" ? with_(state, { mode: "code" }) : state;
    case "quotes":
      return stepPythonQuotes(state, char);
    case "string":
      if (state.quote.length === 1) return stepShortString(state, char);
      return stepTripleString(state, char);
    default:
      if (char === "#") return with_(state, { mode: "lineComment" });
      if (char === "'" || char === '"') {
        return with_(state, { mode: "quotes", quote: char, pending: 1, hasContent: true });
      }
      return stepCodeCharacter(state, char);
  }
}

/** After one or two quote characters in code: the start of '…', '' or '''…'''. */
function stepPythonQuotes(state: ArgumentState, char: string): StepResult {
  if (char === state.quote) {
    if (state.pending === 1) return with_(state, { pending: 2 });
    return with_(state, { mode: "string", quote: char.repeat(3), pending: 0 });
  }
  if (state.pending === 2) return stepPython(with_(state, { mode: "code", quote: "", pending: 0 }), char);
  return stepShortString(with_(state, { mode: "string", pending: 0 }), char);
}

/** Inside '''…''' or """…""": `pending` counts closing quotes seen, or is -1 after a backslash. */
function stepTripleString(state: ArgumentState, char: string): StepResult {
  if (state.pending === -1) return with_(state, { pending: 0 });
  if (char === "\\") return with_(state, { pending: -1 });
  if (char !== state.quote[0]) return state.pending === 0 ? state : with_(state, { pending: 0 });
  if (state.pending === 2) return with_(state, { mode: "code", quote: "", pending: 0 });
  return with_(state, { pending: state.pending + 1 });
}

function stepJavaScript(state: ArgumentState, char: string): StepResult {
  switch (state.mode) {
    case "lineComment":
      return char === "\n" ? with_(state, { mode: "code" }) : state;
    case "blockComment":
      if (char === "/" && state.pending === 1) return with_(state, { mode: "code", pending: 0 });
      return with_(state, { pending: char === "*" ? 1 : 0 });
    case "slash":
      if (char === "/") return with_(state, { mode: "lineComment" });
      if (char === "*") return with_(state, { mode: "blockComment", pending: 0 });
      return stepJavaScript(with_(state, { mode: "code", hasContent: true }), char);
    case "string":
      return stepShortString(state, char);
    case "template":
      return stepTemplate(state, char);
    default:
      if (char === "/") return with_(state, { mode: "slash" });
      if (char === "'" || char === '"')
        return with_(state, { mode: "string", quote: char, hasContent: true });
      if (char === "`") return with_(state, { mode: "template", quote: "`", pending: 0, hasContent: true });
      if (char === "}" && state.stack.endsWith("$")) {
        return with_(state, { stack: state.stack.slice(0, -1), mode: "template", quote: "`", pending: 0 });
      }
      return stepCodeCharacter(state, char);
  }
}

/** Inside `…`: `pending` is 1 after a backslash, 2 after a `$`. */
function stepTemplate(state: ArgumentState, char: string): StepResult {
  if (state.pending === 1) return with_(state, { pending: 0 });
  if (char === "{" && state.pending === 2) {
    return with_(state, { stack: state.stack + "$", mode: "code", quote: "", pending: 0 });
  }
  if (char === "\\") return with_(state, { pending: 1 });
  if (char === "`") return with_(state, { mode: "code", quote: "", pending: 0 });
  return with_(state, { pending: char === "$" ? 2 : 0 });
}

function stepJson(state: ArgumentState, char: string): StepResult {
  if (state.mode === "string") {
    if (isControl(char)) return null;
    return stepShortString(state, char);
  }
  if (char === '"') return with_(state, { mode: "string", quote: '"', hasContent: true });
  if (char === "(") return null;
  if (state.stack === "" && state.hasContent === false && char !== "{" && !/\s/.test(char)) return null;
  return stepCodeCharacter(state, char);
}

const STEPS: Record<ArgumentGrammarKind, ArgumentGrammar["step"]> = {
  expression: stepExpression,
  text: stepText,
  python: stepPython,
  javascript: stepJavaScript,
  json: stepJson,
};

const GRAMMARS = new Map<ArgumentGrammarKind, ArgumentGrammar>(
  (Object.keys(STEPS) as ArgumentGrammarKind[]).map((kind) => [
    kind,
    { kind, start: START, step: STEPS[kind] },
  ]),
);

export function argumentGrammar(kind: ArgumentGrammarKind): ArgumentGrammar {
  const grammar = GRAMMARS.get(kind);
  if (!grammar) throw new TypeError(`unknown argument grammar '${kind}'`);
  return grammar;
}

/** Whether the argument read so far could be closed by `)` now. */
export function canClose(grammar: ArgumentGrammar, state: ArgumentState): boolean {
  return grammar.step(state, ")") === CLOSE;
}

/**
 * Reads `text` from `state`. Returns the state after it, or `{closedAt}` with the index of the `)` that
 * closed the call (later characters are not read), or null when the text cannot continue the argument.
 */
export function scanArgument(
  grammar: ArgumentGrammar,
  state: ArgumentState,
  text: string,
): ArgumentState | { closedAt: number } | null {
  let current = state;
  for (let index = 0; index < text.length; index++) {
    const next = grammar.step(current, text[index]);
    if (next === null) return null;
    if (next === CLOSE) return { closedAt: index };
    current = next;
  }
  return current;
}
