/**
 * `cogcore bench retrieval [--quick] [--json]`: retrieval on the world knowledge base, cogcore's SQLite
 * store side by side with Orama, MiniSearch, FlexSearch and a raw SQLite FTS5 table, each in its own
 * process (bench/_retrieval-worker.ts) so that its peak RSS is its own.
 *
 * Corpus: the world KB's passages (`--quick`: countries, elements and cities of 20000+ people plus every
 * gold passage). Queries: WorldQA retrieval queries with a known gold passage, from the dev and test
 * splits. Every system gets the same terms (the query's words less question words) and indexes the
 * same text (record name and passage); each library keeps its default query semantics and ranking.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { generateWorldQA } from "../src/eval/worldqa/generate.ts";
import { hashString } from "../src/eval/worldqa/random.ts";
import { recordPassage } from "../src/knowledge/world/passages.ts";
import { loadWorldRecords } from "../src/knowledge/world/records.ts";
import { packageRoot } from "../src/paths.ts";

export const description =
  "Retrieval on the world KB: cogcore vs Orama, MiniSearch, FlexSearch, raw SQLite FTS5 (build, QPS, recall@10, MRR, RSS)";

const SYSTEMS = ["cogcore", "sqliteFts5", "orama", "minisearch", "flexsearch"] as const;
const PEERS = ["orama", "minisearch", "flexsearch"] as const;

interface SystemResult {
  qps: number;
  qpsRuns: number[];
  queriesEvaluated: number;
  recallAt10: number;
  lookupRecallAt10: number | null;
  mrr: number;
  buildSeconds: number;
  peakRssMb: number;
  ranks?: number[];
  /** cogcore's recall@10 and MRR on the queries this peer answered (all of them unless it ran out of time). */
  cogcoreOnSameQueries?: { recallAt10: number; mrr: number };
}

function recallAndMrr(ranks: number[]): { recallAt10: number; mrr: number } {
  const found = ranks.filter((rank) => rank >= 0);
  return {
    recallAt10: found.length / ranks.length,
    mrr: found.reduce((sum, rank) => sum + 1 / (rank + 1), 0) / ranks.length,
  };
}

function benchmarkQueries(quick: boolean) {
  const types = ["lookup", "multihop", "arithmetic", "comparison"] as const;
  const count = quick ? 150 : 500;
  const questions = [
    ...generateWorldQA({ seed: 2024, split: "test", count, types }),
    ...generateWorldQA({ seed: 2024, split: "dev", count, types }),
  ];
  const seen = new Set<string>();
  const queries: { query: string; gold: string; lookup: boolean }[] = [];
  for (const question of questions) {
    for (const fact of question.facts) {
      if (seen.has(fact.query)) continue;
      seen.add(fact.query);
      queries.push({ query: fact.query, gold: fact.passageId, lookup: question.type === "lookup" });
    }
  }
  // Shuffled (deterministically), so that a slow system's first answers are a fair sample.
  return queries
    .map((query, index) => ({ query, order: hashString(`${index}:${query.query}`) }))
    .sort((a, b) => a.order - b.order)
    .map(({ query }) => query);
}

export async function runBenchmark({ quick }: { quick: boolean }): Promise<object> {
  const records = loadWorldRecords();
  const queries = benchmarkQueries(quick);
  const gold = new Set(queries.map((query) => query.gold));
  const chosen = quick
    ? [
        ...records.countries,
        ...records.elements,
        ...records.cities.filter((city) => city.population >= 20_000 || gold.has(city.id)),
      ]
    : [...records.countries, ...records.elements, ...records.cities];
  const dir = mkdtempSync(join(tmpdir(), "cogcore-bench-retrieval-"));
  const systems: Record<string, SystemResult> = {};
  try {
    const lines = chosen.map((record) => {
      const passage = recordPassage(record, records);
      return JSON.stringify({ id: passage.id, text: passage.text, context: passage.metadata?.context ?? "" });
    });
    writeFileSync(join(dir, "corpus.jsonl"), `${lines.join("\n")}\n`);
    writeFileSync(join(dir, "queries.json"), JSON.stringify(queries));
    for (const system of SYSTEMS) {
      process.stderr.write(`retrieval bench: ${system}…\n`);
      const output = execFileSync(
        process.execPath,
        [
          "--import",
          "tsx",
          join(packageRoot, "bench", "_retrieval-worker.ts"),
          system,
          dir,
          String(quick ? 3 : 5),
        ],
        { cwd: packageRoot, encoding: "utf8", maxBuffer: 1 << 24, stdio: ["ignore", "pipe", "inherit"] },
      );
      systems[system] = JSON.parse(output.trim().split("\n").pop()!);
      const { ranks: _ranks, ...summary } = systems[system];
      process.stderr.write(`  ${JSON.stringify(summary)}\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const cogcore = systems.cogcore;
  // Compare recall on the same queries: a slow peer may have answered only the first ones.
  const cogcoreRanks = cogcore.ranks ?? [];
  const recallGap: Record<string, number> = {};
  for (const name of [...PEERS, "sqliteFts5"]) {
    const peer = systems[name];
    const same = recallAndMrr(cogcoreRanks.slice(0, peer.queriesEvaluated));
    peer.cogcoreOnSameQueries = same;
    recallGap[name] = Number((same.recallAt10 - peer.recallAt10).toFixed(4));
  }
  for (const result of Object.values(systems)) delete result.ranks;
  const fastestPeer = Math.max(...PEERS.map((peer) => systems[peer].qps));
  return {
    machine: {
      cpu: cpus()[0]?.model ?? "unknown",
      cores: cpus().length,
      memoryGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      loadAverage: loadavg().map((value) => Number(value.toFixed(2))),
    },
    corpus: {
      passages: chosen.length,
      queries: queries.length,
      lookupQueries: queries.filter((query) => query.lookup).length,
      quick,
    },
    systems,
    ratios: {
      qpsVsFastestPeer: Number((cogcore.qps / fastestPeer).toFixed(2)),
      qpsVsSqliteFts5: Number((cogcore.qps / systems.sqliteFts5.qps).toFixed(2)),
      recallMinusPeerOnSameQueries: recallGap,
    },
    goals: {
      qpsAtLeastFastestPeer: cogcore.qps >= fastestPeer,
      qpsAtLeast80PercentOfFts5: cogcore.qps >= 0.8 * systems.sqliteFts5.qps,
      lookupRecallAtLeast95: (cogcore.lookupRecallAt10 ?? 0) >= 0.95,
      recallWithin001OfEveryPeer: Object.values(recallGap).every((gap) => gap >= -0.01),
    },
  };
}
