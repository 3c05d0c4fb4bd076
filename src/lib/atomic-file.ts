// Crash-safe file writes: a synced temp file renamed into place, then the folder synced.
import { randomBytes } from "node:crypto";
import { open, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";

const TEMP_NAME = /^[0-9a-f]{12}\.tmp$/;
/** The prefix of writeFileAtomic's temp files: dot-files, which readers such as the kubelet skip. */
export const ATOMIC_TEMP_PREFIX = ".";

/**
 * Content to write: a string, or pieces produced one at a time (each written before the next is asked for, so a
 * large file is never one string and its producer does not block the event loop for long).
 */
export type FileData = string | Iterable<string>;

/** Writes `data` to a new file `<dir>/<prefix><random>.tmp`, fsynced; returns its path. */
export async function writeTempFile(
  dir: string,
  prefix: string,
  data: FileData,
  mode = 0o600,
): Promise<string> {
  const temp = join(dir, `${prefix}${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temp, "wx", mode);
  try {
    if (typeof data === "string") await handle.writeFile(data);
    else
      for (const piece of data) {
        const bytes = Buffer.from(piece, "utf8");
        for (let at = 0; at < bytes.length;) at += (await handle.write(bytes, at)).bytesWritten;
      }
    await handle.sync();
  } catch (cause) {
    await handle.close();
    await rm(temp, { force: true });
    throw cause;
  }
  await handle.close();
  return temp;
}

/** fsyncs a directory so a rename in it survives a crash; file systems that refuse are ignored. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on directories; the rename is still atomic.
  } finally {
    await handle.close();
  }
}

/**
 * Writes a file atomically: a temp file (a dot-file) in `dir`, fsync, rename over `path`, fsync the directory.
 * Readers see the old or the new content, never a mix.
 */
export async function writeFileAtomic(path: string, dir: string, data: FileData): Promise<void> {
  const temp = await writeTempFile(dir, ATOMIC_TEMP_PREFIX, data);
  try {
    await rename(temp, path);
  } catch (cause) {
    await rm(temp, { force: true });
    throw cause;
  }
  await syncDir(dir);
}

/**
 * Removes the temp files `writeTempFile(dir, prefix, …)` left behind when the process died between writing
 * and renaming (`kill -9`, power loss); call it at start, before any write of this process. Returns the
 * names removed; a missing `dir` removes nothing. Other files, and temp files of other prefixes, are kept.
 */
export async function sweepTempFiles(dir: string, prefix: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw cause;
  }
  const stale = entries.filter(
    (e) => e.isFile() && e.name.startsWith(prefix) && TEMP_NAME.test(e.name.slice(prefix.length)),
  );
  for (const entry of stale) await rm(join(dir, entry.name), { force: true });
  return stale.map((e) => e.name);
}
