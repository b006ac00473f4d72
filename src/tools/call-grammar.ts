/**
 * The grammar of valid compact calls, for constrained decoding inside `<|call|>` … `<|/call|>`.
 *
 * An incremental state machine over the call text: the tool name (one of the registered names), `(`,
 * the argument (the tool's argument grammar), and the closing `)`. States are immutable, so the engine
 * keeps one state per sequence and tries every vocabulary token's text from it:
 *
 *   const grammar = createCallGrammar(registry);
 *   let state = grammar.start;
 *   const allowed = grammar.mask(state, tokenTexts);   // 1 where the token may come next
 *   state = grammar.advance(state, tokenTexts[chosen])!;
 *   grammar.isAccepting(state)                          // then `<|/call|>` may come next
 *
 * Special tokens are the engine's business: allow `<|/call|>` exactly when `isAccepting(state)`.
 */
import {
  type ArgumentGrammar,
  type ArgumentState,
  argumentGrammar,
  CLOSE,
  canClose,
} from "./argument-grammars.ts";
import { compactSyntaxOf, type ToolLookup } from "./call-syntax.ts";

export type CallGrammarState =
  /** Reading the tool name; `name` is what was read so far. */
  | { readonly phase: "name"; readonly name: string }
  /** Reading the argument of tool `name`. */
  | {
      readonly phase: "argument";
      readonly name: string;
      readonly grammar: ArgumentGrammar;
      readonly argument: ArgumentState;
    }
  /** The closing `)` was read: the call is complete and nothing may follow. */
  | { readonly phase: "closed"; readonly name: string };

export interface CallGrammar {
  /** The state before any text. */
  readonly start: CallGrammarState;
  /** The state after `text`, or null when `text` cannot continue a valid call from `state`. */
  advance(state: CallGrammarState, text: string): CallGrammarState | null;
  /** Whether the call is complete in this state (the closing `)` was read). */
  isAccepting(state: CallGrammarState): boolean;
  /** Whether `text` can still become a valid call. */
  isValidPrefix(text: string): boolean;
  /** Whether `text` is a complete call. */
  isComplete(text: string): boolean;
  /** For each token text, 1 when it may follow `state`, else 0 (cached per state; pass the same array each step). */
  mask(state: CallGrammarState, tokenTexts: readonly string[]): Uint8Array;
}

/** Builds the grammar for the tools registered now; later registrations need a new grammar. */
export function createCallGrammar(tools: ToolLookup): CallGrammar {
  const grammars = new Map<string, ArgumentGrammar>();
  const namePrefixes = new Set<string>();
  for (const tool of tools.list()) {
    grammars.set(tool.name, argumentGrammar(compactSyntaxOf(tool).grammar));
    for (let length = 0; length <= tool.name.length; length++) namePrefixes.add(tool.name.slice(0, length));
  }
  const start: CallGrammarState = { phase: "name", name: "" };
  const maskCache = new WeakMap<readonly string[], Map<string, Uint8Array>>();

  function advance(state: CallGrammarState, text: string): CallGrammarState | null {
    let current = state;
    for (let index = 0; index < text.length; index++) {
      const char = text[index];
      if (current.phase === "closed") return null;
      if (current.phase === "name") {
        const next = stepName(current.name, char);
        if (next === null) return null;
        current = next;
        continue;
      }
      const argument = current.grammar.step(current.argument, char);
      if (argument === null) return null;
      current = argument === CLOSE ? { phase: "closed", name: current.name } : { ...current, argument };
    }
    return current;
  }

  function stepName(name: string, char: string): CallGrammarState | null {
    if (char === "(") {
      const grammar = grammars.get(name);
      return grammar ? { phase: "argument", name, grammar, argument: grammar.start } : null;
    }
    const longer = name + char;
    return namePrefixes.has(longer) ? { phase: "name", name: longer } : null;
  }

  const isAccepting = (state: CallGrammarState) => state.phase === "closed";

  return {
    start,
    advance,
    isAccepting,
    isValidPrefix: (text) => advance(start, text) !== null,
    isComplete: (text) => {
      const state = advance(start, text);
      return state !== null && isAccepting(state);
    },
    mask(state, tokenTexts) {
      // A mask depends only on the state and the vocabulary, and decoding revisits few distinct states
      // (depth, quote, …), so masks are computed once per state and vocabulary.
      let cache = maskCache.get(tokenTexts);
      if (!cache) {
        cache = new Map();
        maskCache.set(tokenTexts, cache);
      }
      const key = stateKey(state);
      let allowed = cache.get(key);
      if (!allowed) {
        allowed = new Uint8Array(tokenTexts.length);
        for (let index = 0; index < tokenTexts.length; index++) {
          const text = tokenTexts[index];
          allowed[index] = text.length > 0 && advance(state, text) !== null ? 1 : 0;
        }
        if (cache.size >= MAX_CACHED_MASKS) cache.clear();
        cache.set(key, allowed);
      }
      return allowed.slice();
    },
  };
}

/** Masks kept per vocabulary before the cache starts over. */
const MAX_CACHED_MASKS = 4096;

/** Everything that decides what may follow a state, as a string. */
function stateKey(state: CallGrammarState): string {
  if (state.phase !== "argument") return `${state.phase}\u0000${state.name}`;
  const { stack, mode, quote, pending, hasContent } = state.argument;
  return `a\u0000${state.name}\u0000${stack}\u0000${mode}\u0000${quote}\u0000${pending}\u0000${hasContent ? 1 : 0}`;
}

/** Whether the argument read so far in `state` could be closed now (for diagnostics and tests). */
export function argumentCanClose(state: CallGrammarState): boolean {
  return state.phase === "argument" && canClose(state.grammar, state.argument);
}
