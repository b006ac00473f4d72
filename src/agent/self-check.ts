/**
 * The agent's check of its own finished run, for resampling (runAgent's `resample`): a run fails when it
 * ran out of steps, or when its searches leave out a name the question writes — a comparison that
 * looked up one city of two, a difference that searched one country. It judges the procedure, never
 * the answer: it reads only the question and the run's own calls.
 *
 * A question's names are its runs of capitalised (or non-ASCII) words, joined by hyphens, apostrophes,
 * commas and joiners ("Rio de Janeiro", "Weimar, Germany"); "and", "or" and "versus" part them ("Lyon
 * and Nice" are two), and capitals glued to each other are a formula's symbols, one name each ("Zn",
 * "Ir" of "ZnIr3"). A search names a name when it writes one of its words, or when its hits write the
 * name together with the one before it, as the question does (selfCheckFailure). A lone capitalised
 * word opening the question is its wording, not a name ("Subtract the area of …", "Which …").
 *
 *   questionNames("Between Lysychans’k and Weimar, Germany, which is larger?")
 *     // [["Between", "Lysychans’k"], ["Weimar", "Germany"]]
 *   selfCheckFailure(question, result)   // "the searches named nothing of “Ahlen”", or undefined
 */
import {
  byteString,
  JOINER,
  mayStartName,
  textOfBytes,
  tokensOf,
  wordsOf,
} from "../providers/grounding-context.ts";
import { addUsage } from "../providers/spec.ts";
import type { TraceRecorder } from "./trace.ts";
import type { Abstention, AgentResult, ResampleOptions, StepRecord } from "./types.ts";

/** What may join two words of one name besides a joiner word ("and" excepted). */
const NAME_GAP = new Set(["-", "'", ","]);

interface NameSpan {
  /** The name's words, as byte strings. */
  words: string[];
  /** Where it starts and ends in the question's bytes. */
  start: number;
  end: number;
}

/** The names a question writes, as byte strings with their places (see the header). */
function nameSpans(question: string): NameSpan[] {
  const tokens = tokensOf(question);
  const names: Array<NameSpan & { first: number }> = [];
  let gap: string[] = [];
  tokens.forEach((token, index) => {
    const text = token[0];
    if (!mayStartName(text)) {
      if (names.length > 0) gap.push(text);
      return;
    }
    const previous = tokens[index - 1];
    const glued =
      gap.length === 0 && previous !== undefined && previous.index + previous[0].length === token.index;
    const joined = gap.every(
      (between) => NAME_GAP.has(between) || (between !== "and" && JOINER.test(between)),
    );
    const current = names.at(-1);
    if (current && !glued && joined) {
      current.words.push(text);
      current.end = token.index + text.length;
    } else names.push({ words: [text], start: token.index, end: token.index + text.length, first: index });
    gap = [];
  });
  return names.filter((name) => !(name.first === 0 && name.words.length === 1));
}

/** The names a question writes, each as its words (see the header), the opening wording aside. */
export function questionNames(question: string): string[][] {
  return nameSpans(question).map((name) => name.words.map(textOfBytes));
}

/**
 * Why a finished run fails the self-check, or undefined when it passes. A name no search wrote still
 * counts as looked up when a search's hits write it together with the name before it, as the question
 * does: the knowledge base knows "Saint Kitts and Nevis" and "Ludwigshafen am Rhein" as one name, so
 * a search of "Saint Kitts" looked up "Nevis" too ("Lyon and Nice" are in no hit together).
 */
export function selfCheckFailure(
  question: string,
  run: { steps: readonly StepRecord[]; abstention?: Abstention },
): string | undefined {
  if (run.abstention?.rule === "no-answer") return run.abstention.reason;
  const searched = new Set<string>();
  const hits: string[] = [];
  for (const step of run.steps)
    for (const call of step.toolCalls) {
      if (call.toolName !== "search" || typeof call.input !== "object" || call.input === null) continue;
      for (const value of Object.values(call.input))
        if (typeof value === "string") for (const word of wordsOf(byteString(value))) searched.add(word);
      hits.push(byteString(call.content));
    }
  const bytes = byteString(question);
  const names = nameSpans(question);
  const covered = names.map((name) => name.words.some((word) => searched.has(word)));
  for (let index = 0; index < names.length; index++) {
    if (covered[index]) continue;
    const before = names[index - 1];
    const together = before && covered[index - 1] && bytes.slice(before.start, names[index].end);
    if (together && hits.some((hit) => hit.includes(together))) covered[index] = true;
    else return `the searches named nothing of “${names[index].words.map(textOfBytes).join(" ")}”`;
  }
  return undefined;
}

/**
 * runAgent's resampling: when `first` fails the self-check, runs again (`runAgain`: seeds 1, 2, … at the
 * temperature; undefined once aborted) until a run passes or `runs` are spent, and keeps the first that
 * passes, else `first`. The result's usage, trace and time cover every run; `selfCheck` says how it went.
 */
export async function resampleOnFailure(
  question: string,
  first: AgentResult,
  { runs, temperature }: ResampleOptions,
  trace: TraceRecorder,
  runAgain: (temperature: number, seed: number) => Promise<AgentResult> | undefined,
): Promise<AgentResult> {
  let failure = selfCheckFailure(question, first);
  if (failure === undefined) return first;
  const failures: Array<string | undefined> = [failure];
  let usage = first.usage;
  let kept = first;
  for (let seed = 1; seed <= runs && failure !== undefined; seed++) {
    trace.emit({ type: "self-check", attempt: seed, failure, next: "sample" });
    const run = await runAgain(temperature, seed);
    if (!run) break;
    usage = addUsage(usage, run.usage);
    failure = selfCheckFailure(question, run);
    failures.push(failure);
    if (failure === undefined) kept = run;
  }
  if (failure !== undefined)
    trace.emit({ type: "self-check", attempt: failures.length, failure, next: "keep", kept: 1 });
  const selfCheck = { attempts: failures.length, kept: kept === first ? 1 : failures.length, failures };
  return { ...kept, usage, selfCheck, trace: trace.events, durationMs: trace.now() };
}
