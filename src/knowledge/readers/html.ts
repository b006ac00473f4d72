/**
 * HTML: visible text by blocks, headings (h1–h6) as context, the title as the outermost context;
 * scripts, styles, templates and comments dropped; character references decoded. Web pages are read
 * whole (they are small); spans are the line ranges of each block in the source.
 */
import { readFile } from "node:fs/promises";
import { InvalidInputError } from "../../errors.ts";
import { fileError } from "./lines.ts";
import type { Section } from "./section.ts";

const DROPPED = /<(script|style|noscript|template|svg|head)\b[^>]*>[\s\S]*?<\/\1\s*>|<!--[\s\S]*?-->/gi;
const BLOCK =
  /^(p|div|li|ul|ol|tr|table|section|article|header|footer|nav|main|aside|blockquote|pre|br|hr|dt|dd|figcaption|h[1-6])$/i;
const NAMED: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  mdash: "—",
  ndash: "–",
  hellip: "…",
  copy: "©",
};

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === "#") {
      const code =
        name[1] === "x" || name[1] === "X" ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
      return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : whole;
    }
    return NAMED[name.toLowerCase()] ?? whole;
  });
}

export async function readHtmlSections(path: string): Promise<Section[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw fileError(path, cause);
  }
  let source: string;
  try {
    source = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new InvalidInputError(`${path}: invalid UTF-8`, { cause, expected: "a UTF-8 HTML file" });
  }
  return htmlSections(source);
}

/** Splits an HTML string into sections. */
export function htmlSections(source: string): Section[] {
  const title = decodeEntities(/<title[^>]*>([\s\S]*?)<\/title>/i.exec(source)?.[1] ?? "").trim();
  const body = source.replace(DROPPED, (dropped) => "\n".repeat(dropped.split("\n").length - 1));
  const sections: Section[] = [];
  const headings: string[] = [];
  let text = "";
  let heading: { level: number; text: string } | undefined;
  let line = 1;
  let startLine = 1;
  const context = () => [title, ...headings].filter(Boolean).join(" > ");
  const flush = () => {
    const clean = decodeEntities(text).replace(/\s+/g, " ").trim();
    if (clean) sections.push({ text: clean, context: context(), span: { startLine, endLine: line } });
    text = "";
    startLine = line;
  };
  for (const token of body.split(/(<[^>]*>)/)) {
    const tag = /^<\/?\s*([a-z0-9]+)/i.exec(token);
    if (tag && token.startsWith("<")) {
      const name = tag[1].toLowerCase();
      const closing = token[1] === "/";
      if (/^h[1-6]$/.test(name)) {
        if (!closing) {
          flush();
          heading = { level: Number(name[1]), text: "" };
        } else if (heading) {
          headings.length = Math.min(headings.length, heading.level - 1);
          while (headings.length < heading.level - 1) headings.push("");
          headings.push(decodeEntities(heading.text).replace(/\s+/g, " ").trim());
          heading = undefined;
          startLine = line;
        }
      } else if (BLOCK.test(name)) flush();
    } else if (heading) heading.text += token;
    else text += token;
    line += token.split("\n").length - 1;
  }
  flush();
  return sections;
}
