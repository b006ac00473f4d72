import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CorruptFileError, InvalidInputError } from "../../errors.ts";
import { htmlSections } from "./html.ts";
import { readSections } from "./index.ts";
import { readLines } from "./lines.ts";
import type { Section } from "./section.ts";
import { renderRecord } from "./template.ts";

const dir = mkdtempSync(join(tmpdir(), "cogcore-readers-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function sections(path: string, template?: string): Promise<Section[]> {
  const all: Section[] = [];
  for await (const section of readSections(path, { template })) all.push(section);
  return all;
}

/** A minimal PDF with one line of Helvetica text per page. */
function minimalPdf(pages: string[]): Buffer {
  const objects = ["<< /Type /Catalog /Pages 2 0 R >>"];
  const kids = pages.map((_, index) => `${3 + 2 * index} 0 R`).join(" ");
  objects.push(`<< /Type /Pages /Kids [${kids}] /Count ${pages.length} >>`);
  const font = 3 + 2 * pages.length;
  pages.forEach((text, index) => {
    objects.push(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 ${font} 0 R >> >> /Contents ${4 + 2 * index} 0 R >>`,
    );
    const stream = `BT /F1 12 Tf 72 720 Td (${text}) Tj ET`;
    objects.push(`<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`);
  });
  objects.push("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
  let out = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    offsets.push(out.length);
    out += `${index + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) out += `${String(offset).padStart(10, "0")} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, "latin1");
}

describe("readers", () => {
  it("reads text as blank-line blocks with their line spans", async () => {
    const path = file("a.txt", "First block\nstill first\n\n\nSecond block\r\n");
    expect(await sections(path)).toEqual([
      { text: "First block\nstill first", context: "", span: { startLine: 1, endLine: 2 } },
      { text: "Second block", context: "", span: { startLine: 5, endLine: 5 } },
    ]);
  });

  it("keeps Markdown headings as the context of the blocks under them, and code fences whole", async () => {
    const path = file(
      "a.md",
      "# Guide\nIntro.\n\n## Install\nRun it.\n\n```sh\nnpm i\n\nnpx x\n```\n\n# Other\nEnd.\n",
    );
    const result = await sections(path);
    expect(result.map((s) => [s.context, s.text])).toEqual([
      ["Guide", "Intro."],
      ["Guide > Install", "Run it."],
      ["Guide > Install", "```sh\nnpm i\n\nnpx x\n```"],
      ["Other", "End."],
    ]);
    expect(result[2].span).toEqual({ startLine: 7, endLine: 11 });
  });

  it("reads HTML text by blocks, headings as context, scripts and styles dropped", () => {
    const html = `<html><head><title>Cities &amp; more</title><style>p{color:red}</style></head>
<body><h1>France</h1><p>Lyon is on the <b>Rhône</b>.</p><script>alert("x")</script>
<h2>North</h2><ul><li>Lille&nbsp;&#x2014; big</li></ul><!-- hidden --></body></html>`;
    expect(htmlSections(html).map((s) => [s.context, s.text])).toEqual([
      ["Cities & more > France", "Lyon is on the Rhône."],
      ["Cities & more > France > North", "Lille — big"],
    ]);
  });

  it("renders JSON, JSONL and CSV records with the default or a custom template", async () => {
    expect(renderRecord({ name: "Lyon", countryCode: "FR", population: 472317, tags: ["a", "b"] })).toBe(
      "Name: Lyon. Country code: FR. Population: 472317. Tags: a, b.",
    );
    const json = file(
      "c.json",
      JSON.stringify({
        cities: [
          { name: "Lyon", pop: 472317 },
          { name: "Nice", pop: 342669 },
        ],
      }),
    );
    const fromJson = await sections(json, "{name} has {pop} people.");
    expect(fromJson.map((s) => s.text)).toEqual(["Lyon has 472317 people.", "Nice has 342669 people."]);
    expect(fromJson[0].metadata).toEqual({ name: "Lyon", pop: 472317 });
    const jsonl = file("c.jsonl", '{"name":"Lyon"}\n\n{"name":"Nice"}\n');
    expect((await sections(jsonl)).map((s) => [s.text, s.span.startLine])).toEqual([
      ["Name: Lyon.", 1],
      ["Name: Nice.", 3],
    ]);
    const csv = file(
      "c.csv",
      'name,note,pop\nLyon,"on the Rhône, ""big""",472317\nNice,"two\nlines",342669\n',
    );
    const rows = await sections(csv);
    expect(rows.map((s) => s.metadata)).toEqual([
      { name: "Lyon", note: 'on the Rhône, "big"', pop: 472317 },
      { name: "Nice", note: "two\nlines", pop: 342669 },
    ]);
    expect(rows[1].span).toEqual({ startLine: 3, endLine: 4 });
  });

  it("rejects malformed records and invalid UTF-8 with typed errors saying where", async () => {
    await expect(sections(file("bad.jsonl", '{"a":1}\n{oops\n'))).rejects.toThrow(/line 2 is not valid JSON/);
    await expect(sections(file("bad.csv", "a,b\n1,2,3\n"))).rejects.toThrow(/line 2 has 3 fields/);
    await expect(sections(file("bad.json", "[1, 2]"))).rejects.toThrow(InvalidInputError);
    const latin1 = file(
      "latin1.txt",
      Buffer.concat([Buffer.from("fine line\ncaf"), Buffer.from([0xe9]), Buffer.from("\n")]),
    );
    await expect(sections(latin1)).rejects.toThrow(/invalid UTF-8 in line 2/);
  });

  it("reads a PDF's text page by page, and calls a damaged PDF corrupt", async () => {
    const path = file(
      "a.pdf",
      minimalPdf(["The lighthouse of Alexandria stood on Pharos.", "Page two: the harbour of Rhodes."]),
    );
    expect(await sections(path)).toEqual([
      { text: "The lighthouse of Alexandria stood on Pharos.", context: "", span: { page: 1 } },
      { text: "Page two: the harbour of Rhodes.", context: "", span: { page: 2 } },
    ]);
    await expect(sections(file("bad.pdf", "%PDF-1.4\nnot really a pdf"))).rejects.toThrow(CorruptFileError);
  });

  it("cuts an over-long line at a character boundary, so memory stays bounded", async () => {
    const path = file("long.txt", "é".repeat(3000));
    const pieces: string[] = [];
    for await (const line of readLines(path, { maxLineBytes: 1001 })) pieces.push(line.text);
    expect(pieces.join("")).toBe("é".repeat(3000));
    expect(Math.max(...pieces.map((piece) => Buffer.byteLength(piece)))).toBeLessThanOrEqual(1002);
  });
});
