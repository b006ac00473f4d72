/**
 * Copy drills: short traces that ask the model to write back names and numbers exactly,
 *
 *   <|user|>Copy: Tōgane, 472317, Lesotho<|end|><|assistant|><|answer|> Tōgane, 472317, Lesotho<|end|>
 *
 * Copying names and numbers token by token from the question and the observations into calls and answers
 * is the skill every procedure rests on, and a small model learns it slowly from full traces, where few
 * tokens are copies and their sources lie far back. Drills put a copy at every position, next to its
 * source, so the attention that copies forms early. The names come from the training split only.
 */
import { createRandom, hashString, integerBetween, pick } from "../eval/worldqa/random.ts";
import type { Trace } from "./solve.ts";

/** A number as passages write them: an integer of 1–8 digits, or a decimal. */
function drillNumber(random: () => number): string {
  const digits = integerBetween(random, 1, 8);
  let text = String(integerBetween(random, 1, 9));
  for (let index = 1; index < digits; index++) text += String(integerBetween(random, 0, 9));
  if (random() < 0.25) text += `.${integerBetween(random, 0, 9999)}`;
  return text;
}

/** `count` drills, deterministic from the seed, made of the given names and random numbers. */
export function copyDrills(names: readonly string[], count: number, seed: number): Trace[] {
  const random = createRandom(hashString(`drills:${seed}`));
  const drills: Trace[] = [];
  for (let index = 0; index < count; index++) {
    const items: string[] = [];
    for (let item = integerBetween(random, 2, 5); item > 0; item--)
      items.push(names.length > 0 && random() < 0.6 ? pick(random, names) : drillNumber(random));
    const text = items.join(", ");
    const question = `Copy: ${text}`;
    drills.push({
      id: `drill-${seed}-${index}`,
      type: "drill",
      kind: "copy",
      split: "train",
      template: "drill/t1",
      question,
      turns: [
        { role: "user", content: question },
        { role: "assistant", answer: ` ${text}` },
      ],
      evidenceRanks: [],
      entities: [],
    });
  }
  return drills;
}
