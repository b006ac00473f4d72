/**
 * The real world knowledge base for tests that need real search results (curriculum observations, the
 * shipped model's eval): built once per machine and format into the temp directory, reused by later
 * runs and by parallel test files (a lock directory makes one build at a time).
 */
import { mkdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  buildWorldKnowledgeBase,
  isWorldBuildCurrent,
  WORLD_FORMAT_VERSION,
} from "../../src/knowledge/world/build.ts";

const STALE_LOCK_MS = 5 * 60_000;

/** Path of a complete world KB, building it first if needed (≈ 30 s on two cores). */
export async function worldKnowledgeBaseForTests(): Promise<string> {
  const path = join(tmpdir(), `cogcore-test-world-v${WORLD_FORMAT_VERSION}.sqlite`);
  const lock = `${path}.lock`;
  for (;;) {
    if (isWorldBuildCurrent(path)) return path;
    try {
      mkdirSync(lock);
    } catch {
      const info = statSync(lock, { throwIfNoEntry: false });
      if (info && Date.now() - info.mtimeMs > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 500));
      continue;
    }
    try {
      if (!isWorldBuildCurrent(path)) await buildWorldKnowledgeBase({ out: path, quiet: true });
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}
