import assert from "node:assert/strict";
import { access, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { KUBELET_MAX_BODY } from "../../src/fleet/fleet-files.js";
import { readFleetDir } from "../../src/source/dir-source.js";
import { cacheKey, GitCache } from "../../src/source/git-cache.js";
import { createGitSource, type GitSourceOptions } from "../../src/source/git-source.js";
import { gitEnv, GitRepo, isRemoteUrl, normalizeSubdir } from "../../src/source/git.js";
import { createGitFixture, git, GIT_TEST_ENV, type GitFixture } from "../helpers/git.js";

const env = gitEnv(GIT_TEST_ENV, true);

function source(fx: GitFixture, extra: Partial<GitSourceOptions> = {}) {
  return createGitSource({
    repo: fx.remote,
    cacheDir: fx.cacheDir,
    cwd: fx.root.path,
    env,
    pollMs: 0,
    ...extra,
  });
}

describe("git source", () => {
  let fx: GitFixture;
  before(async () => {
    fx = await createGitFixture();
  });
  after(() => fx.remove());

  it("clones shallow into the cache and reads the fleet from the commit's tree", async () => {
    const s = source(fx);
    const snap = await s.snapshot();
    const head = await git(["rev-parse", "HEAD"], fx.work);
    assert.equal(snap.revision, head);
    assert.equal(snap.meta.commit, head);
    assert.equal(snap.meta.subject, "Initial fleet");
    assert.equal(snap.meta.author, "Ada Operator <ada@example.test>");
    assert.equal(snap.meta.ref, "main");
    assert.match(snap.meta.committedAt ?? "", /^\d{4}-\d\d-\d\dT/);
    // The fixture holds the example fleet without its rollout policy.
    const expected = await readFleetDir(join(fx.work, "manifests"));
    assert.deepEqual(
      snap.files.map((f) => [f.path, f.content?.toString("utf8")]),
      expected.map((f) => [f.path, f.content?.toString("utf8")]),
    );
    const folder = join(fx.cacheDir, cacheKey(fx.remote), "repo.git");
    await access(join(folder, "shallow"));
    assert.equal(await git(["rev-parse", "--is-bare-repository"], folder), "true");
  });

  it("reads symlinks as links, lists huge files without reading them, and honours --subdir", async () => {
    const big = "#".repeat(KUBELET_MAX_BODY);
    await fx.write({ "manifests/huge.yaml": big, "top.txt": "x" });
    await symlink("../groups/edge/store-gateway.yaml", join(fx.work, "manifests/common/linked.yaml"));
    const sha = await fx.commit("Links and a huge file");
    const repo = new GitRepo(join(fx.work, ".git"), { env });
    const files = await repo.readFleetFiles(sha, "manifests");
    const link = files.find((f) => f.path === "common/linked.yaml");
    assert.deepEqual(link, {
      path: "common/linked.yaml",
      size: 33,
      symlink: "../groups/edge/store-gateway.yaml",
    });
    const huge = files.find((f) => f.path === "huge.yaml");
    assert.deepEqual(huge, { path: "huge.yaml", size: KUBELET_MAX_BODY });
    const root = await repo.readFleetFiles(sha, "");
    assert.ok(root.some((f) => f.path === "top.txt"));
    assert.ok(root.some((f) => f.path === "manifests/fleet.yaml"));
    await git(["reset", "--quiet", "--hard", "HEAD~1"], fx.work);
  });

  it("keeps serving the cached commit when the remote is unreachable at start, and fails without a cache", async () => {
    const cold = source(fx, { repo: join(fx.root.path, "missing.git") });
    await assert.rejects(cold.snapshot(), (e: Error) => /cannot fetch refs\/heads\/main/.test(e.message));
    const warm = source(fx);
    const first = await warm.snapshot();
    const moved = join(fx.root.path, "moved.git");
    await git(["clone", "--quiet", "--bare", fx.remote, moved], fx.root.path);
    await rm(fx.remote, { recursive: true });
    try {
      const again = source(fx);
      const snap = await again.snapshot();
      assert.equal(snap.revision, first.revision);
      const fetched = await again.gitFetch();
      assert.equal(fetched.ok, false);
    } finally {
      await git(["clone", "--quiet", "--bare", moved, fx.remote], fx.root.path);
    }
  });

  it("rebuilds a corrupt cache", async () => {
    const s = source(fx);
    const good = await s.snapshot();
    const repoDir = join(fx.cacheDir, cacheKey(fx.remote), "repo.git");
    await writeFile(join(repoDir, "HEAD"), "garbage\n");
    const after1 = await source(fx).snapshot();
    assert.equal(after1.revision, good.revision);
    for (const d of await readdir(join(repoDir, "objects")))
      if (d !== "info" && d !== "pack") await rm(join(repoDir, "objects", d), { recursive: true });
    for (const p of await readdir(join(repoDir, "objects", "pack")))
      await rm(join(repoDir, "objects", "pack", p));
    const after2 = await source(fx).snapshot();
    assert.equal(after2.revision, good.revision);
    assert.equal(after2.files.length, good.files.length);
  });

  it("takes over a stale lock and waits for a live one", async () => {
    let signalWaiting: () => void = () => undefined;
    const waitingForLock = new Promise<void>((r) => (signalWaiting = r));
    const cache = new GitCache({
      url: fx.remote,
      cacheDir: fx.cacheDir,
      env,
      sleep: (ms) => {
        signalWaiting();
        return new Promise((r) => setTimeout(r, ms));
      },
    });
    const lock = join(cache.folder, "lock");
    await writeFile(lock, "999999999 stale\n");
    assert.match(await cache.fetch("refs/heads/main", "refs/x/main"), /^[0-9a-f]{40}$/);
    // A process killed while creating its lock (an empty lock file) must not block the cache for minutes.
    await writeFile(lock, "");
    assert.match(await cache.fetch("refs/heads/main", "refs/x/main"), /^[0-9a-f]{40}$/);
    assert.deepEqual(
      (await readdir(cache.folder)).filter((f) => f.startsWith("lock")),
      [],
      "no lock or pending lock file left behind",
    );
    await writeFile(lock, `${process.pid} other\n`);
    let done = false;
    const waiting = cache.fetch("refs/heads/main", "refs/x/main").then((sha) => {
      done = true;
      return sha;
    });
    await waitingForLock;
    assert.equal(done, false, "must wait while another live process holds the lock");
    await rm(lock);
    assert.match(await waiting, /^[0-9a-f]{40}$/);
  });
});

describe("git helpers", () => {
  it("normalises --subdir", () => {
    assert.equal(normalizeSubdir("manifests"), "manifests");
    assert.equal(normalizeSubdir("./fleet/"), "fleet");
    assert.equal(normalizeSubdir(""), "");
    assert.equal(normalizeSubdir("."), "");
    assert.throws(() => normalizeSubdir("../up"), /plain folder path/);
  });

  it("tells URLs from paths", () => {
    for (const u of [
      "https://git.example/fleet.git",
      "ssh://git@host/x",
      "git@github.com:org/fleet.git",
      "file:///srv/x",
    ])
      assert.equal(isRemoteUrl(u), true, u);
    for (const p of ["/srv/fleet.git", "../fleet", "fleet"]) assert.equal(isRemoteUrl(p), false, p);
  });

  it("never lets git prompt and isolates the repository location", () => {
    const e = gitEnv({ GIT_DIR: "/x", PATH: "/bin" }, true);
    assert.equal(e.GIT_TERMINAL_PROMPT, "0");
    assert.equal(e.GIT_DIR, undefined);
    assert.equal(e.GIT_SSH_COMMAND, "ssh -o BatchMode=yes");
    assert.equal(gitEnv({ GIT_SSH_COMMAND: "ssh -i k" }, false).GIT_SSH_COMMAND, "ssh -i k");
  });
});
