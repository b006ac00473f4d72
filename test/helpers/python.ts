/** Shared settings for tests that start Python sandboxes. */
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Startup snapshots for tests live in one temporary directory shared by all test files and runs, so
 * only the first run anywhere pays for loading Pyodide from scratch.
 */
export const TEST_SNAPSHOT_DIR = join(tmpdir(), "cogcore-test-pyodide-snapshots");

/** Time to start a sandbox on a busy two-core machine, with margin. */
export const SANDBOX_START_TIMEOUT_MS = 120_000;
