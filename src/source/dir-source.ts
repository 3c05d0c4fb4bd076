// A fleet read from a folder on disk, watched for edits; its revision is a digest of the files' paths and bytes.
import { createHash } from "node:crypto";
import { lstat, readdir, readFile, readlink, realpath } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { KUBELET_MAX_BODY, type FleetFile } from "../fleet/fleet-files.js";
import { watchDebounced, type WatchTarget } from "../lib/debounced-watch.js";
import { ManifestServerError } from "../lib/errors.js";
import type { FleetSource, Snapshot } from "./source.js";

/** One entry as `lstat` sees it: enough to notice any change without reading a byte. */
interface Stat {
  path: string;
  size: number;
  mtimeMs: number;
  ino: number;
  link?: string;
}

/** Walks the tree under `dir` (dot entries skipped), calling `visit` for every file and symlink. */
async function walk(
  dir: string,
  rel: string,
  visit: (abs: string, path: string, link: boolean) => Promise<void>,
) {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    if (e.name.startsWith(".")) continue;
    const abs = join(dir, e.name);
    const path = rel === "" ? e.name : `${rel}/${e.name}`;
    if (e.isSymbolicLink()) await visit(abs, path, true);
    else if (e.isDirectory()) await walk(abs, path, visit);
    else if (e.isFile()) await visit(abs, path, false);
  }
}

/** The folder `root` names now, following a symlink (an `ln -sfn` switch, a git-sync checkout); throws when it is none. */
async function resolveRoot(root: string): Promise<string> {
  try {
    const real = await realpath(root);
    const st = await lstat(real);
    if (!st.isDirectory())
      throw new ManifestServerError("source-not-dir", `${root} is not a folder`, {
        hint: "pass the folder that holds fleet.yaml, common/, groups/ and nodes/",
      });
    return real;
  } catch (e) {
    if (e instanceof ManifestServerError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new ManifestServerError(
      "source-unreadable",
      code === "ENOENT"
        ? `fleet folder ${root} does not exist`
        : `cannot read fleet folder ${root}: ${String(e)}`,
      {
        hint: "pass --dir PATH with the folder that holds fleet.yaml (the example fleet is manifests/)",
        cause: e,
      },
    );
  }
}

function unreadable(root: string, e: unknown): ManifestServerError {
  return e instanceof ManifestServerError
    ? e
    : new ManifestServerError("source-unreadable", `cannot read fleet folder ${root}: ${String(e)}`, {
        cause: e,
      });
}

/**
 * Reads every file under `root` (dot entries skipped); `root` itself may be a symlink to the folder (resolved once,
 * so a switch of the link during the read cannot mix two trees). Symlinks inside are recorded, not followed; files of
 * 10 MiB or more are listed without being read.
 */
export async function readFleetDir(root: string): Promise<FleetFile[]> {
  const real = await resolveRoot(root);
  const out: FleetFile[] = [];
  try {
    await walk(real, "", async (abs, path, link) => {
      if (link) {
        const target = await readlink(abs);
        out.push({ path, size: Buffer.byteLength(target), symlink: target });
        return;
      }
      const { size } = await lstat(abs);
      out.push(size >= KUBELET_MAX_BODY ? { path, size } : { path, size, content: await readFile(abs) });
    });
  } catch (e) {
    throw unreadable(root, e);
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** `lstat` of every entry under the folder `root` names: cheap to take, and different whenever a file changed. */
async function statTree(root: string): Promise<{ real: string; signature: string; newestMs: number }> {
  const real = await resolveRoot(root);
  const stats: Stat[] = [];
  await walk(real, "", async (abs, path, link) => {
    const st = await lstat(abs);
    stats.push({
      path,
      size: st.size,
      mtimeMs: st.mtimeMs,
      ino: st.ino,
      ...(link ? { link: await readlink(abs) } : {}),
    });
  });
  stats.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const h = createHash("sha256").update(real).update("\0");
  let newestMs = 0;
  for (const s of stats) {
    h.update(`${s.path}\0${s.size}\0${s.mtimeMs}\0${s.ino}\0${s.link ?? ""}\0`);
    newestMs = Math.max(newestMs, s.mtimeMs);
  }
  return { real, signature: h.digest("hex"), newestMs };
}

/** `sha256:<16 hex>` over every path, kind and byte, so the same tree always has the same revision. */
export function digestFleetFiles(files: readonly FleetFile[]): string {
  const h = createHash("sha256");
  for (const f of files) {
    h.update(f.path).update("\0");
    if (f.symlink !== undefined) h.update("l").update(f.symlink);
    else if (f.content !== undefined) h.update("f").update(f.content);
    else h.update("s").update(String(f.size));
    h.update("\0");
  }
  return `sha256:${h.digest("hex").slice(0, 16)}`;
}

/** Default quiet period: a writer that pauses for a few seconds in the middle of a file is not published. */
export const DEFAULT_QUIET_MS = 5000;

export interface DirSourceOptions {
  /**
   * How long the folder must stay unchanged (no event, no file modified more recently) before it is read and
   * published, in ms. Default DEFAULT_QUIET_MS.
   */
  quietMs?: number;
  /**
   * Fallback for lost file-system events: how often the folder's entries are stat-ed (never read) to notice a change,
   * in ms; 0 disables. Default 60 000.
   */
  pollMs?: number;
  /** Whether to react to file-system events. Default true. */
  events?: boolean;
  now?: () => number;
}

/**
 * A folder source. Snapshots read the whole tree; watching costs nothing while nothing changes: file-system events
 * (plus a rare stat-only check) start a quiet period, after which a stat of the tree decides whether to reload.
 * A `root` that is a symlink is resolved again on every change, so switching it atomically is one revision.
 */
export function createDirSource(root: string, options: DirSourceOptions = {}): FleetSource {
  const quietMs = options.quietMs ?? DEFAULT_QUIET_MS;
  const now = options.now ?? Date.now;
  // The stat signature of the tree the last snapshot read: an event that changed nothing reloads nothing.
  let seen: string | undefined;
  return {
    description: `dir:${root}`,
    async snapshot(): Promise<Snapshot> {
      const before = await statTree(root).catch((e: unknown) => {
        throw unreadable(root, e);
      });
      const files = await readFleetDir(root);
      seen = before.signature;
      return { revision: digestFleetFiles(files), files, meta: { source: "dir", path: root } };
    },
    watch(onChange: () => void): () => void {
      let stopped = false;
      let watchedReal: string | undefined;
      const targets = (real: string | undefined): WatchTarget[] => [
        ...(real === undefined ? [] : [{ dir: real, recursive: true }]),
        // The parent notices the root itself being replaced (a symlink switched, the folder renamed).
        { dir: dirname(root), accept: (name: string) => name === basename(root) },
      ];
      const check = async (): Promise<void> => {
        let tree;
        try {
          tree = await statTree(root);
        } catch {
          if (!stopped) onChange(); // the follower reports the unreadable source
          return;
        }
        if (stopped) return;
        if (tree.real !== watchedReal) {
          watchedReal = tree.real;
          if (options.events !== false) watcher.rewatch(targets(watchedReal));
        }
        if (tree.signature === seen) return;
        // A file modified within the quiet period (its event lost or still coming): wait for quiet first.
        const age = now() - tree.newestMs;
        if (age >= 0 && age < quietMs) {
          watcher.poke();
          return;
        }
        onChange();
      };
      const watcher = watchDebounced(
        options.events === false ? [] : targets(undefined),
        quietMs,
        () => void check(),
      );
      // The folder the root names at start; a later switch is noticed through the parent's events.
      void statTree(root)
        .then((tree) => {
          if (stopped) return;
          watchedReal = tree.real;
          if (options.events !== false) watcher.rewatch(targets(watchedReal));
          // One check once the watchers are in place: a change made before they were (a switch of the root right
          // after the first read) is not left to the periodic re-scan. It reads nothing when nothing changed.
          watcher.poke();
        })
        .catch(() => undefined);
      const pollMs = options.pollMs ?? 60_000;
      const timer = pollMs > 0 ? setInterval(() => void check(), pollMs) : undefined;
      timer?.unref();
      return () => {
        stopped = true;
        watcher.close();
        if (timer !== undefined) clearInterval(timer);
      };
    },
  };
}
