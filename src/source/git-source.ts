// A fleet followed from a git branch: fetched into a local bare cache, read from the commit's tree, never a working copy.
import { isAbsolute, resolve } from "node:path";
import { ManifestServerError, UsageError, messageOf } from "../lib/errors.js";
import { SingleFlight } from "../lib/single-flight.js";
import type { Exec } from "../lib/exec.js";
import { GitCache } from "./git-cache.js";
import { isRemoteUrl, normalizeSubdir, type CommitInfo } from "./git.js";
import type { FleetSource, Snapshot } from "./source.js";

export interface GitSourceOptions {
  /** A URL (https, ssh, scp-like, file) or a path to a repository on this host. */
  repo: string;
  /** Branch to follow. Default "main". A full `refs/...` name is used as is. */
  ref?: string;
  /** Folder of the fleet inside the repository; "" or "." is the root. Default "manifests". */
  subdir?: string;
  /** Fetch interval in ms; 0 disables polling. Default 30 000. */
  pollMs?: number;
  /** Folder for cached clones, one subfolder per repository URL. */
  cacheDir: string;
  /** Resolves a relative path given as `repo`. */
  cwd: string;
  /** Environment for git (already made prompt-free, see gitEnv). */
  env: NodeJS.ProcessEnv;
  exec?: Exec;
  now?: () => Date;
}

/** What one git fetch did. `changed` is relative to the commit the last snapshot returned. */
export type GitFetchResult =
  | { ok: true; at: Date; commit: string; changed: boolean; durationMs: number }
  | { ok: false; at: Date; message: string; durationMs: number };

/** A git-backed FleetSource with explicit git fetches (for webhooks) and notifications of each (for /status). */
export interface GitFleetSource extends FleetSource {
  readonly repo: string;
  readonly ref: string;
  readonly subdir: string;
  /** Git fetches the branch now. Calls made while one runs share one follow-up git fetch. Never throws. */
  gitFetch(): Promise<GitFetchResult>;
  /** Subscribes to every git fetch result. */
  onGitFetch(listener: (result: GitFetchResult) => void): void;
  /** Remembers `commit` as the last one served, so a restart with the remote gone serves it again. */
  markGood(commit: string): Promise<void>;
  /**
   * The snapshot of one given commit (another replica announced it), fetched from the remote by its SHA when the
   * cache lacks it. Throws when it cannot be fetched or read.
   */
  readCommit(commit: string): Promise<Snapshot>;
}

function refNames(ref: string): { remote: string; fetched: string; good: string } {
  const short = ref.startsWith("refs/") ? ref.replace(/^refs\/(heads\/)?/, "") : ref;
  return {
    remote: ref.startsWith("refs/") ? ref : `refs/heads/${ref}`,
    fetched: `refs/manifest-server/fetched/${short}`,
    good: `refs/manifest-server/good/${short}`,
  };
}

function checkRef(ref: string): void {
  if (ref === "" || ref.startsWith("-") || /[\s~^:?*[\\]|\.\.|@\{|\/\/|\.lock$|\/$/.test(ref))
    throw new UsageError(
      `--ref ${JSON.stringify(ref)} is not a valid branch name`,
      "pass a branch name such as main",
    );
}

/** Creates the source; nothing touches git or the disk until the first snapshot or fetch. */
export function createGitSource(options: GitSourceOptions): GitFleetSource {
  const ref = options.ref ?? "main";
  checkRef(ref);
  if (options.repo.startsWith("-"))
    throw new UsageError(`--repo ${JSON.stringify(options.repo)} is not a repository`);
  const subdir = normalizeSubdir(options.subdir ?? "manifests");
  const url =
    isRemoteUrl(options.repo) || isAbsolute(options.repo) ? options.repo : resolve(options.cwd, options.repo);
  const refs = refNames(ref);
  const now = options.now ?? (() => new Date());
  const cache = new GitCache({
    url,
    cacheDir: options.cacheDir,
    env: options.env,
    ...(options.exec === undefined ? {} : { exec: options.exec }),
  });
  const listeners: Array<(r: GitFetchResult) => void> = [];

  let initialised = false;
  let current: string | undefined;
  let lastFetchError: string | undefined;
  let snapshotted: Snapshot | undefined;

  const fetchOnce = async (): Promise<GitFetchResult> => {
    const at = now();
    const started = Date.now();
    let result: GitFetchResult;
    try {
      const commit = await cache.fetch(refs.remote, refs.fetched);
      current = commit;
      lastFetchError = undefined;
      result = {
        ok: true,
        at,
        commit,
        changed: commit !== snapshotted?.revision,
        durationMs: Date.now() - started,
      };
    } catch (e) {
      lastFetchError = `cannot fetch ${refs.remote} from ${url}: ${messageOf(e)}`;
      result = { ok: false, at, message: lastFetchError, durationMs: Date.now() - started };
    }
    for (const l of listeners) l(result);
    return result;
  };

  // Calls made while a fetch runs share one follow-up fetch.
  const flight = new SingleFlight(fetchOnce);
  const gitFetch = (): Promise<GitFetchResult> => flight.run();

  const initialise = async (): Promise<void> => {
    initialised = true;
    const first = await gitFetch();
    if (first.ok || !(await cache.isHealthy())) return;
    // The remote is unreachable at start: serve what the cache kept, preferring the last commit served.
    current = (await cache.repo.resolveCommit(refs.good)) ?? (await cache.repo.resolveCommit(refs.fetched));
  };

  const read = async (commit: string): Promise<Snapshot> => {
    let info: CommitInfo;
    let files;
    try {
      [info, files] = await Promise.all([
        cache.repo.commitInfo(commit),
        cache.repo.readFleetFiles(commit, subdir),
      ]);
    } catch (e) {
      // Only verified corruption discards the cache (and with it the last served commit): any other failure is
      // reported and retried, the cache kept.
      if (!(await cache.repo.isCorrupt(commit).catch(() => false)))
        throw new ManifestServerError(
          "git-read",
          `cannot read commit ${commit} from the git cache ${cache.folder}: ${messageOf(e)}`,
          { hint: "the cache is intact (git fsck); reading is retried on the next change", cause: e },
        );
      // The cache lost objects: start it afresh on the next fetch instead of failing forever.
      await cache.discard().catch(() => undefined);
      current = undefined;
      snapshotted = undefined; // the next successful fetch then counts as a change and is read again
      throw new ManifestServerError(
        "git-cache-corrupt",
        `cannot read commit ${commit} from the git cache ${cache.folder}: ${messageOf(e)}`,
        {
          hint: "git fsck found the cache damaged: it was discarded and is fetched again on the next poll or webhook",
          cause: e,
        },
      );
    }
    return {
      revision: commit,
      files,
      meta: {
        source: "git",
        repo: url,
        ref,
        subdir: subdir === "" ? "." : subdir,
        commit,
        subject: info.subject,
        author: info.author,
        committedAt: info.committedAt,
      },
    };
  };

  return {
    description: `git:${url}#${ref}${subdir === "" ? "" : `:${subdir}`}`,
    repo: url,
    ref,
    subdir,
    gitFetch,
    onGitFetch(listener) {
      listeners.push(listener);
    },
    async markGood(commit) {
      await cache.setRef(refs.good, commit);
    },
    async lastServed() {
      if (!(await cache.isHealthy())) return undefined;
      const good = await cache.repo.resolveCommit(refs.good);
      return good === undefined ? undefined : read(good);
    },
    async readCommit(commit) {
      if (!/^[0-9a-f]{40,64}$/.test(commit)) throw new UsageError(`${commit} is not a commit SHA`);
      // By SHA where the host allows it (protocol v2 hosts do), else the branch: the commit is usually its head.
      if ((await cache.repo.resolveCommit(commit)) === undefined)
        await cache
          .fetch(commit, "refs/manifest-server/announced")
          .catch(() => cache.fetch(refs.remote, "refs/manifest-server/announced"));
      if ((await cache.repo.resolveCommit(commit)) === undefined)
        throw new ManifestServerError("git-fetch", `commit ${commit} cannot be fetched from ${url}`);
      return snapshotted?.revision === commit ? snapshotted : read(commit);
    },
    async snapshot() {
      if (!initialised) await initialise();
      const commit = current;
      if (commit === undefined)
        throw new ManifestServerError(
          "git-unavailable",
          lastFetchError ?? `nothing fetched yet from ${url}`,
          {
            hint: "git must reach the repository without prompting: use an SSH key or a credential helper; fetching is retried on every poll",
          },
        );
      if (snapshotted?.revision !== commit) snapshotted = await read(commit);
      return snapshotted;
    },
    watch(onChange) {
      const pollMs = options.pollMs ?? 30_000;
      let timer: NodeJS.Timeout | undefined;
      let stopped = false;
      let inflight: Promise<void> | undefined;
      const tick = async (): Promise<void> => {
        const r = await gitFetch();
        if (stopped) return;
        if (r.ok && r.commit !== snapshotted?.revision) onChange();
        schedule();
      };
      const schedule = (): void => {
        if (stopped || pollMs <= 0) return;
        timer = setTimeout(() => {
          inflight = tick()
            .catch(() => undefined) // gitFetch() reports failures through onGitFetch; never an unhandled rejection
            .finally(() => {
              inflight = undefined;
            });
        }, pollMs);
        timer.unref();
      };
      schedule();
      return async () => {
        stopped = true;
        if (timer !== undefined) clearTimeout(timer);
        // A fetch in progress still writes to the cache: let it finish before saying "stopped".
        await inflight;
      };
    },
  };
}
