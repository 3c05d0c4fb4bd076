// A fleet read from a folder on disk, watched for edits; its revision is a digest of the files' paths and bytes.
import { createHash } from "node:crypto";
import { watch as fsWatch, type FSWatcher } from "node:fs";
import { lstat, readdir, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";
import { KUBELET_MAX_BODY, type FleetFile } from "../fleet/fleet-files.js";
import { ManifestServerError } from "../lib/errors.js";
import type { FleetSource, Snapshot } from "./source.js";

/** Reads every file under `root` (dot entries skipped); symlinks are recorded, not followed; huge files are not read. */
export async function readFleetDir(root: string): Promise<FleetFile[]> {
  const out: FleetFile[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const e of entries) {
      if (e.name.startsWith(".")) continue;
      const abs = join(dir, e.name);
      const path = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isSymbolicLink()) {
        const target = await readlink(abs);
        out.push({ path, size: Buffer.byteLength(target), symlink: target });
      } else if (e.isDirectory()) await walk(abs, path);
      else if (e.isFile()) {
        const { size } = await lstat(abs);
        out.push(size >= KUBELET_MAX_BODY ? { path, size } : { path, size, content: await readFile(abs) });
      }
    }
  };
  try {
    const st = await lstat(root);
    if (!st.isDirectory())
      throw new ManifestServerError("source-not-dir", `${root} is not a folder`, {
        hint: "pass the folder that holds fleet.yaml, common/, groups/ and nodes/",
      });
    await walk(root, "");
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
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
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

export interface DirSourceOptions {
  /** How often to re-scan as a fallback to file-system events, in ms (0 disables). Default 2000. */
  pollMs?: number;
  /** Quiet time after the last file-system event before re-reading, in ms. Default 250. */
  debounceMs?: number;
  /** Whether to react to file-system events. Default true. */
  events?: boolean;
}

/** A folder source: snapshots read the whole tree; watch uses recursive fs events plus a periodic re-scan. */
export function createDirSource(root: string, options: DirSourceOptions = {}): FleetSource {
  return {
    description: `dir:${root}`,
    async snapshot(): Promise<Snapshot> {
      const files = await readFleetDir(root);
      return { revision: digestFleetFiles(files), files, meta: { source: "dir", path: root } };
    },
    watch(onChange: () => void): () => void {
      let watcher: FSWatcher | undefined;
      // Editors write several files (and temp files) per save: wait for a quiet moment before re-reading.
      let debounce: NodeJS.Timeout | undefined;
      const changed = (): void => {
        if (debounce !== undefined) clearTimeout(debounce);
        debounce = setTimeout(onChange, options.debounceMs ?? 250);
        debounce.unref();
      };
      if (options.events !== false)
        try {
          watcher = fsWatch(root, { recursive: true }, changed);
          watcher.on("error", () => undefined);
        } catch {
          watcher = undefined; // the periodic re-scan still notices edits
        }
      const pollMs = options.pollMs ?? 2000;
      const timer = pollMs > 0 ? setInterval(onChange, pollMs) : undefined;
      timer?.unref();
      return () => {
        watcher?.close();
        if (debounce !== undefined) clearTimeout(debounce);
        if (timer !== undefined) clearInterval(timer);
      };
    },
  };
}
