// Where `serve` keeps rollout state: --state-dir, memory only (--no-state-dir), or a folder under the cache folder.
import { resolve } from "node:path";
import { cacheKey } from "../source/git-cache.js";

/** The source a default state folder belongs to, for a repository: its URL, branch and fleet subfolder. */
export function repoStateKey(repo: string, ref: string, subdir: string): string {
  return `${repo}#${ref}:${subdir}`;
}

/** The same for a fleet folder: its real path (symlinks resolved), so two paths to one folder share one state. */
export function dirStateKey(realPath: string): string {
  return `dir:${realPath}`;
}

/**
 * The state folder of `serve`: `option` (the --state-dir value, relative to `cwd`) when given; undefined (memory
 * only) when it is false (--no-state-dir); else `<cacheDir>/state/<name>-<hash of source>`, distinct per source.
 */
export function serveStateDir(
  option: string | false | undefined,
  where: { cwd: string; cacheDir: string; source: string },
): string | undefined {
  if (option === false) return undefined;
  if (option !== undefined) return resolve(where.cwd, option);
  return resolve(where.cacheDir, "state", cacheKey(where.source));
}
