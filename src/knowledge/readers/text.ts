/**
 * Plain text and Markdown: blocks separated by blank lines, each with its line span. In Markdown, `#`
 * headings become the context of the blocks under them ("Guide > Install"), and fenced code stays whole.
 * Streamed: a block longer than `maxSectionChars` is yielded in parts, so any file size fits in memory.
 */
import { readLines } from "./lines.ts";
import type { Section } from "./section.ts";

export interface TextReaderOptions {
  /** Treat `#` lines as headings and keep code fences whole. */
  markdown: boolean;
  /** A block is yielded in parts beyond this many characters. Default 8000. */
  maxSectionChars?: number;
}

export async function* readTextSections(path: string, options: TextReaderOptions): AsyncGenerator<Section> {
  const maxChars = options.maxSectionChars ?? 8000;
  const headings: string[] = [];
  let block: string[] = [];
  let blockChars = 0;
  let startLine = 0;
  let endLine = 0;
  let inFence = false;
  const flush = (): Section | undefined => {
    const text = block.join("\n").trim();
    block = [];
    blockChars = 0;
    if (!text) return undefined;
    return { text, context: headings.filter(Boolean).join(" > "), span: { startLine, endLine } };
  };
  for await (const line of readLines(path)) {
    const fence = options.markdown && /^\s*(```|~~~)/.test(line.text);
    const heading = options.markdown && !inFence ? /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line.text) : null;
    if (heading) {
      const section = flush();
      if (section) yield section;
      headings.length = heading[1].length - 1;
      headings.push(heading[2]);
      continue;
    }
    if (fence) inFence = !inFence;
    if (line.text.trim() === "" && !inFence) {
      const section = flush();
      if (section) yield section;
      continue;
    }
    if (block.length === 0) startLine = line.number;
    endLine = line.number;
    block.push(line.text);
    blockChars += line.text.length + 1;
    if (blockChars >= maxChars) {
      const section = flush();
      if (section) yield section;
    }
  }
  const last = flush();
  if (last) yield last;
}
