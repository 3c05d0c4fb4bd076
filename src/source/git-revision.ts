// Reads the fleet of one named revision (branch, tag, SHA) of a repository, for validate, render, explain and diff.
import { resolve } from "node:path";
import { ManifestServerError, UsageError } from "../lib/errors.js";
import { execCommand, type Exec } from "../lib/exec.js";
import { GitCache } from "./git-cache.js";
import { GitRepo, isRemoteUrl, normalizeSubdir } from "./git.js";
import type { Snapshot } from "./source.js";

export interface GitRevisionOptions {
  /** A local repository path, or a URL (fetched in full into the cache). Default: the repository around `cwd`. */
  repo?: string;
  rev: string;
  subdir: string;
  cwd: string;
  /** Git environment; keep GIT_OBJECT_DIRECTORY etc. so a pre-receive hook sees the pushed objects. */
  env: NodeJS.ProcessEnv;
  /** Needed for URLs only. */
  cacheDir?: string;
  exec?: Exec;
}

/** Opens the repository named by `repo` (a local path or URL); URLs are fetched (all branches and tags) first. */
export async function openRepository(
  options: Omit<GitRevisionOptions, "rev" | "subdir">,
): Promise<{ repo: GitRepo; name: string; remote: boolean }> {
  const exec = options.exec ?? execCommand;
  const given = options.repo;
  if (given !== undefined && isRemoteUrl(given)) {
    if (options.cacheDir === undefined)
      throw new UsageError(`a cache folder is needed to read ${given}`, "pass --cache-dir");
    const cache = new GitCache({
      url: given,
      cacheDir: options.cacheDir,
      env: options.env,
      exec,
      variant: "full",
    });
    await cache.withLock(async () => {
      if (!(await cache.isHealthy())) await cache.rebuild();
      await cache.repo.run([
        "fetch",
        "--quiet",
        "--prune",
        "--no-write-fetch-head",
        given,
        "+refs/heads/*:refs/remotes/origin/*",
        "+refs/tags/*:refs/tags/*",
      ]);
    });
    return { repo: cache.repo, name: given, remote: true };
  }
  const path = resolve(options.cwd, given ?? ".");
  let gitDir: string;
  try {
    const { stdout } = await exec("git", ["-C", path, "rev-parse", "--absolute-git-dir"], {
      env: options.env,
    });
    gitDir = stdout.toString("utf8").trim();
  } catch (e) {
    throw new ManifestServerError("git-not-a-repo", `${path} is not a git repository`, {
      hint:
        given === undefined
          ? "run inside the fleet's repository or pass --repo PATH|URL"
          : "pass --repo with a repository path or URL",
      cause: e,
    });
  }
  return { repo: new GitRepo(gitDir, { env: options.env, exec }), name: path, remote: false };
}

/** Resolves `rev` in `repo` (for fetched URLs, branch names also match `origin/<branch>`); throws naming the revision. */
export async function resolveRevision(
  repo: GitRepo,
  rev: string,
  name: string,
  remote: boolean,
): Promise<string> {
  const sha =
    (await repo.resolveCommit(rev)) ??
    (remote ? await repo.resolveCommit(`refs/remotes/origin/${rev}`) : undefined);
  if (sha === undefined)
    throw new ManifestServerError("git-unknown-revision", `"${rev}" is not a commit in ${name}`, {
      hint: "pass a branch, tag or commit SHA that exists there (for a remote, the branch must be pushed)",
    });
  return sha;
}

/** The snapshot of one revision: its commit SHA, the files under `subdir`, and commit facts in `meta`. */
export async function readGitRevision(options: GitRevisionOptions): Promise<Snapshot> {
  const subdir = normalizeSubdir(options.subdir);
  const { repo, name, remote } = await openRepository(options);
  return readCommit(repo, await resolveRevision(repo, options.rev, name, remote), subdir, name);
}

/** Reads `commit` of an open repository as a Snapshot. */
export async function readCommit(
  repo: GitRepo,
  commit: string,
  subdir: string,
  name: string,
): Promise<Snapshot> {
  const [info, files] = await Promise.all([repo.commitInfo(commit), repo.readFleetFiles(commit, subdir)]);
  return {
    revision: commit,
    files,
    meta: {
      source: "git",
      repo: name,
      subdir: subdir === "" ? "." : subdir,
      commit,
      subject: info.subject,
      author: info.author,
      committedAt: info.committedAt,
    },
  };
}
