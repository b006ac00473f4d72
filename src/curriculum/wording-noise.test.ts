import { describe, expect, it } from "vitest";
import { generateWorldQA, QUESTION_KINDS } from "../eval/worldqa/generate.ts";
import { createRandom } from "../eval/worldqa/random.ts";
import { curriculumKey } from "./cache.ts";
import { worldTaskSource } from "./generate.ts";
import { WORLD_PARAPHRASES } from "./paraphrases.ts";
import { addWordingNoise, madeUpWord } from "./wording-noise.ts";

const TEMPLATES = QUESTION_KINDS.flatMap((kind) => [
  ...kind.templates,
  ...(WORLD_PARAPHRASES[kind.kind] ?? []),
]);
const words = (text: string) => text.split(/\s+/).filter(Boolean);
const slots = (text: string) => [...text.matchAll(/\{\w+\}/g)].map((match) => match[0]);

describe("wording noise", () => {
  it("makes one edit per template: a filler word replaced or a made-up word inserted, names and relation kept", () => {
    const random = createRandom(11);
    let replaced = 0;
    let inserted = 0;
    for (const template of TEMPLATES)
      for (let draw = 0; draw < 4; draw++) {
        const noisy = addWordingNoise(template, random, { rate: 1 });
        if (noisy === template) continue;
        const before = words(template);
        const after = words(noisy);
        expect(slots(noisy), noisy).toEqual(slots(template));
        expect(after[0], noisy).toBe(before[0]);
        if (after.length === before.length) {
          replaced++;
          const changed = before.flatMap((word, index) => (word === after[index] ? [] : [index]));
          expect(changed, noisy).toHaveLength(1);
          const [was, now] = [before[changed[0]], after[changed[0]]];
          expect(was, noisy).toMatch(/^[a-z]+$/);
          // The words that say what to look up or compute stay.
          expect([
            "population",
            "capital",
            "area",
            "more",
            "than",
            "which",
            "from",
            "symbol",
            "mass",
          ]).not.toContain(was);
          expect(now).toMatch(/^[a-z]+$/);
        } else {
          inserted++;
          expect(after.length, noisy).toBe(before.length + 1);
          const at = after.findIndex((word, index) => word !== before[index]);
          expect(at, noisy).toBeGreaterThan(0);
          expect(after.slice(0, at).concat(after.slice(at + 1)), noisy).toEqual(before);
          expect(after[at]).toMatch(/^[a-z]+$/);
        }
      }
    expect(replaced).toBeGreaterThan(TEMPLATES.length);
    expect(inserted).toBeGreaterThan(TEMPLATES.length);
  });

  it("edits about the rate's share of templates, deterministically in the seed", () => {
    const run = (seed: number) => {
      const random = createRandom(seed);
      return Array.from({ length: 20 }, () =>
        TEMPLATES.map((template) => addWordingNoise(template, random)),
      ).flat();
    };
    const noisy = run(5);
    expect(run(5)).toEqual(noisy);
    expect(run(6)).not.toEqual(noisy);
    const share =
      noisy.filter((text, index) => text !== TEMPLATES[index % TEMPLATES.length]).length / noisy.length;
    expect(share).toBeGreaterThan(0.2);
    expect(share).toBeLessThan(0.27);
    expect(addWordingNoise("How big is {city}?", createRandom(1), { rate: 0 })).toBe("How big is {city}?");
  });

  it("draws made-up lowercase words, varied and never a word the templates use", () => {
    const random = createRandom(3);
    const known = new Set(TEMPLATES.flatMap((template) => template.toLowerCase().split(/[^a-z]+/)));
    const drawn = Array.from({ length: 2000 }, () => madeUpWord(random));
    for (const word of drawn) expect(word).toMatch(/^[a-z]{2,}$/);
    expect(new Set(drawn).size).toBeGreaterThan(1000);
    expect(drawn.filter((word) => known.has(word)).length).toBeLessThan(20);
  });

  it("reaches the curriculum's questions only: held-out phrasings and the benchmark are untouched", () => {
    const options = { seed: 4, split: "train" as const, count: 300, paraphrases: WORLD_PARAPHRASES };
    const reword = (template: string, random: () => number) => addWordingNoise(template, random);
    const noisy = generateWorldQA({ ...options, reword });
    const edited = noisy.filter((question) => question.phrasing.template.endsWith("~"));
    expect(edited.length).toBeGreaterThan(40);
    expect(edited.length).toBeLessThan(110);
    const heldOut = { seed: 4, split: "test" as const, count: 100, heldOutPhrasings: true };
    expect(generateWorldQA({ ...heldOut, reword })).toEqual(generateWorldQA(heldOut));
  });

  it("is off unless asked for: the world source edits the asked share, and the cache key tells them apart", () => {
    const source = worldTaskSource();
    const draw = (wordingNoise?: number) =>
      source.tasks({ type: "comparison", count: 200, split: "train", seed: 2, heldOut: false, wordingNoise });
    const plain = draw();
    expect(draw(0)).toEqual(plain);
    expect(plain.some((task) => task.template.endsWith("~"))).toBe(false);
    const edited = draw(0.5).filter((task) => task.template.endsWith("~"));
    expect(edited.length).toBeGreaterThan(60);
    expect(edited.length).toBeLessThan(140);
    const opened = { description: "world" } as Parameters<typeof curriculumKey>[0]["opened"];
    const key = (wordingNoise?: number) => curriculumKey({ seed: 1, count: 100, opened, wordingNoise });
    expect(key(0)).toBe(key());
    expect(key(0.25)).not.toBe(key());
    expect(key(0.25)).not.toBe(key(0.5));
  });
});
