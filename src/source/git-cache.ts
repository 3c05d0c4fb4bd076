// The local cache of a remote repository: a bare, shallow clone per URL, guarded by a lock file, rebuilt when corrupt.
import { createHash, randomBytes } from "node:crypto";
import { link, mkdir, readFile, rm, stat, unlink, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { ExecError, ManifestServerError } from "../lib/errors.js";
import type { Exec } from "../lib/exec.js";
import { isAlive } from "../lib/pid.js";
import { GitRepo } from "./git.js";

/** `$XDG_CACHE_HOME/manifest-server`, else `~/.cache/manifest-server`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_CACHE_HOME;
  return join(
    xdg !== undefined && xdg !== "" ? xdg : join(env.HOME ?? homedir(), ".cache"),
    "manifest-server",
  );
}

/** The cache subfolder of one repository URL: a readable name plus a hash of the whole URL. */
export function cacheKey(url: string): string {
  const name = (url.replace(/\/+$/, "").split(/[/:]/).pop() ?? "repo").replace(/\.git$/, "");
  const safe = name.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 40) || "repo";
  return `${safe}-${createHash("sha256").update(url).digest("hex").slice(0, 16)}`;
}

export interface GitCacheOptions {
  /** The remote: a URL or an absolute path. */
  url: string;
  /** Folder holding one subfolder per repository. */
  cacheDir: string;
  env: NodeJS.ProcessEnv;
  exec?: Exec;
  /** Longest wait for another process's lock before failing, in ms. Default 120 000. */
  lockTimeoutMs?: number;
  /** A lock older than this is taken over, in ms. Default 600 000. */
  staleLockMs?: number;
  /** Distinguishes caches of the same URL kept differently (the server's shallow one, a full one for diff). */
  variant?: string;
  /** Waits between lock checks; injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
}

const CORRUPTION =
  /not a git repository|corrupt|bad object|missing (blob|tree|commit|object)|unable to read|did not send all necessary objects|fatal: bad revision|invalid (sha1|object)|loose object|index-pack failed|shallow file has changed/i;

/** True when a git failure means the local repository is damaged rather than the remote unreachable. */
export function looksCorrupt(e: unknown): boolean {
  return (
    e instanceof ExecError &&
    CORRUPTION.test(e.stderr) &&
    !/does not appear to be a git repository/i.test(e.stderr)
  );
}

/** A bare repository under `<cacheDir>/<key>/repo.git` shared safely by processes through `<key>/lock`. */
export class GitCache {
  readonly folder: string;
  readonly repo: GitRepo;
  private readonly lockPath: string;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: GitCacheOptions) {
    const key = cacheKey(options.url);
    this.folder = join(options.cacheDir, options.variant === undefined ? key : `${key}-${options.variant}`);
    this.lockPath = join(this.folder, "lock");
    this.repo = new GitRepo(join(this.folder, "repo.git"), {
      env: options.env,
      ...(options.exec === undefined ? {} : { exec: options.exec }),
    });
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Runs `fn` holding the lock file; waits while another live process holds it, takes over stale locks. */
  async withLock<T>(fn: () => Promise<T>): Promise<T> {
    await mkdir(this.folder, { recursive: true });
    const token = `${process.pid} ${randomBytes(8).toString("hex")}\n`;
    const deadline = Date.now() + (this.options.lockTimeoutMs ?? 120_000);
    // The lock appears with its owner already written in it (a hard link of a finished file), so a process killed
    // while taking it never leaves an empty lock that nobody can prove stale.
    const pending = `${this.lockPath}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    await writeFile(pending, token);
    try {
      for (;;) {
        try {
          await link(pending, this.lockPath);
          break;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        }
        if (await this.lockIsStale()) {
          await unlink(this.lockPath).catch(() => undefined);
          continue;
        }
        if (Date.now() > deadline)
          throw new ManifestServerError(
            "git-cache-locked",
            `the git cache ${this.folder} is locked by another process`,
            {
              hint: `another manifest-server uses the same --cache-dir; if none runs, delete ${this.lockPath}`,
            },
          );
        await this.sleep(50);
      }
    } finally {
      await unlink(pending).catch(() => undefined);
    }
    try {
      return await fn();
    } finally {
      const held = await readFile(this.lockPath, "utf8").catch(() => "");
      if (held === token) await unlink(this.lockPath).catch(() => undefined);
    }
  }

  private async lockIsStale(): Promise<boolean> {
    try {
      const [text, st] = await Promise.all([readFile(this.lockPath, "utf8"), stat(this.lockPath)]);
      // A lock is created with its owner inside (see withLock): an empty one was left by an older, killed process.
      if (text === "") return true;
      const pid = Number(text.split(" ")[0]);
      if (Number.isInteger(pid) && pid > 0 && !isAlive(pid)) return true;
      return Date.now() - st.mtimeMs > (this.options.staleLockMs ?? 600_000);
    } catch {
      return false; // gone already, or being written: try again
    }
  }

  /** True when the cache holds a usable bare repository. */
  async isHealthy(): Promise<boolean> {
    try {
      const out = await this.repo.run(["rev-parse", "--is-bare-repository"]);
      return out.toString("utf8").trim() === "true";
    } catch {
      return false;
    }
  }

  /** True when `git fsck` finds objects reachable from the cache's refs missing or corrupt. */
  async damaged(): Promise<boolean> {
    try {
      await this.repo.run(["fsck", "--connectivity-only", "--no-dangling", "--no-progress"]);
      return false;
    } catch (e) {
      return e instanceof ExecError && e.exitCode !== null;
    }
  }

  /** Deletes and re-creates the bare repository (call with the lock held). */
  async rebuild(): Promise<void> {
    await rm(this.repo.gitDir, { recursive: true, force: true });
    await mkdir(this.folder, { recursive: true });
    await this.repo.run(["init", "--bare", "--quiet", this.repo.gitDir]);
  }

  /**
   * Fetches `remoteRef` (force, shallow) into `localRef` and returns the fetched commit. A corrupt cache is
   * rebuilt and fetched again; throws the git error when the remote cannot be reached.
   */
  async fetch(remoteRef: string, localRef: string): Promise<string> {
    return this.withLock(async () => {
      if (!(await this.isHealthy())) await this.rebuild();
      const args = [
        "fetch",
        "--quiet",
        "--no-tags",
        "--no-write-fetch-head",
        "--depth=1",
        this.options.url,
        `+${remoteRef}:${localRef}`,
      ];
      try {
        await this.repo.run(args);
      } catch (e) {
        // A bad pack from the remote also reads like corruption: rebuild (losing the last served commit) only when
        // git fsck confirms the local repository itself is damaged.
        if (!looksCorrupt(e) || !(await this.damaged())) throw e;
        await this.rebuild();
        await this.repo.run(args);
      }
      const sha = await this.repo.resolveCommit(localRef);
      if (sha === undefined)
        throw new ManifestServerError(
          "git-fetch",
          `fetched ${remoteRef} from ${this.options.url} but ${localRef} names no commit`,
        );
      return sha;
    });
  }

  /** Points `ref` at `commit` (for example the last published commit), with the lock held. */
  async setRef(ref: string, commit: string): Promise<void> {
    await this.withLock(() => this.repo.run(["update-ref", ref, commit]));
  }

  /** Removes the cache's repository, so the next fetch starts afresh (used when reading it failed). */
  async discard(): Promise<void> {
    await this.withLock(() => rm(this.repo.gitDir, { recursive: true, force: true }));
  }
}
