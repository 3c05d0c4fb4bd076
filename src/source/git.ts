// Git plumbing over the real git CLI (argument arrays only): refs, commits and a fleet read from a commit's tree.
import { KUBELET_MAX_BODY, type FleetFile } from "../fleet/fleet-files.js";
import { ExecError, ManifestServerError, UsageError } from "../lib/errors.js";
import { execCommand, type Exec } from "../lib/exec.js";

/** The most blob bytes read by one `git cat-file --batch` (the rest in further batches). */
export const BLOB_BATCH_BYTES = 32 * 1024 * 1024;

/** Variables that would point git at another repository or object store than the one we name. */
const REPO_LOCATION_VARS = [
  "GIT_DIR",
  "GIT_WORK_TREE",
  "GIT_INDEX_FILE",
  "GIT_OBJECT_DIRECTORY",
  "GIT_ALTERNATE_OBJECT_DIRECTORIES",
  "GIT_QUARANTINE_PATH",
  "GIT_COMMON_DIR",
  "GIT_NAMESPACE",
];

/**
 * The environment for every git call: never prompt (GIT_TERMINAL_PROMPT=0, ssh in batch mode unless the
 * operator configured ssh themselves). `isolate` drops variables that redirect git to another repository,
 * which a server must ignore; a pre-receive hook keeps them because the pushed objects live in quarantine.
 */
export function gitEnv(base: NodeJS.ProcessEnv, isolate: boolean): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, GIT_TERMINAL_PROMPT: "0", GCM_INTERACTIVE: "never" };
  if (env.GIT_SSH_COMMAND === undefined && env.GIT_SSH === undefined)
    env.GIT_SSH_COMMAND = "ssh -o BatchMode=yes";
  if (isolate) for (const v of REPO_LOCATION_VARS) delete env[v];
  return env;
}

export interface GitOptions {
  exec?: Exec;
  env: NodeJS.ProcessEnv;
  /** Per-command time limit in ms. Default 120 000. */
  timeoutMs?: number;
}

/** Facts about one commit, shown in /status and logs. */
export interface CommitInfo {
  commit: string;
  subject: string;
  author: string;
  committedAt: string;
}

/** One blob entry of `git ls-tree -r --long`. */
export interface TreeEntry {
  mode: string;
  type: string;
  oid: string;
  size: number;
  path: string;
}

/** A git repository addressed by its git dir (bare or not); every call passes `--git-dir` explicitly. */
export class GitRepo {
  private readonly exec: Exec;
  constructor(
    readonly gitDir: string,
    private readonly options: GitOptions,
  ) {
    this.exec = options.exec ?? execCommand;
  }

  /** Runs `git --git-dir=<dir> args...`; rejects with an ExecError. `maxBuffer`: the most stdout bytes expected. */
  async run(args: readonly string[], input?: string, maxBuffer?: number): Promise<Buffer> {
    const { stdout } = await this.exec("git", [`--git-dir=${this.gitDir}`, ...args], {
      env: this.options.env,
      timeoutMs: this.options.timeoutMs ?? 120_000,
      ...(input === undefined ? {} : { input }),
      ...(maxBuffer === undefined ? {} : { maxBuffer }),
    });
    return stdout;
  }

  /**
   * True only when the repository provably lost data for `commit`: its tree is unreadable, or `git fsck` finds
   * objects reachable from it missing or corrupt. Any other failure (a timeout, an output too large) is not corruption.
   */
  async isCorrupt(commit: string): Promise<boolean> {
    try {
      await this.run(["cat-file", "-e", `${commit}^{tree}`]);
    } catch {
      return true;
    }
    try {
      await this.run(["fsck", "--connectivity-only", "--no-dangling", "--no-progress", commit]);
      return false;
    } catch (e) {
      return e instanceof ExecError && e.exitCode !== null;
    }
  }

  /** The full SHA of `rev` as a commit, or undefined when it names no commit here. */
  async resolveCommit(rev: string): Promise<string | undefined> {
    if (rev.startsWith("-")) return undefined;
    try {
      const out = await this.run(["rev-parse", "--verify", "--quiet", "--end-of-options", `${rev}^{commit}`]);
      const sha = out.toString("utf8").trim();
      return /^[0-9a-f]{40,64}$/.test(sha) ? sha : undefined;
    } catch {
      return undefined;
    }
  }

  /** Subject, author and commit time of `commit`. */
  async commitInfo(commit: string): Promise<CommitInfo> {
    const out = await this.run([
      "log",
      "-1",
      "--no-walk",
      "--format=%H%x00%s%x00%an <%ae>%x00%cI",
      commit,
      "--",
    ]);
    const [sha = commit, subject = "", author = "", committedAt = ""] = out
      .toString("utf8")
      .replace(/\n$/, "")
      .split("\0");
    return { commit: sha, subject, author, committedAt };
  }

  /** Every blob and symlink under `subdir` ("" = the whole tree) of `commit`, paths as stored in git. */
  async listTree(commit: string, subdir: string): Promise<TreeEntry[]> {
    const args = ["ls-tree", "-r", "-z", "--long", "--full-tree", commit];
    if (subdir !== "") args.push("--", subdir);
    const out = (await this.run(args)).toString("utf8");
    const entries: TreeEntry[] = [];
    for (const record of out.split("\0")) {
      if (record === "") continue;
      const tab = record.indexOf("\t");
      const m = /^(\d+) (\w+) ([0-9a-f]+) +(-|\d+)$/.exec(record.slice(0, tab));
      if (tab < 0 || m === null)
        throw new ManifestServerError("git-output", `unexpected git ls-tree line: ${record}`);
      const [, mode = "", type = "", oid = "", size = "-"] = m;
      entries.push({ mode, type, oid, size: size === "-" ? 0 : Number(size), path: record.slice(tab + 1) });
    }
    return entries;
  }

  /**
   * Reads blobs (with their sizes from ls-tree) through `git cat-file --batch`, in batches of at most BLOB_BATCH_BYTES,
   * so a tree of any total size never overflows one command's output buffer. Throws when any is missing.
   */
  async readBlobs(wanted: ReadonlyArray<{ oid: string; size: number }>): Promise<Map<string, Buffer>> {
    const sizes = new Map(wanted.map((w) => [w.oid, w.size]));
    const blobs = new Map<string, Buffer>();
    let batch: string[] = [];
    let bytes = 0;
    for (const [oid, size] of sizes) {
      if (batch.length > 0 && bytes + size > BLOB_BATCH_BYTES) {
        await this.readBatch(batch, bytes, blobs);
        batch = [];
        bytes = 0;
      }
      batch.push(oid);
      bytes += size;
    }
    if (batch.length > 0) await this.readBatch(batch, bytes, blobs);
    return blobs;
  }

  private async readBatch(
    unique: readonly string[],
    bytes: number,
    blobs: Map<string, Buffer>,
  ): Promise<void> {
    // Each object adds a header line (`<oid> blob <size>`) and a newline to its bytes.
    const out = await this.run(
      ["cat-file", "--batch"],
      unique.map((o) => `${o}\n`).join(""),
      bytes + unique.length * 100 + 4096,
    );
    let pos = 0;
    for (const oid of unique) {
      const nl = out.indexOf(10, pos);
      const header = out.subarray(pos, nl < 0 ? out.length : nl).toString("utf8");
      const m = /^([0-9a-f]+) (\w+) (\d+)$/.exec(header);
      if (nl < 0 || m === null)
        throw new ManifestServerError(
          "git-object-missing",
          `object ${oid} cannot be read: ${header || "no output"}`,
        );
      const size = Number(m[3]);
      blobs.set(oid, out.subarray(nl + 1, nl + 1 + size));
      pos = nl + 1 + size + 1;
    }
  }

  /**
   * The fleet under `subdir` of `commit` as FleetFiles relative to that folder: symlinks (mode 120000) carry
   * their target, files of 10 MiB or more are listed without being read, submodules are skipped.
   */
  async readFleetFiles(commit: string, subdir: string): Promise<FleetFile[]> {
    const prefix = subdir === "" ? "" : `${subdir}/`;
    const entries = (await this.listTree(commit, subdir)).filter(
      (e) => e.type === "blob" && e.path.startsWith(prefix),
    );
    const wanted = entries.filter((e) => e.mode === "120000" || e.size < KUBELET_MAX_BODY);
    const blobs = await this.readBlobs(wanted);
    const files: FleetFile[] = entries.map((e) => {
      const path = e.path.slice(prefix.length);
      const content = blobs.get(e.oid);
      if (e.mode === "120000") {
        const target = content?.toString("utf8") ?? "";
        return { path, size: Buffer.byteLength(target), symlink: target };
      }
      return content === undefined ? { path, size: e.size } : { path, size: e.size, content };
    });
    return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
}

/** Normalises `--subdir`: "" and "." mean the repository root; no leading/trailing slashes, no "..". */
export function normalizeSubdir(subdir: string): string {
  const trimmed = subdir
    .trim()
    .replace(/^\.?\/+/, "")
    .replace(/\/+$/, "");
  if (trimmed === "" || trimmed === ".") return "";
  if (trimmed.split("/").some((p) => p === ".." || p === "." || p === ""))
    throw new UsageError(
      `--subdir ${JSON.stringify(subdir)} must be a plain folder path inside the repository`,
      'for example --subdir manifests, or --subdir "" for the repository root',
    );
  return trimmed;
}

/** True when `repo` looks like a URL (`scheme://…` or scp-like `user@host:path`) rather than a local path. */
export function isRemoteUrl(repo: string): boolean {
  return /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(repo) || /^[^/\s]+@[^/\s:]+:/.test(repo);
}
