import { describe, expect, it } from "vitest";
import { chunkSections } from "./chunker.ts";
import type { Section } from "./readers/section.ts";

function section(words: number, line: number, context = "", prefix = "w"): Section {
  const text = Array.from({ length: words }, (_, index) => `${prefix}${line}_${index}`).join(" ");
  return { text, context, span: { startLine: line, endLine: line } };
}

async function chunks(sections: Section[], targetTokens: number, overlapTokens: number) {
  const all = [];
  for await (const chunk of chunkSections(sections, { targetTokens, overlapTokens })) all.push(chunk);
  return all;
}

describe("chunkSections", () => {
  it("packs paragraphs toward the target, overlapping by whole trailing paragraphs", async () => {
    const result = await chunks([section(40, 1), section(40, 2), section(40, 3), section(40, 4)], 100, 40);
    expect(result.map((chunk) => chunk.span)).toEqual([
      { startLine: 1, endLine: 2 },
      { startLine: 2, endLine: 3 },
      { startLine: 3, endLine: 4 },
    ]);
    expect(result[1].text.startsWith(section(40, 2).text)).toBe(true);
  });

  it("never merges across a heading and keeps records whole and apart", async () => {
    const record = { ...section(5, 9), standalone: true };
    const result = await chunks(
      [section(10, 1, "A"), section(10, 2, "B"), record, section(10, 10, "B")],
      100,
      0,
    );
    expect(result.map((chunk) => [chunk.context, chunk.span.startLine, chunk.span.endLine])).toEqual([
      ["A", 1, 1],
      ["B", 2, 2],
      ["", 9, 9],
      ["B", 10, 10],
    ]);
  });

  it("cuts a paragraph longer than the target into overlapping windows covering every word", async () => {
    const long = section(250, 1);
    const result = await chunks([long], 100, 20);
    const words = result.map((chunk) => chunk.text.split(" "));
    expect(words.map((list) => list.length)).toEqual([100, 100, 90]);
    expect(words[1][0]).toBe("w1_80");
    expect(new Set(words.flat()).size).toBe(250);
  });
});
