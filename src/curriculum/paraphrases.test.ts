import { describe, expect, it } from "vitest";
import { fourWordRuns, heldOutOnlyRuns, heldOutOpenings, slotsOf } from "../../test/helpers/phrasings.ts";
import { generateWorldQA, QUESTION_KINDS } from "../eval/worldqa/generate.ts";
import { WORLD_PARAPHRASES } from "./paraphrases.ts";

describe("curriculum paraphrases", () => {
  it("cover every kind with the kind's own slots, and no benchmark template", () => {
    for (const kind of QUESTION_KINDS) {
      const paraphrases = WORLD_PARAPHRASES[kind.kind];
      expect(paraphrases?.length, kind.kind).toBeGreaterThanOrEqual(6);
      for (const paraphrase of paraphrases!) {
        expect(slotsOf(paraphrase), paraphrase).toEqual(slotsOf(kind.templates[0]));
        expect(kind.templates).not.toContain(paraphrase);
      }
      expect(new Set(paraphrases).size).toBe(paraphrases!.length);
    }
    expect(Object.keys(WORLD_PARAPHRASES).sort()).toEqual(QUESTION_KINDS.map((kind) => kind.kind).sort());
  });

  it("share no run of four words with a held-out phrasing that the benchmark's templates do not already have", () => {
    const heldOut = heldOutOnlyRuns();
    expect(heldOut.size).toBeGreaterThan(50);
    for (const paraphrases of Object.values(WORLD_PARAPHRASES))
      for (const paraphrase of paraphrases) {
        for (const kind of QUESTION_KINDS) expect(kind.heldOut).not.toContain(paraphrase);
        for (const run of fourWordRuns(paraphrase))
          expect(heldOut.has(run), `"${paraphrase}" shares "${run}" with "${heldOut.get(run)}"`).toBe(false);
      }
  });

  it("open with no held-out phrasing's first words (the words before its first name)", () => {
    const openings = heldOutOpenings();
    expect(openings.length).toBeGreaterThan(20);
    for (const paraphrases of Object.values(WORLD_PARAPHRASES))
      for (const paraphrase of paraphrases)
        for (const opening of openings)
          expect(paraphrase.startsWith(`${opening} `), `"${paraphrase}" opens like "${opening} …"`).toBe(
            false,
          );
  });

  it("phrase about half the questions when given, and leave the benchmark's questions unchanged", () => {
    const options = { seed: 3, split: "train" as const, count: 200 };
    const plain = generateWorldQA(options);
    expect(generateWorldQA(options)).toEqual(plain);
    expect(plain.every((question) => /\/t\d+$/.test(question.phrasing.template))).toBe(true);
    const mixed = generateWorldQA({ ...options, paraphrases: WORLD_PARAPHRASES });
    const paraphrased = mixed.filter((question) => /\/p\d+$/.test(question.phrasing.template));
    expect(paraphrased.length).toBeGreaterThan(60);
    expect(paraphrased.length).toBeLessThan(140);
    for (const question of paraphrased) {
      const kind = WORLD_PARAPHRASES[question.kind]!;
      const index = Number(question.phrasing.template.split("/p")[1]) - 1;
      const filled = kind[index].replace(/\{\w+\}/g, "");
      for (const piece of filled.split(/\s+/).filter((word) => word.length > 3))
        expect(question.question.toLowerCase()).toContain(piece.toLowerCase());
    }
    const heldOut = generateWorldQA({ ...options, heldOutPhrasings: true, paraphrases: WORLD_PARAPHRASES });
    expect(heldOut).toEqual(generateWorldQA({ ...options, heldOutPhrasings: true }));
  });
});
