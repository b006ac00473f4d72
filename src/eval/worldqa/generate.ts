/**
 * WorldQA: questions generated from the world records, deterministically from a seed. Each question's
 * entities all belong to its split (splits.ts); phrasings come from the training templates or, with
 * `heldOutPhrasings`, from the held-out ones that training never sees, or with `devPhrasings` from the
 * development ones (dev-phrasings.ts) that neither uses.
 */
import { UsageError } from "../../errors.ts";
import { loadWorldRecords, type WorldRecords } from "../../knowledge/world/records.ts";
import { DEV_PHRASINGS } from "./dev-phrasings.ts";
import type { QuestionKind } from "./kind.ts";
import { ARITHMETIC_KINDS, COMPARISON_KINDS } from "./kinds-compute.ts";
import { LOOKUP_KINDS, MULTIHOP_KINDS } from "./kinds-lookup.ts";
import { UNANSWERABLE_KINDS } from "./kinds-unanswerable.ts";
import { splitPools } from "./pools.ts";
import { createRandom, hashString, pick } from "./random.ts";
import { entitySplits } from "./splits.ts";
import { QUESTION_TYPES, type QuestionType, type Split, type WorldQuestion } from "./types.ts";

export const QUESTION_KINDS: QuestionKind[] = [
  ...LOOKUP_KINDS,
  ...MULTIHOP_KINDS,
  ...ARITHMETIC_KINDS,
  ...COMPARISON_KINDS,
  ...UNANSWERABLE_KINDS,
];

export interface GenerateWorldQAOptions {
  /** Same seed, same options: same questions. */
  seed: number;
  /** Entity split the questions come from. */
  split: Split;
  /** How many questions. Fewer come back only if the split cannot supply that many distinct ones. */
  count: number;
  /** Question types, drawn in turn. Default: all five. */
  types?: readonly QuestionType[];
  /** Use only the held-out phrasings (never used for training). Default false: the training phrasings. */
  heldOutPhrasings?: boolean;
  /**
   * Use only the development phrasings (dev-phrasings.ts), for choosing between curricula without
   * reading the held-out set. Default false. Not with `heldOutPhrasings`.
   */
  devPhrasings?: boolean;
  /** Records to draw from. Default: loadWorldRecords(). */
  records?: WorldRecords;
  /**
   * More phrasings by kind (the curriculum's, never the held-out ones): half the questions of a kind
   * listed here are phrased with one of them. Default: none (the benchmark's templates only).
   */
  paraphrases?: Readonly<Record<string, readonly string[]>>;
  /** Relative weight of each kind within its type (default 1): the curriculum's extra practice. */
  kindWeights?: Readonly<Record<string, number>>;
  /**
   * Rewrites a training template before its slots are filled (the curriculum's wording noise,
   * curriculum/wording-noise.ts). Never applied to held-out phrasings. Default: none.
   */
  reword?: (template: string, random: () => number) => string;
}

/** The three sets of phrasings: each one's letter in template ids ("city-population/h2") and its texts. */
const PHRASING_SETS = {
  training: { letter: "t", of: (kind: QuestionKind) => kind.templates },
  "held-out": { letter: "h", of: (kind: QuestionKind) => kind.heldOut },
  dev: { letter: "d", of: (kind: QuestionKind): readonly string[] => DEV_PHRASINGS[kind.kind] ?? [] },
} as const;
type Phrasings = keyof typeof PHRASING_SETS;

/** Generates `count` distinct questions, the types taking turns. */
export function generateWorldQA(options: GenerateWorldQAOptions): WorldQuestion[] {
  const records = options.records ?? loadWorldRecords();
  const types = options.types ?? QUESTION_TYPES;
  const heldOut = options.heldOutPhrasings ?? false;
  const dev = options.devPhrasings ?? false;
  if (heldOut && dev)
    throw new UsageError("held-out and development phrasings are two separate sets: ask for one of them");
  const phrasings: Phrasings = dev ? "dev" : heldOut ? "held-out" : "training";
  const random = createRandom(
    hashString(`worldqa:${options.seed}:${options.split}:${dev ? "dev" : heldOut}`),
  );
  const pools = splitPools(records, options.split);
  const splits = entitySplits(records);
  const byType = new Map(types.map((type) => [type, QUESTION_KINDS.filter((kind) => kind.type === type)]));
  const questions: WorldQuestion[] = [];
  const seen = new Set<string>();
  let failures = 0;
  while (questions.length < options.count && failures < 200 + 20 * options.count) {
    const type = types[questions.length % types.length];
    const kinds = byType.get(type) ?? [];
    const question =
      kinds.length > 0
        ? drawQuestion(
            pickKind(random, kinds, options.kindWeights),
            pools,
            random,
            phrasings,
            options.paraphrases,
            options.reword,
          )
        : undefined;
    const valid = question?.entities.every((id) => splits.get(id) === options.split);
    if (!question || !valid || seen.has(question.id)) {
      failures++;
      continue;
    }
    seen.add(question.id);
    questions.push(question);
  }
  return questions;
}

/** A kind drawn uniformly, or by `weights` when given. */
function pickKind(
  random: () => number,
  kinds: QuestionKind[],
  weights?: Readonly<Record<string, number>>,
): QuestionKind {
  if (!weights) return pick(random, kinds);
  const weightOf = (kind: QuestionKind) => Math.max(0, weights[kind.kind] ?? 1);
  let left = random() * kinds.reduce((sum, kind) => sum + weightOf(kind), 0);
  for (const kind of kinds) {
    left -= weightOf(kind);
    if (left < 0) return kind;
  }
  return kinds[kinds.length - 1];
}

function drawQuestion(
  kind: QuestionKind,
  pools: ReturnType<typeof splitPools>,
  random: () => number,
  phrasings: Phrasings,
  paraphrases?: Readonly<Record<string, readonly string[]>>,
  reword?: (template: string, random: () => number) => string,
): WorldQuestion | undefined {
  const draft = kind.draw(pools, random);
  if (!draft) return undefined;
  const training = phrasings === "training";
  const extra = training ? paraphrases?.[kind.kind] : undefined;
  const paraphrased = extra !== undefined && extra.length > 0 && random() < 0.5;
  const templates = paraphrased ? extra : PHRASING_SETS[phrasings].of(kind);
  if (templates.length === 0) return undefined;
  const index = Math.floor(random() * templates.length);
  const text = !training || !reword ? templates[index] : reword(templates[index], random);
  const reworded = text !== templates[index];
  const set = paraphrased ? "p" : PHRASING_SETS[phrasings].letter;
  const template = `${kind.kind}/${set}${index + 1}${reworded ? "~" : ""}`;
  const question = text.replace(/\{(\w+)\}/g, (_, slot: string) => draft.slots[slot] ?? `{${slot}}`);
  const identity = `${reworded ? text : template}|${draft.entities.join(",")}|${Object.values(draft.slots).join("|")}`;
  const retrievalQueries = draft.retrievalQueries ?? draft.facts.map((fact) => fact.query);
  return {
    id: `wq-${kind.kind}-${hashString(identity).toString(16).padStart(8, "0")}`,
    type: kind.type,
    kind: kind.kind,
    question: question[0].toUpperCase() + question.slice(1),
    answer: draft.answer,
    entities: draft.entities,
    goldPassageIds: [...new Set(draft.facts.map((fact) => fact.passageId))],
    retrievalQueries: [...new Set(retrievalQueries)],
    facts: draft.facts,
    expression: draft.expression,
    split: pools.split,
    phrasing: { template, heldOut: phrasings === "held-out" },
  };
}
