/** What every reader yields: a block of text with where it came from and the headings above it. */
import type { Span } from "../types.ts";

export interface Section {
  text: string;
  /** Headings above the block, "Guide > Install"; empty when the format has none. */
  context: string;
  span: Span;
  /** Fields of a structured record (JSON, CSV), kept as passage metadata for filters. */
  metadata?: Record<string, string | number | boolean>;
  /** A record is one passage of its own: never merged with its neighbours. */
  standalone?: boolean;
}
