/**
 * BM25 ranking shared by the SQLite and PostgreSQL stores, and the query plan that keeps it fast.
 *
 * A term found in a large share of passages ("population" is in every city's) costs a full scan of its
 * posting list and adds almost nothing to a BM25 score. So terms are sorted by document frequency into
 * selective (at most 1% of passages), mid (at most 10%) and common ones; candidates come from the
 * rarer ones, and every candidate is then scored with BM25 over *all* the query's terms, so common terms
 * still break ties ("Paris France population" ranks Paris, France above Paris, Texas).
 *
 * Candidates come from the first of these steps that finds any: the passages holding every selective
 * and mid term (and broad ones, up to 25% of passages, when the selective terms alone are too frequent
 * to fetch whole); those holding every selective term (all of them when few); those holding any
 * selective term. With no selective term: those holding every mid and broad term, else every term.
 * (Ranking a large OR in FTS5 costs milliseconds, so a query widens only when the narrower step found
 * nothing.)
 *
 * A passage whose title (its context: a heading, a record's name) the query names in full scores
 * TITLE_BOOST times more. The score is BM25 times Lucene's classic coordination factor (matched terms / query terms), so a
 * passage holding all the words beats a shorter one holding some: without it, BM25's length
 * normalisation ranks a two-word city passage above the country passage that holds all three words.
 */
import { tokenize } from "./tokenize.ts";

/** BM25 constants (Robertson & Zaragoza; the values Lucene and SQLite FTS5 use). */
export const BM25_K1 = 1.2;
export const BM25_B = 0.75;

/** How many candidates a step brings for rescoring, at least. */
export const MIN_CANDIDATES = 50;

/** Selective terms whose posting lists hold at most this many entries in total bring all their
 * passages as candidates, and may be widened from AND to OR (ranking a large union costs milliseconds). */
export const MAX_UNION_POSTINGS = 500;

export interface CollectionStatistics {
  /** Number of passages. */
  documents: number;
  /** Mean passage length in terms. */
  averageLength: number;
}

/** A term is selective up to 1% of the passages (at least 500), mid up to 10% (at least 5000), broad up
 * to 25%, common beyond. */
export function termLimits(statistics: CollectionStatistics): {
  selective: number;
  mid: number;
  broad: number;
} {
  return {
    selective: Math.max(500, Math.floor(statistics.documents / 100)),
    mid: Math.max(5000, Math.floor(statistics.documents / 10)),
    broad: Math.max(5000, Math.floor(statistics.documents / 4)),
  };
}

/** Sorts query terms by how many passages hold them; terms no passage holds are dropped. */
export function planQuery(
  terms: string[],
  documentFrequency: (term: string) => number,
  statistics: CollectionStatistics,
): { selective: string[]; mid: string[]; broad: string[]; common: string[] } {
  const limits = termLimits(statistics);
  const present = terms.filter((term) => documentFrequency(term) > 0);
  const between = (low: number, high: number) =>
    present.filter((term) => documentFrequency(term) > low && documentFrequency(term) <= high);
  return {
    selective: between(0, limits.selective),
    mid: between(limits.selective, limits.mid),
    broad: between(limits.mid, limits.broad),
    common: between(limits.broad, Number.POSITIVE_INFINITY),
  };
}

/** Fetches up to `limit` passages holding every (`and`) or any (`or`) term, best first by the engine's rank. */
export type CandidateFetch<T> = (terms: string[], mode: "and" | "or", limit: number) => T[] | Promise<T[]>;

/** Gathers candidates as the module comment says; `key` identifies a row. */
export async function gatherCandidates<T>(
  terms: string[],
  documentFrequency: (term: string) => number,
  statistics: CollectionStatistics,
  k: number,
  fetch: CandidateFetch<T>,
  key: (row: T) => string | number,
): Promise<{ rows: T[]; terms: string[] }> {
  const { selective, mid, broad, common } = planQuery(terms, documentFrequency, statistics);
  const scoring = [...selective, ...mid, ...broad, ...common];
  const limit = Math.max(MIN_CANDIDATES, 5 * k);
  const union = selective.reduce((sum, term) => sum + documentFrequency(term), 0);
  const small = union <= MAX_UNION_POSTINGS;
  const rows: T[] = [];
  const seen = new Set<string | number>();
  const add = async (stepTerms: string[], mode: "and" | "or", stepLimit: number) => {
    for (const row of await fetch(stepTerms, mode, stepLimit)) {
      if (!seen.has(key(row))) {
        seen.add(key(row));
        rows.push(row);
      }
    }
  };
  if (selective.length > 0) {
    const narrowing = small ? mid : [...mid, ...broad];
    if (narrowing.length > 0) await add([...selective, ...narrowing], "and", limit);
    if (rows.length === 0) await add(selective, "and", small ? MAX_UNION_POSTINGS : limit);
    if (rows.length === 0 && selective.length > 1) await add(selective, "or", limit);
  } else if (mid.length + broad.length > 0) await add([...mid, ...broad], "and", limit);
  else if (common.length > 0) await add(common, "and", limit);
  return { rows, terms: scoring };
}

/** Robertson–Spärck Jones IDF, floored at zero by the +1 (as in Lucene). */
export function inverseDocumentFrequency(documentFrequency: number, documents: number): number {
  return Math.log(1 + (documents - documentFrequency + 0.5) / (documentFrequency + 0.5));
}

/** BM25 of one passage, given its terms' frequencies and its length, times the coordination factor. */
export function bm25Score(
  termFrequencies: Map<string, number>,
  length: number,
  idf: Map<string, number>,
  statistics: CollectionStatistics,
): number {
  const norm = BM25_K1 * (1 - BM25_B + (BM25_B * length) / Math.max(statistics.averageLength, 1e-9));
  let score = 0;
  let matched = 0;
  for (const [term, weight] of idf) {
    const frequency = termFrequencies.get(term) ?? 0;
    if (frequency > 0) {
      score += (weight * frequency * (BM25_K1 + 1)) / (frequency + norm);
      matched++;
    }
  }
  return idf.size > 0 ? (score * matched) / idf.size : 0;
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

/** Score factor of a passage whose title (context) the query names in full: "Budapest population" puts
 * Budapest above Budapest XII. kerület, "The Valley population" The Valley above Valley. */
export const TITLE_BOOST = 1.5;

/** Whether every word of a passage's title is among the query's words (question words included). */
function titleCovered(context: string, queryWords: ReadonlySet<string>): boolean {
  if (!context) return false;
  const words = tokenize(context);
  return words.length > 0 && words.every((word) => queryWords.has(word));
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
  queryWords: ReadonlySet<string> = new Set(terms),
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
    const score = bm25Score(frequencies, candidate.length, idf, statistics);
    return { candidate, score: titleCovered(candidate.context, queryWords) ? score * TITLE_BOOST : score };
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
