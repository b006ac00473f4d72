/**
 * Tasks from any structured KB: records with fields (a CSV, JSON or JSONL file ingested as one passage
 * per record, "Name: Lyon. Population: 472317. Country: France."). Phrasings come from the field names
 * ("population", "country code") and the kinds of values a field holds:
 *
 *   every field           lookups             What is the population of Lyon?
 *   a field naming records multi-hop          What is the area of the country of Lyon?
 *   a numeric field       arithmetic          What is the difference in population between A and B?
 *                         comparison          Which has the higher population, A or B?
 *   invented names        unanswerable        What is the population of Zorvath?
 *
 * Records are split 80/10/10 by a hash of their name, so no test record is ever in a training question.
 * Queries are "{field} {name}" (the field first keeps the name's leading space: see world-tasks.ts).
 */

import { InvalidInputError } from "../errors.ts";
import { createRandom, hashString, integerBetween, pick } from "../eval/worldqa/random.ts";
import type { ExpectedAnswer, QuestionType, Split, WorldQuestion } from "../eval/worldqa/types.ts";
import { fieldWords } from "../knowledge/readers/template.ts";
import type { LookupStep, Task } from "./task.ts";

/** One record of the KB: its passage id, its name and its scalar fields. */
export interface KbRecord {
  passageId: string;
  name: string;
  fields: Record<string, string | number | boolean>;
}

/** What the generator knows about the KB's fields. */
export interface RecordSchema {
  nameField: string;
  /** Fields with a value in at least half the records (the name field excluded). */
  fields: string[];
  numeric: Set<string>;
  /** Fields whose values name other records. */
  links: Set<string>;
}

const NAME_FIELDS = ["name", "title", "label", "id"];

/** Infers the name field, the numeric fields and the linking fields from the records. */
export function inferSchema(records: { fields: Record<string, string | number | boolean> }[]): RecordSchema {
  const counts = new Map<string, { present: number; numbers: number; texts: Set<string> }>();
  for (const record of records) {
    for (const [field, value] of Object.entries(record.fields)) {
      if (value === "") continue;
      const entry = counts.get(field) ?? { present: 0, numbers: 0, texts: new Set<string>() };
      entry.present++;
      if (typeof value === "number") entry.numbers++;
      else entry.texts.add(String(value));
      counts.set(field, entry);
    }
  }
  const common = [...counts]
    .filter(([, entry]) => entry.present >= records.length / 2)
    .map(([field]) => field);
  const textual = common.filter((field) => counts.get(field)!.numbers === 0);
  const nameField =
    textual.find((field) => NAME_FIELDS.includes(field.toLowerCase())) ??
    textual.sort((a, b) => counts.get(b)!.texts.size - counts.get(a)!.texts.size)[0];
  if (!nameField)
    throw new InvalidInputError("the records have no text field to name them by", {
      expected: "a field such as name or title holding each record's name",
    });
  const names = counts.get(nameField)!.texts;
  const fields = common.filter((field) => field !== nameField);
  const numeric = new Set(
    fields.filter((field) => counts.get(field)!.numbers === counts.get(field)!.present),
  );
  const links = new Set(
    fields.filter((field) => {
      const texts = [...counts.get(field)!.texts];
      return texts.length > 0 && texts.filter((text) => names.has(text)).length >= texts.length / 2;
    }),
  );
  return { nameField, fields, numeric, links };
}

/** The split of a record, by a salted hash of its name. */
export function recordSplit(name: string): Split {
  const position = (hashString(`cogcore-records-splits-v1:${name}`) % 1000) / 1000;
  return position < 0.8 ? "train" : position < 0.9 ? "dev" : "test";
}

interface Phrasings {
  templates: string[];
  heldOut: string[];
}

const LOOKUP: Phrasings = {
  templates: ["What is the {f} of {a}?", "What is {a}'s {f}?", "Give the {f} of {a}."],
  heldOut: ["Tell me the {f} of {a}.", "{a} has which {f}?"],
};
const MULTIHOP: Phrasings = {
  templates: ["What is the {g} of the {f} of {a}?", "What {g} does the {f} of {a} have?"],
  heldOut: ["Tell me the {g} of {a}'s {f}."],
};
const DIFFERENCE: Phrasings = {
  templates: [
    "What is the difference in {f} between {a} and {b}?",
    "By how much does the {f} of {a} exceed that of {b}?",
  ],
  heldOut: ["How much greater is the {f} of {a} than that of {b}?"],
};
const SUM: Phrasings = {
  templates: ["What is the combined {f} of {a} and {b}?", "What is the total {f} of {a} and {b}?"],
  heldOut: ["Add up the {f} of {a} and {b}."],
};
const COMPARE: Phrasings = {
  templates: ["Which has the higher {f}, {a} or {b}?", "Does {a} or {b} have the greater {f}?"],
  heldOut: ["Between {a} and {b}, which has more {f}?"],
};

/** Draws tasks from records; one call per task, deterministic given the random generator. */
export class RecordTaskGenerator {
  private readonly byName: Map<string, KbRecord>;
  private readonly pools: Map<Split, KbRecord[]>;

  constructor(
    records: KbRecord[],
    private readonly schema: RecordSchema,
  ) {
    this.byName = new Map(records.map((record) => [record.name, record]));
    this.pools = new Map();
    for (const record of records) {
      const split = recordSplit(record.name);
      this.pools.set(split, [...(this.pools.get(split) ?? []), record]);
    }
  }

  /** The names of the split's records. */
  names(split: Split): string[] {
    return (this.pools.get(split) ?? []).map((record) => record.name);
  }

  /** One task of this type from this split, or undefined when the draw does not fit (draw again). */
  draw(type: QuestionType, split: Split, random: () => number, heldOut: boolean): Task | undefined {
    const pool = this.pools.get(split) ?? [];
    if (pool.length < 2) return undefined;
    const a = pick(random, pool);
    const b = pick(random, pool);
    const numeric = [...this.schema.numeric].filter((field) => a.fields[field] !== undefined);
    switch (type) {
      case "lookup": {
        const field = pick(
          random,
          this.schema.fields.filter((f) => a.fields[f] !== undefined && a.fields[f] !== ""),
        );
        if (!field) return undefined;
        return this.lookupTask(a, field, split, random, heldOut);
      }
      case "multihop":
        return this.multihopTask(a, split, random, heldOut);
      case "arithmetic":
      case "comparison": {
        const field = numeric.length > 0 ? pick(random, numeric) : undefined;
        if (!field || a === b || typeof b.fields[field] !== "number" || a.fields[field] === b.fields[field])
          return undefined;
        return this.computeTask(type, a, b, field, split, random, heldOut);
      }
      case "unanswerable":
        return this.unanswerableTask(split, random, heldOut);
    }
  }

  private phrase(
    phrasings: Phrasings,
    kind: string,
    slots: Record<string, string>,
    random: () => number,
    heldOut: boolean,
  ): { question: string; template: string } {
    const list = heldOut ? phrasings.heldOut : phrasings.templates;
    const index = Math.floor(random() * list.length);
    const text = list[index].replace(/\{(\w)\}/g, (_, slot: string) => slots[slot] ?? "");
    return {
      question: text[0].toUpperCase() + text.slice(1),
      template: `${kind}/${heldOut ? "h" : "t"}${index + 1}`,
    };
  }

  private step(record: KbRecord, field: string): LookupStep {
    return {
      query: `${fieldWords(field).toLowerCase()} ${record.name}`,
      passageId: record.passageId,
      value: String(record.fields[field]),
    };
  }

  private lookupTask(a: KbRecord, field: string, split: Split, random: () => number, heldOut: boolean): Task {
    const words = fieldWords(field).toLowerCase();
    const { question, template } = this.phrase(
      LOOKUP,
      "record-lookup",
      { f: words, a: a.name },
      random,
      heldOut,
    );
    const value = a.fields[field];
    const expected = expectedOf(value);
    return this.task({
      type: "lookup",
      kind: `record-lookup:${field}`,
      question,
      template,
      heldOut,
      split,
      lookups: [this.step(a, field)],
      answer: { kind: "value", text: String(value) },
      expected,
      entities: [a.passageId],
    });
  }

  private multihopTask(a: KbRecord, split: Split, random: () => number, heldOut: boolean): Task | undefined {
    const links = [...this.schema.links].filter((field) => typeof a.fields[field] === "string");
    if (links.length === 0) return undefined;
    const link = pick(random, links);
    const target = this.byName.get(String(a.fields[link]));
    if (!target || target === a || recordSplit(target.name) !== split) return undefined;
    const fields = this.schema.fields.filter(
      (f) => f !== link && target.fields[f] !== undefined && target.fields[f] !== "",
    );
    if (fields.length === 0) return undefined;
    const field = pick(random, fields);
    const [f, g] = [fieldWords(link).toLowerCase(), fieldWords(field).toLowerCase()];
    const { question, template } = this.phrase(
      MULTIHOP,
      "record-multihop",
      { f, g, a: a.name },
      random,
      heldOut,
    );
    return this.task({
      type: "multihop",
      kind: `record-multihop:${link}:${field}`,
      question,
      template,
      heldOut,
      split,
      thinking: `the ${f}, then its ${g}`,
      lookups: [this.step(a, link), this.step(target, field)],
      answer: { kind: "value", text: String(target.fields[field]) },
      expected: expectedOf(target.fields[field]),
      entities: [a.passageId, target.passageId],
    });
  }

  private computeTask(
    type: "arithmetic" | "comparison",
    first: KbRecord,
    second: KbRecord,
    field: string,
    split: Split,
    random: () => number,
    heldOut: boolean,
  ): Task {
    const words = fieldWords(field).toLowerCase();
    const [x, y] = [Number(first.fields[field]), Number(second.fields[field])];
    const sum = type === "arithmetic" && random() < 0.5;
    // Differences are asked larger minus smaller, as the phrasings say.
    const [a, b] = type === "arithmetic" && !sum && x < y ? [second, first] : [first, second];
    const [va, vb] = [String(a.fields[field]), String(b.fields[field])];
    const phrasings = type === "comparison" ? COMPARE : sum ? SUM : DIFFERENCE;
    const kind = `record-${type === "comparison" ? "compare" : sum ? "sum" : "difference"}:${field}`;
    const { question, template } = this.phrase(
      phrasings,
      kind.split(":")[0],
      { f: words, a: a.name, b: b.name },
      random,
      heldOut,
    );
    const [na, nb] = [Number(va), Number(vb)];
    const expected: ExpectedAnswer =
      type === "comparison"
        ? { kind: "text", value: na > nb ? a.name : b.name, rejects: [na > nb ? b.name : a.name] }
        : { kind: "number", value: Number((sum ? na + nb : na - nb).toFixed(9)), tolerance: 1e-6 };
    return this.task({
      type,
      kind,
      question,
      template,
      heldOut,
      split,
      thinking: `two ${words} values, then ${type === "comparison" ? "compare" : sum ? "add" : "subtract"}`,
      lookups: [this.step(a, field), this.step(b, field)],
      calc: `${va} ${sum ? "+" : "-"} ${vb}`,
      answer: type === "comparison" ? { kind: "sign", positive: a.name, negative: b.name } : { kind: "calc" },
      expected,
      entities: [a.passageId, b.passageId],
    });
  }

  private unanswerableTask(split: Split, random: () => number, heldOut: boolean): Task | undefined {
    const name = inventRecordName(random);
    if (this.byName.has(name) || recordSplit(name) !== split) return undefined;
    const field = pick(random, this.schema.fields);
    const words = fieldWords(field).toLowerCase();
    const { question, template } = this.phrase(
      LOOKUP,
      "record-unanswerable",
      { f: words, a: name },
      random,
      heldOut,
    );
    return this.task({
      type: "unanswerable",
      kind: `record-unanswerable:${field}`,
      question,
      template,
      heldOut,
      split,
      lookups: [{ query: `${words} ${name}` }],
      answer: { kind: "abstain" },
      expected: { kind: "abstain", value: "" },
      entities: [],
    });
  }

  private task(fields: Omit<Task, "id" | "source">): Task {
    const id = `rq-${fields.kind}-${hashString(`${fields.template}|${fields.question}`).toString(16).padStart(8, "0")}`;
    const source: WorldQuestion = {
      id,
      type: fields.type,
      kind: fields.kind,
      question: fields.question,
      answer: fields.expected,
      entities: fields.entities,
      goldPassageIds: fields.lookups.flatMap((step) => (step.passageId ? [step.passageId] : [])),
      retrievalQueries: fields.lookups.map((step) => step.query),
      facts: fields.lookups.flatMap((step) =>
        step.passageId
          ? [
              {
                entity: step.passageId,
                attribute: step.query,
                value: step.value ?? "",
                passageId: step.passageId,
                query: step.query,
              },
            ]
          : [],
      ),
      expression: fields.calc,
      split: fields.split,
      phrasing: { template: fields.template, heldOut: fields.heldOut },
    };
    return { ...fields, id, source };
  }
}

function expectedOf(value: string | number | boolean): ExpectedAnswer {
  return typeof value === "number" ? { kind: "number", value } : { kind: "text", value: String(value) };
}

const SYLLABLES = ["ka", "zor", "vel", "thu", "mi", "dra", "quo", "sen", "plix", "ur", "bren", "tav"];

/** A made-up name for unanswerable questions. */
export function inventRecordName(random: () => number): string {
  let name = "";
  for (let index = integerBetween(random, 2, 3); index > 0; index--) name += pick(random, SYLLABLES);
  return name[0].toUpperCase() + name.slice(1);
}

/** A seeded generator for `draw`. */
export { createRandom };
