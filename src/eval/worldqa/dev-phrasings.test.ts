import { describe, expect, it } from "vitest";
import { fourWordRuns, heldOutOnlyRuns, heldOutOpenings, slotsOf } from "../../../test/helpers/phrasings.ts";
import { worldTaskSource } from "../../curriculum/generate.ts";
import { WORLD_PARAPHRASES } from "../../curriculum/paraphrases.ts";
import { UsageError } from "../../errors.ts";
import { DEV_PHRASINGS } from "./dev-phrasings.ts";
import { generateWorldQA, QUESTION_KINDS } from "./generate.ts";
import { QUESTION_TYPES } from "./types.ts";

const trainingPhrasings = QUESTION_KINDS.flatMap((kind) => [
  ...kind.templates,
  ...(WORLD_PARAPHRASES[kind.kind] ?? []),
]);
const heldOutPhrasings = QUESTION_KINDS.flatMap((kind) => kind.heldOut);
const devPhrasings = Object.values(DEV_PHRASINGS).flat();
/** A phrasing as a pattern that matches its filled-in questions, whatever the names. */
const patternOf = (phrasing: string) =>
  new RegExp(`^${phrasing.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{\w+\}/g, ".+")}$`, "i");

describe("development phrasings", () => {
  it("cover every kind with its own slots, and are neither training nor held-out phrasings", () => {
    expect(Object.keys(DEV_PHRASINGS).sort()).toEqual(QUESTION_KINDS.map((kind) => kind.kind).sort());
    for (const kind of QUESTION_KINDS) {
      const phrasings = DEV_PHRASINGS[kind.kind]!;
      expect(phrasings.length, kind.kind).toBeGreaterThanOrEqual(3);
      expect(new Set(phrasings).size).toBe(phrasings.length);
      for (const phrasing of phrasings)
        expect(slotsOf(phrasing), phrasing).toEqual(slotsOf(kind.templates[0]));
    }
    for (const phrasing of devPhrasings) {
      expect(trainingPhrasings).not.toContain(phrasing);
      expect(heldOutPhrasings).not.toContain(phrasing);
    }
  });

  it("are new to training: each has four words in a row that no training phrasing has", () => {
    const trained = new Set(trainingPhrasings.flatMap(fourWordRuns));
    for (const phrasing of devPhrasings)
      expect(
        fourWordRuns(phrasing).some((run) => !trained.has(run)),
        `"${phrasing}" is a training phrasing in other words`,
      ).toBe(true);
  });

  it("tell nothing of the held-out set: no four held-out words in a row that the templates lack, no held-out opening", () => {
    const heldOut = heldOutOnlyRuns();
    const openings = heldOutOpenings();
    expect(openings.length).toBeGreaterThan(20);
    for (const phrasing of devPhrasings) {
      for (const run of fourWordRuns(phrasing))
        expect(heldOut.has(run), `"${phrasing}" shares "${run}" with "${heldOut.get(run)}"`).toBe(false);
      for (const opening of openings)
        expect(phrasing.startsWith(`${opening} `), `"${phrasing}" opens like "${opening} …"`).toBe(false);
    }
  });

  it("phrase every question of a dev run, deterministically, apart from the test and held-out runs", () => {
    const options = { seed: 7, split: "test" as const, count: 150 };
    const dev = generateWorldQA({ ...options, devPhrasings: true });
    expect(dev).toHaveLength(150);
    expect(generateWorldQA({ ...options, devPhrasings: true })).toEqual(dev);
    for (const question of dev) {
      const index = Number(/\/d(\d+)$/.exec(question.phrasing.template)?.[1]) - 1;
      const phrasing = DEV_PHRASINGS[question.kind]![index];
      expect(question.question, question.phrasing.template).toMatch(patternOf(phrasing));
      expect(question.phrasing.heldOut).toBe(false);
    }
    const asked = (questions: typeof dev) => new Set(questions.map((question) => question.question));
    const test = asked(generateWorldQA(options));
    const heldOut = asked(generateWorldQA({ ...options, heldOutPhrasings: true }));
    expect([...asked(dev)].filter((question) => test.has(question) || heldOut.has(question))).toEqual([]);
    expect(() => generateWorldQA({ ...options, devPhrasings: true, heldOutPhrasings: true })).toThrow(
      UsageError,
    );
  });

  it("never reach the curriculum, wording noise included", () => {
    const source = worldTaskSource();
    const patterns = devPhrasings.map(patternOf);
    for (const type of QUESTION_TYPES)
      for (const wordingNoise of [0, 0.5]) {
        const tasks = source.tasks({
          type,
          count: 300,
          split: "train",
          seed: 5,
          heldOut: false,
          wordingNoise,
        });
        expect(tasks.length).toBe(300);
        for (const task of tasks)
          expect(
            patterns.some((pattern) => pattern.test(task.question)),
            task.question,
          ).toBe(false);
      }
  });
});
