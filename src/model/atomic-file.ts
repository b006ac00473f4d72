/**
 * Atomic file replacement: write a temporary file beside the target, fsync it, rename it over the target,
 * fsync the directory. A crash at any point leaves either the old file or the complete new one.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** Writes `chunks` to `path` atomically. */
export function writeFileAtomic(path: string, chunks: Iterable<Uint8Array>): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const handle = openSync(temporary, "w");
  try {
    for (const chunk of chunks) {
      for (let written = 0; written < chunk.length; ) {
        written += writeSync(handle, chunk, written, chunk.length - written);
      }
    }
    fsyncSync(handle);
  } catch (error) {
    closeSync(handle);
    rmSync(temporary, { force: true });
    throw error;
  }
  closeSync(handle);
  try {
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  syncDirectory(dirname(path));
}

/** Makes a rename in `directory` durable (a no-op where directories cannot be opened, as on Windows). */
export function syncDirectory(directory: string): void {
  let handle: number | undefined;
  try {
    handle = openSync(directory, "r");
    fsyncSync(handle);
  } catch {
    // Not supported on this platform: the rename is still atomic, only its durability is weaker.
  } finally {
    if (handle !== undefined) closeSync(handle);
  }
}
