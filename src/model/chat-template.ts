/**
 * How a conversation with the core model is written as text, one special token per role or marker
 * (src/model/chat-format.ts). The curriculum renders training traces with these functions and the core
 * provider renders prompts with the same ones, so what the model sees at run time is what it learned on.
 *
 *   <|user|>How many more people live in Lyon than in Nice?<|end|>
 *   <|assistant|><|think|>two populations, then a difference<|/think|><|call|>search(Lyon population)<|/call|>
 *   <|tool|>[1] Lyon is a city in … Population: 522228. …<|end|>
 *   <|assistant|><|call|>search(Nice population)<|/call|>
 *   <|tool|>[1] Nice is a city in … Population: 342669. …<|end|>
 *   <|assistant|><|call|>calc(522228 - 342669)<|/call|>
 *   <|tool|>179559<|end|>
 *   <|assistant|><|answer|>179559 [1][2]<|end|>
 *
 * An assistant turn is an optional thinking span, then either calls (each closed by `<|/call|>`, after
 * which the runtime appends one `<|tool|>…<|end|>` result per call and opens the next `<|assistant|>`)
 * or an answer closed by `<|end|>`. Generation therefore stops on `<|/call|>` or `<|end|>`.
 */
import { InvalidInputError } from "../errors.ts";

export const USER = "<|user|>";
export const ASSISTANT = "<|assistant|>";
export const TOOL = "<|tool|>";
export const THINK = "<|think|>";
export const THINK_END = "<|/think|>";
export const CALL = "<|call|>";
export const CALL_END = "<|/call|>";
export const ANSWER = "<|answer|>";
export const END = "<|end|>";

/** The answer text of an abstention: the model says the knowledge base does not answer the question. */
export const ABSTENTION = "I cannot answer this from the knowledge base.";

/** One turn of a core conversation. Calls are in the compact syntax, e.g. "calc(2 + 3)". */
export type CoreTurn =
  | { role: "user"; content: string }
  | { role: "assistant"; thinking?: string; calls: string[]; answer?: undefined }
  | { role: "assistant"; thinking?: string; calls?: undefined; answer: string }
  | { role: "tool"; content: string };

/** The text of one assistant turn, from `<|assistant|>` to its closing token. */
export function renderAssistantTurn(turn: Extract<CoreTurn, { role: "assistant" }>): string {
  const thinking = turn.thinking !== undefined ? `${THINK}${turn.thinking}${THINK_END}` : "";
  if (turn.answer !== undefined) return `${ASSISTANT}${thinking}${ANSWER}${turn.answer}${END}`;
  if (turn.calls.length === 0) {
    throw new InvalidInputError("an assistant turn has neither calls nor an answer", {
      expected: "at least one call or an answer",
    });
  }
  return `${ASSISTANT}${thinking}${turn.calls.map((call) => `${CALL}${call}${CALL_END}`).join("")}`;
}

/** Renders turns in order; with `openAssistant`, ends with `<|assistant|>` so the model continues. */
export function renderConversation(turns: CoreTurn[], options: { openAssistant?: boolean } = {}): string {
  let text = "";
  for (const turn of turns) {
    if (turn.role === "user") text += `${USER}${turn.content}${END}`;
    else if (turn.role === "tool") text += `${TOOL}${turn.content}${END}`;
    else text += renderAssistantTurn(turn);
  }
  return options.openAssistant ? `${text}${ASSISTANT}` : text;
}

/** What the model wrote in one assistant turn (the text after `<|assistant|>`). */
export interface ParsedAssistantTurn {
  thinking?: string;
  calls: string[];
  answer?: string;
  /** True when the text ended before a closing token (the token limit was reached). */
  truncated: boolean;
}

/** Parses generated assistant text; tolerant of a missing closing token at the end (truncation). */
export function parseAssistantTurn(text: string): ParsedAssistantTurn {
  let rest = text.startsWith(ASSISTANT) ? text.slice(ASSISTANT.length) : text;
  const result: ParsedAssistantTurn = { calls: [], truncated: false };
  if (rest.startsWith(THINK)) {
    const close = rest.indexOf(THINK_END);
    if (close < 0) return { ...result, thinking: rest.slice(THINK.length), truncated: true };
    result.thinking = rest.slice(THINK.length, close);
    rest = rest.slice(close + THINK_END.length);
  }
  while (rest.startsWith(CALL)) {
    const close = rest.indexOf(CALL_END);
    if (close < 0) return { ...result, calls: [...result.calls, rest.slice(CALL.length)], truncated: true };
    result.calls.push(rest.slice(CALL.length, close));
    rest = rest.slice(close + CALL_END.length);
  }
  if (rest.startsWith(ANSWER)) {
    const close = rest.indexOf(END);
    result.answer = close < 0 ? rest.slice(ANSWER.length) : rest.slice(ANSWER.length, close);
    result.truncated = close < 0;
  } else if (result.calls.length === 0) {
    // Neither calls nor an answer marker: treat the text as a plain answer.
    result.answer = rest.endsWith(END) ? rest.slice(0, -END.length) : rest;
  }
  return result;
}
