/**
 * Chunking: a reader's sections are packed into passages of about `targetTokens` words, never across
 * a heading (context) change; consecutive chunks share up to `overlapTokens` words of whole trailing
 * sections; a section longer than the target is cut into overlapping windows of words. Records
 * (standalone sections) are passages of their own. Tokens are counted as whitespace-separated words.
 */
import type { Section } from "./readers/section.ts";

export interface ChunkOptions {
  /** Words per passage to aim for. Default 200. */
  targetTokens?: number;
  /** Words repeated from the end of one passage at the start of the next. Default 40. */
  overlapTokens?: number;
}

export type Chunk = Section;

function wordCount(text: string): number {
  let count = 0;
  for (const _ of text.matchAll(/\S+/g)) count++;
  return count;
}

function merge(sections: Section[]): Chunk {
  const first = sections[0];
  const last = sections[sections.length - 1];
  return {
    text: sections.map((section) => section.text).join("\n\n"),
    context: first.context,
    span: {
      ...first.span,
      ...(last.span.endLine !== undefined ? { endLine: last.span.endLine } : {}),
      ...(last.span.endByte !== undefined ? { endByte: last.span.endByte } : {}),
    },
    metadata: first.metadata,
  };
}

/** Cuts one long section into windows of `target` words overlapping by `overlap` words. */
function* windows(section: Section, target: number, overlap: number): Generator<Chunk> {
  const words = section.text.split(/\s+/).filter(Boolean);
  const step = Math.max(1, target - overlap);
  for (let start = 0; start < words.length; start += step) {
    yield { ...section, text: words.slice(start, start + target).join(" ") };
    if (start + target >= words.length) break;
  }
}

export async function* chunkSections(
  sections: AsyncIterable<Section> | Iterable<Section>,
  options: ChunkOptions = {},
): AsyncGenerator<Chunk> {
  const target = options.targetTokens ?? 200;
  const overlap = Math.min(options.overlapTokens ?? 40, Math.floor(target / 2));
  let buffer: { section: Section; words: number }[] = [];
  let bufferWords = 0;
  let fresh = false;
  const emit = function* (): Generator<Chunk> {
    if (buffer.length > 0 && fresh) yield merge(buffer.map((entry) => entry.section));
    const kept: typeof buffer = [];
    let keptWords = 0;
    for (let index = buffer.length - 1; index >= 0 && keptWords + buffer[index].words <= overlap; index--) {
      kept.unshift(buffer[index]);
      keptWords += buffer[index].words;
    }
    buffer = kept;
    bufferWords = keptWords;
    fresh = false;
  };
  for await (const section of sections) {
    const words = wordCount(section.text);
    if (words === 0) continue;
    if (section.standalone || (buffer.length > 0 && buffer[0].section.context !== section.context)) {
      yield* emit();
      buffer = [];
      bufferWords = 0;
    }
    if (section.standalone) {
      yield section;
      continue;
    }
    if (words > target) {
      yield* emit();
      buffer = [];
      bufferWords = 0;
      yield* windows(section, target, overlap);
      continue;
    }
    if (bufferWords + words > target) yield* emit();
    buffer.push({ section, words });
    bufferWords += words;
    fresh = true;
  }
  yield* emit();
}
