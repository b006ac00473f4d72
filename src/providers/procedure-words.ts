/**
 * Procedure words: the few words a core writes of its own (`city`, `population`, its abstention
 * sentence), learned from a curriculum and kept beside the weights, so that grounded decoding
 * (grounding.ts) allows them besides the words the model read.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CorruptFileError } from "../errors.ts";
import { writeJson } from "../model/checkpoint.ts";
import {
  type GroundingTrace,
  startsCapital,
  textOfBytes,
  uncitedBytes,
  wordsOf,
} from "./grounding-context.ts";

/** The words a core writes of its own: in call arguments (`city`, `population`) and in answers (its abstention). */
export interface ProcedureWords {
  call: string[];
  answer: string[];
  /**
   * The questions' own wording: capitalised words that questions write and no call copies ("Compute",
   * "Which"): a call never searches them as a name. Default: none.
   */
  wording?: string[];
}

/** The file beside a checkpoint that lists its procedure words. */
export const GROUNDING_FILE = "grounding.json";

const GROUNDING_FORM = '{"procedureWords": {"call": [strings], "answer": [strings], "wording"?: [strings]}}';

/** Writes a checkpoint's procedure words beside its weights (checkpoints carry the file over). */
export function writeProcedureWords(dir: string, procedureWords: ProcedureWords): void {
  mkdirSync(dir, { recursive: true });
  writeJson(join(dir, GROUNDING_FILE), { procedureWords });
}

/** A checkpoint's procedure words, or undefined when it has no grounding.json (grounding off). */
export function readProcedureWords(dir: string): ProcedureWords | undefined {
  const path = join(dir, GROUNDING_FILE);
  if (!existsSync(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new CorruptFileError(`${path} is not valid JSON`, { expected: GROUNDING_FORM, cause });
  }
  const words = (parsed as { procedureWords?: Partial<ProcedureWords> }).procedureWords;
  const isList = (value: unknown) => Array.isArray(value) && value.every((word) => typeof word === "string");
  if (!words || !isList(words.call) || !isList(words.answer) || (words.wording && !isList(words.wording)))
    throw new CorruptFileError(`${path} has no lists of procedure words`, { expected: GROUNDING_FORM });
  return { call: words.call!, answer: words.answer!, ...(words.wording ? { wording: words.wording } : {}) };
}

/**
 * The words a set of conversations' assistants write that nothing read before contains: the
 * procedure words of a curriculum, for calls and for answers; and the capitalised words of its
 * questions (each conversation's first text read) that no call of any conversation writes: their
 * wording. Words in fewer than a `minShare` of the conversations (at least 3: a stray spelling of a
 * name) are left out.
 */
export function procedureWordsOf(traces: Iterable<GroundingTrace>, minShare = 0.002): ProcedureWords {
  const counts = { call: new Map<string, number>(), answer: new Map<string, number>() };
  const asked = new Map<string, number>();
  const called = new Set<string>();
  let total = 0;
  for (const trace of traces) {
    total++;
    const read = new Set<string>();
    const own = { call: new Set<string>(), answer: new Set<string>() };
    const question = trace.find((turn) => turn.role === "read");
    for (const word of new Set(wordsOf(uncitedBytes(question?.text ?? ""))))
      if (startsCapital(word)) asked.set(word, (asked.get(word) ?? 0) + 1);
    for (const { role, text } of trace) {
      // Citation markers are no words, here as in the decoder's context: "[1]" does not make 1 a word read.
      const words = wordsOf(uncitedBytes(text));
      if (role === "call") for (const word of words) called.add(word);
      if (role === "read") for (const word of words) read.add(word);
      else for (const word of words) if (!read.has(word)) own[role].add(word);
    }
    for (const role of ["call", "answer"] as const)
      for (const word of own[role]) counts[role].set(word, (counts[role].get(word) ?? 0) + 1);
  }
  const frequent = (words: Map<string, number>) =>
    [...words]
      .filter(([, count]) => count >= Math.max(3, minShare * total))
      .map(([word]) => textOfBytes(word))
      .sort();
  const wording = frequent(new Map([...asked].filter(([word]) => !called.has(word))));
  return { call: frequent(counts.call), answer: frequent(counts.answer), wording };
}
