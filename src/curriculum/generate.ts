/**
 * The curriculum: procedure traces drawn from a task source (the world KB's WorldQA questions, or any
 * structured KB's records), solved with the real tools, in a seeded mix of question types. Same seed,
 * same KB, same options: the same traces in the same order.
 */
import { generateWorldQA } from "../eval/worldqa/generate.ts";
import { splitPools } from "../eval/worldqa/pools.ts";
import { createRandom, hashString } from "../eval/worldqa/random.ts";
import { QUESTION_TYPES, type QuestionType, type Split } from "../eval/worldqa/types.ts";
import { loadWorldRecords, type WorldRecords } from "../knowledge/world/records.ts";
import { createProgress } from "../progress.ts";
import { copyDrills } from "./drills.ts";
import { WORLD_PARAPHRASES } from "./paraphrases.ts";
import type { RecordTaskGenerator } from "./record-tasks.ts";
import { type DropReason, type SolverTools, solveTask, type Trace } from "./solve.ts";
import type { Task } from "./task.ts";
import { addWordingNoise } from "./wording-noise.ts";
import { worldTask } from "./world-tasks.ts";

/** Where tasks come from. */
export interface TaskSource {
  /** Up to `count` distinct tasks of one type from one split. */
  tasks(options: {
    type: QuestionType;
    count: number;
    split: Split;
    seed: number;
    heldOut: boolean;
    /** Share of questions given a made-up word (wording-noise.ts; the world's questions only). Default 0. */
    wordingNoise?: number;
  }): Task[];
  /** Names of the split's records, as questions write them (for copy drills). */
  names(split: Split): string[];
}

/**
 * Extra practice for the kinds whose procedure is hardest to tell from a neighbour's: a capital's
 * population (two searches, then answer, where the arithmetic kinds calc), molar masses (a search per
 * element of the formula and a count per element, copied from the plan), a city's country's currency
 * and capital (the answer is the currency's or capital's name, not the country's that the passage opens
 * with), and the look-ups of a country's currency and capital and of an element's symbol, whose field
 * word (`currency`, `capital`, `symbol`) a small model confuses with its neighbours'.
 */
const KIND_WEIGHTS: Readonly<Record<string, number>> = {
  "capital-population": 2.5,
  "molar-mass": 3,
  "city-country-currency": 1.5,
  "city-country-capital": 1.5,
  "country-currency": 2,
  "country-capital": 2,
  "element-symbol": 1.5,
};

/**
 * WorldQA's questions over the world records, half of them in the curriculum's own phrasings, and the
 * `wordingNoise` share with a made-up word (wording-noise.ts).
 */
export function worldTaskSource(records?: WorldRecords): TaskSource {
  return {
    tasks: ({ type, count, split, seed, heldOut, wordingNoise = 0 }) =>
      generateWorldQA({
        seed,
        split,
        count,
        types: [type],
        heldOutPhrasings: heldOut,
        records,
        paraphrases: WORLD_PARAPHRASES,
        kindWeights: KIND_WEIGHTS,
        reword:
          wordingNoise > 0
            ? (template, random) => addWordingNoise(template, random, { rate: wordingNoise })
            : undefined,
      }).map((question) => worldTask(question, records ?? loadWorldRecords())),
    names: (split) => {
      const pools = splitPools(records ?? loadWorldRecords(), split);
      return [
        ...pools.cities.map((entry) => entry.label),
        ...pools.countries.map((country) => country.name),
        ...pools.elements.flatMap((element) => [element.name, element.symbol]),
      ];
    },
  };
}

/** Tasks drawn from a structured KB's records. */
export function recordTaskSource(generator: RecordTaskGenerator): TaskSource {
  return {
    tasks: ({ type, count, split, seed, heldOut }) => {
      const random = createRandom(hashString(`records:${seed}:${type}:${split}:${heldOut}`));
      const tasks: Task[] = [];
      const seen = new Set<string>();
      for (let attempts = 0; tasks.length < count && attempts < 50 * count + 200; attempts++) {
        const task = generator.draw(type, split, random, heldOut);
        if (!task || seen.has(task.id)) continue;
        seen.add(task.id);
        tasks.push(task);
      }
      return tasks;
    },
    names: (split) => generator.names(split),
  };
}

/** Share of each question type in the curriculum (normalised). Multi-step types weigh more. */
export const DEFAULT_MIX: Record<QuestionType, number> = {
  lookup: 0.2,
  multihop: 0.2,
  arithmetic: 0.22,
  comparison: 0.18,
  unanswerable: 0.2,
};

export interface CurriculumOptions {
  /** Same seed, same traces. */
  seed: number;
  /** Traces wanted (fewer come back when tasks are dropped or a split runs out). */
  count: number;
  source: TaskSource;
  tools: SolverTools;
  /** Entity split the questions come from. Default "train". */
  split?: Split;
  /** Share of each question type. Default DEFAULT_MIX. */
  mix?: Partial<Record<QuestionType, number>>;
  /** Phrase questions with the held-out templates (for evaluation only). Default false. */
  heldOutPhrasings?: boolean;
  /** Copy drills added, as a share of `count` (drills.ts). Default 0. */
  drills?: number;
  /** Share of questions given a made-up word (wording-noise.ts; the world's questions only). Default 0. */
  wordingNoise?: number;
  /** Draw a progress bar. Default true (silenced by $COGCORE_QUIET). */
  progress?: boolean;
}

export interface Curriculum {
  traces: Trace[];
  /** Tasks dropped, by reason: the evidence was not retrieved, the answer would not score, … */
  dropped: Partial<Record<DropReason, number>>;
  /** Tasks attempted. */
  attempted: number;
}

/** How many traces of each type `count` calls for under `mix`. */
export function typeCounts(
  count: number,
  mix: Partial<Record<QuestionType, number>>,
): Map<QuestionType, number> {
  const weights = QUESTION_TYPES.map((type) => [type, Math.max(0, mix[type] ?? 0)] as const);
  const total = weights.reduce((sum, [, weight]) => sum + weight, 0);
  const counts = new Map<QuestionType, number>();
  let assigned = 0;
  weights.forEach(([type, weight], index) => {
    const share = index === weights.length - 1 ? count - assigned : Math.round((count * weight) / total);
    counts.set(type, Math.max(0, share));
    assigned += share;
  });
  return counts;
}

/** Generates the traces, interleaving the types in a seeded order. */
export async function generateCurriculum(options: CurriculumOptions): Promise<Curriculum> {
  const split = options.split ?? "train";
  const counts = typeCounts(options.count, options.mix ?? DEFAULT_MIX);
  const heldOut = options.heldOutPhrasings ?? false;
  const progress = createProgress({
    label: "Curriculum",
    total: options.count,
    unit: "traces",
    quiet: options.progress === false ? true : undefined,
  });
  const traces: Trace[] = [];
  const dropped: Partial<Record<DropReason, number>> = {};
  let attempted = 0;
  try {
    for (const [type, count] of counts) {
      if (count === 0) continue;
      // A few spare tasks make up for dropped ones.
      const tasks = options.source.tasks({
        type,
        count: Math.ceil(count * 1.05) + 5,
        split,
        seed: options.seed,
        heldOut,
        wordingNoise: options.wordingNoise,
      });
      let made = 0;
      for (const task of tasks) {
        if (made === count) break;
        attempted++;
        const outcome = await solveTask(task, options.tools);
        if ("trace" in outcome) {
          traces.push(outcome.trace);
          made++;
          progress.increment(1);
        } else dropped[outcome.dropped] = (dropped[outcome.dropped] ?? 0) + 1;
      }
    }
  } finally {
    progress.stop();
  }
  const drillCount = Math.round((options.drills ?? 0) * options.count);
  if (drillCount > 0) traces.push(...copyDrills(options.source.names(split), drillCount, options.seed));
  return { traces: shuffle(traces, options.seed), dropped, attempted };
}

function shuffle<T>(items: T[], seed: number): T[] {
  const random = createRandom(hashString(`curriculum-order:${seed}`));
  const order = [...items];
  for (let index = order.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [order[index], order[other]] = [order[other], order[index]];
  }
  return order;
}
