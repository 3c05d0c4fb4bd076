// Test helpers: a bare "remote" and a work clone that commits and really pushes, independent of global git config.
import { execFile } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { copyExampleWithoutRollout, tempDir, type TempDir } from "./fleet.js";

const run = promisify(execFile);

/** Git identity and config isolation for every git call a test makes (and for servers it starts). */
export const GIT_TEST_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: "Ada Operator",
  GIT_AUTHOR_EMAIL: "ada@example.test",
  GIT_COMMITTER_NAME: "Ada Operator",
  GIT_COMMITTER_EMAIL: "ada@example.test",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_TERMINAL_PROMPT: "0",
};

/** Runs git with the test environment; resolves with trimmed stdout. */
export async function git(
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = GIT_TEST_ENV,
): Promise<string> {
  const { stdout } = await run("git", ["-c", "init.defaultBranch=main", ...args], {
    cwd,
    env,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout.trim();
}

export interface GitFixture {
  /** Temp folder holding everything below. */
  root: TempDir;
  /** The bare repository the server follows. */
  remote: string;
  /** A clone with the example fleet under manifests/. */
  work: string;
  /** A cache folder for servers under test. */
  cacheDir: string;
  /** Writes (string) or deletes (null) files relative to the work clone. */
  write(files: Record<string, string | null>): Promise<void>;
  /** Commits everything in the work clone; resolves with the new commit SHA. */
  commit(message: string): Promise<string>;
  /** Pushes main (with --force when asked). */
  push(force?: boolean): Promise<void>;
  /** write + commit + push in one go. */
  change(files: Record<string, string | null>, message: string): Promise<string>;
  remove(): Promise<void>;
}

/** A bare remote whose main holds the example fleet under manifests/ (one commit, pushed). */
export async function createGitFixture(): Promise<GitFixture> {
  const root = await tempDir("ms-git-");
  const remote = join(root.path, "remote.git");
  const work = join(root.path, "work");
  const cacheDir = join(root.path, "cache");
  await git(["init", "--bare", "--quiet", remote], root.path);
  await git(["init", "--quiet", work], root.path);
  await copyExampleWithoutRollout(join(work, "manifests"));
  await git(["remote", "add", "origin", remote], work);
  const fixture: GitFixture = {
    root,
    remote,
    work,
    cacheDir,
    async write(files) {
      for (const [path, text] of Object.entries(files)) {
        const abs = join(work, path);
        if (text === null) await rm(abs, { force: true });
        else {
          await mkdir(dirname(abs), { recursive: true });
          await writeFile(abs, text);
        }
      }
    },
    async commit(message) {
      await git(["add", "-A"], work);
      await git(["commit", "--quiet", "--allow-empty", "-m", message], work);
      return git(["rev-parse", "HEAD"], work);
    },
    async push(force = false) {
      await git(["push", "--quiet", ...(force ? ["--force"] : []), "origin", "HEAD:refs/heads/main"], work);
    },
    async change(files, message) {
      await fixture.write(files);
      const sha = await fixture.commit(message);
      await fixture.push();
      return sha;
    },
    remove: () => root.remove(),
  };
  await fixture.commit("Initial fleet");
  await fixture.push();
  return fixture;
}

/** Polls `check` every 20 ms until it returns a value other than undefined, failing after `ms`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  what: string,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
