/**
 * The files under a folder that ingest reads: sorted, symlinked folders not followed, hidden entries
 * and node_modules skipped, filtered by include/exclude globs. A glob without a slash matches a file's
 * name anywhere ("*.md"); with a slash it matches the path relative to the folder ("docs/**").
 */
import { lstat, readdir } from "node:fs/promises";
import { basename, join, relative, sep } from "node:path";
import { globToRegExp } from "./filter.ts";
import { fileError } from "./readers/lines.ts";

export interface WalkOptions {
  /** Globs a file must match (any). Default: the supported extensions. */
  include?: string[];
  /** Globs that rule a file out. Default: none (hidden entries and node_modules are always skipped). */
  exclude?: string[];
}

function matcher(globs: string[]): (path: string) => boolean {
  const patterns = globs.map((glob) => ({ slash: glob.includes("/"), pattern: globToRegExp(glob) }));
  return (path) => patterns.some(({ slash, pattern }) => pattern.test(slash ? path : basename(path)));
}

export async function* walkFiles(
  root: string,
  defaultInclude: string[],
  options: WalkOptions = {},
): AsyncGenerator<string> {
  const include = matcher(options.include && options.include.length > 0 ? options.include : defaultInclude);
  const exclude = matcher(options.exclude ?? []);
  async function* visit(dir: string): AsyncGenerator<string> {
    let entries: string[];
    try {
      entries = (await readdir(dir)).sort();
    } catch (cause) {
      throw fileError(dir, cause);
    }
    for (const name of entries) {
      if (name.startsWith(".") || name === "node_modules") continue;
      const path = join(dir, name);
      const info = await lstat(path);
      const relativePath = relative(root, path).split(sep).join("/");
      if (info.isDirectory()) {
        if (!exclude(`${relativePath}/`)) yield* visit(path);
      } else if (info.isFile() && include(relativePath) && !exclude(relativePath)) yield path;
    }
  }
  yield* visit(root);
}
