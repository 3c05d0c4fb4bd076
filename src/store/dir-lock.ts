// One process at a time per state folder: a lock file naming its owner, taken over when that process is gone.
import { randomBytes } from "node:crypto";
import { link, readFile, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ManifestServerError } from "../lib/errors.js";
import { isAlive } from "../lib/pid.js";

/** Locks held by this process, so a lock naming our own pid is ours only when we took it (pid 1 in containers). */
const held = new Set<string>();

export interface DirLock {
  release(): Promise<void>;
}

/**
 * Takes `<dir>/lock`. A lock left by a process that no longer runs is taken over. Throws ManifestServerError
 * `state-dir-locked` when a running process holds it.
 */
export async function lockDir(dir: string): Promise<DirLock> {
  const path = join(dir, "lock");
  const token = `${process.pid} ${randomBytes(8).toString("hex")}\n`;
  // The lock appears with its owner already in it (a hard link of a finished file): never an empty lock.
  const pending = join(dir, `.lock.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  await writeFile(pending, token);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(pending, path);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      const owner = Number((await readFile(path, "utf8").catch(() => "")).split(" ")[0]);
      const stale =
        !Number.isInteger(owner) ||
        owner <= 0 ||
        !isAlive(owner) ||
        (owner === process.pid && !held.has(path));
      if (!stale || attempt > 2)
        throw new ManifestServerError(
          "state-dir-locked",
          `the state folder ${dir} is in use by process ${owner}`,
          {
            hint: "each manifest-server needs its own --state-dir (or --no-state-dir: memory only); several replicas share state through --store postgres://…",
          },
        );
      await unlink(path).catch(() => undefined);
    }
  } finally {
    await unlink(pending).catch(() => undefined);
  }
  held.add(path);
  return {
    async release() {
      held.delete(path);
      const text = await readFile(path, "utf8").catch(() => "");
      if (text === token) await unlink(path).catch(() => undefined);
    },
  };
}
