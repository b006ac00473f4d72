/**
 * BM25 ranking shared by the SQLite and PostgreSQL stores, and the query plan that keeps it fast.
 *
 * A term found in a large share of passages ("population" is in every city's) costs a full scan of its
 * posting list and adds almost nothing to a BM25 score. So candidates come from the query's *selective*
 * terms (document frequency at most `commonTermDocuments`), and every candidate is then scored with BM25
 * over *all* the query's terms, so common terms still break ties ("Paris France population" ranks Paris,
 * France above Paris, Texas).
 *
 * Candidate generation, in order: the passages holding every selective term; if fewer than k, those
 * holding any of them (only while that union is small); with no selective term, those holding every
 * common term.
 */
import { tokenize } from "./tokenize.ts";

/** BM25 constants (Robertson & Zaragoza; the values Lucene and SQLite FTS5 use). */
export const BM25_K1 = 1.2;
export const BM25_B = 0.75;

/** How many candidates the selective terms bring for rescoring, at least. */
export const MIN_CANDIDATES = 50;

/** Widen an AND of selective terms that found fewer than k passages to their OR only while their
 * posting lists hold at most this many entries in total (ranking a large union costs milliseconds). */
export const MAX_UNION_POSTINGS = 500;

export interface CollectionStatistics {
  /** Number of passages. */
  documents: number;
  /** Mean passage length in terms. */
  averageLength: number;
}

/** A term is common when more than this many passages hold it: 1% of the passages, and at least 500. */
export function commonTermDocuments(statistics: CollectionStatistics): number {
  return Math.max(500, Math.floor(statistics.documents / 100));
}

/** Splits query terms into the selective ones (used to find candidates) and the common ones. */
export function planQuery(
  terms: string[],
  documentFrequency: (term: string) => number,
  statistics: CollectionStatistics,
): { selective: string[]; common: string[] } {
  const limit = commonTermDocuments(statistics);
  const present = terms.filter((term) => documentFrequency(term) > 0);
  const selective = present.filter((term) => documentFrequency(term) <= limit);
  const common = present.filter((term) => documentFrequency(term) > limit);
  return { selective, common };
}

/** Robertson–Spärck Jones IDF, floored at zero by the +1 (as in Lucene). */
export function inverseDocumentFrequency(documentFrequency: number, documents: number): number {
  return Math.log(1 + (documents - documentFrequency + 0.5) / (documentFrequency + 0.5));
}

/** BM25 of one passage, given its terms' frequencies and its length. */
export function bm25Score(
  termFrequencies: Map<string, number>,
  length: number,
  idf: Map<string, number>,
  statistics: CollectionStatistics,
): number {
  const norm = BM25_K1 * (1 - BM25_B + (BM25_B * length) / Math.max(statistics.averageLength, 1e-9));
  let score = 0;
  for (const [term, weight] of idf) {
    const frequency = termFrequencies.get(term) ?? 0;
    if (frequency > 0) score += (weight * frequency * (BM25_K1 + 1)) / (frequency + norm);
  }
  return score;
}

/** Counts the query's terms in a passage's text and returns its length in terms. */
export function countTerms(
  text: string,
  terms: ReadonlySet<string>,
): { frequencies: Map<string, number>; length: number } {
  const tokens = tokenize(text);
  const frequencies = new Map<string, number>();
  for (const token of tokens) if (terms.has(token)) frequencies.set(token, (frequencies.get(token) ?? 0) + 1);
  return { frequencies, length: tokens.length };
}

/** Candidate rows as both stores fetch them. */
export interface Candidate {
  text: string;
  context: string;
  /** Terms in context + text. */
  length: number;
}

/** Scores candidates with BM25 over all the terms; returns them best first. */
export function rankCandidates<T extends Candidate>(
  candidates: T[],
  terms: string[],
  documentFrequency: (term: string) => number,
  statistics: CollectionStatistics,
): { candidate: T; score: number }[] {
  const idf = new Map<string, number>();
  for (const term of terms) {
    const frequency = documentFrequency(term);
    if (frequency > 0) idf.set(term, inverseDocumentFrequency(frequency, statistics.documents));
  }
  const wanted = new Set(idf.keys());
  const scored = candidates.map((candidate) => {
    const { frequencies } = countTerms(
      candidate.context ? `${candidate.context}\n${candidate.text}` : candidate.text,
      wanted,
    );
    return { candidate, score: bm25Score(frequencies, candidate.length, idf, statistics) };
  });
  return scored.sort((a, b) => b.score - a.score);
}

/** Reciprocal rank fusion: each list adds weight / (k + rank) for every id it ranks. */
export function reciprocalRankFusion(
  lists: { ids: string[]; weight: number }[],
  k = 60,
): { id: string; score: number }[] {
  const scores = new Map<string, number>();
  for (const list of lists) {
    list.ids.forEach((id, rank) => {
      scores.set(id, (scores.get(id) ?? 0) + list.weight / (k + rank + 1));
    });
  }
  return [...scores].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score);
}
