/**
 * `cogcore bench ingest [--quick] [--json]`: ingesting one large text file (200 MB; `--quick`: 20 MB),
 * generated in a temporary folder. cogcore streams it (bounded memory); the peer reads it whole and
 * inserts its paragraphs into a plain FTS5 table. Each runs in its own process: time, passages, peak RSS.
 */
import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../src/paths.ts";

export const description =
  "Ingest of one 200 MB text file: cogcore's streamed ingest vs reading it whole (time, peak RSS)";

/** Writes `megabytes` of paragraphs of varied words. */
function writeLargeFile(path: string, megabytes: number): void {
  const descriptor = openSync(path, "w");
  const words = [
    "river",
    "mountain",
    "city",
    "population",
    "Thessaloníki",
    "harbour",
    "bridge",
    "market",
    "école",
    "tower",
  ];
  let written = 0;
  let paragraph = 0;
  const target = megabytes * 1_000_000;
  while (written < target) {
    const lines: string[] = [];
    for (let line = 0; line < 2000; line++, paragraph++) {
      const sentence = Array.from(
        { length: 12 },
        (_, index) => words[(paragraph * 7 + index * 3) % words.length],
      ).join(" ");
      lines.push(`Paragraph ${paragraph}: ${sentence} number ${paragraph * 13}.\n`);
    }
    const chunk = lines.join("\n");
    writeSync(descriptor, chunk);
    written += Buffer.byteLength(chunk);
  }
  closeSync(descriptor);
}

export async function runBenchmark({ quick }: { quick: boolean }): Promise<object> {
  const dir = mkdtempSync(join(tmpdir(), "cogcore-bench-ingest-"));
  try {
    const file = join(dir, "large.txt");
    writeLargeFile(file, quick ? 20 : 200);
    const results: Record<string, { seconds: number; passages: number; peakRssMb: number }> = {};
    for (const mode of ["cogcore", "readWhole"]) {
      process.stderr.write(`ingest bench: ${mode}…\n`);
      const output = execFileSync(
        process.execPath,
        [
          "--import",
          "tsx",
          join(packageRoot, "bench", "_ingest-worker.ts"),
          mode,
          file,
          join(dir, `${mode}.sqlite`),
        ],
        { cwd: packageRoot, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
      );
      results[mode] = JSON.parse(output.trim().split("\n").pop()!);
    }
    return {
      machine: {
        cpu: cpus()[0]?.model ?? "unknown",
        cores: cpus().length,
        node: process.version,
        loadAverage: loadavg(),
      },
      file: { megabytes: Number((statSync(file).size / 1e6).toFixed(1)) },
      systems: results,
      ratios: {
        peakRssVsReadWhole: Number((results.cogcore.peakRssMb / results.readWhole.peakRssMb).toFixed(2)),
        timeVsReadWhole: Number((results.cogcore.seconds / results.readWhole.seconds).toFixed(2)),
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
