// A real commit of more than 256 MiB of fleet files (30 comment-only 9 MiB files that git compresses to almost nothing),
// pushed to a real bare repository and served with --repo: it is served, the cache and its last-good ref survive
// every poll (never discarded and re-cloned), and restarts, with or without the remote, serve the same commit.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readdir, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { KUBELET_MAX_BODY } from "../../src/fleet/fleet-files.js";
import { startServer, type RunningServer } from "../../src/server/start.js";
import { createGitSource } from "../../src/source/git-source.js";
import { BLOB_BATCH_BYTES, gitEnv } from "../../src/source/git.js";
import { podYaml } from "../helpers/fleet.js";
import { createGitFixture, eventually, git, GIT_TEST_ENV, type GitFixture } from "../helpers/git.js";

const env = gitEnv(GIT_TEST_ENV, true);
const FILES = 30;
/** Just under 9 MiB per file (each stays below the kubelet's 10 MiB, so every one is read). */
const FILE_BYTES = 9 * 1024 * 1024;

/**
 * Commits FILES comment-only YAML files of FILE_BYTES each (each a different blob) plus `extra` on top of main in the
 * work clone with `git fast-import`, so 270 MiB never touch the disk uncompressed; then really pushes it.
 */
async function commitLargeFleet(fx: GitFixture, extra: Record<string, string>): Promise<string> {
  const child = spawn("git", ["fast-import", "--quiet"], { cwd: fx.work, env: GIT_TEST_ENV });
  const failed = once(child, "exit");
  const line = `# ${"x".repeat(1022)}\n`;
  const body = Buffer.from(line.repeat(Math.floor(FILE_BYTES / line.length) - 1));
  const write = async (chunk: string | Buffer): Promise<void> => {
    if (!child.stdin.write(chunk)) await once(child.stdin, "drain");
  };
  const message = "Thirty 9 MiB comment-only files";
  await write(
    `commit refs/heads/main\ncommitter Ada Operator <ada@example.test> 1700000000 +0000\n` +
      `data ${Buffer.byteLength(message)}\n${message}\nfrom refs/heads/main^0\n`,
  );
  for (let i = 0; i < FILES; i++) {
    const head = Buffer.from(`# generated file ${i}\n`);
    await write(`M 100644 inline manifests/common/big-${i}.yaml\ndata ${head.length + body.length}\n`);
    await write(head);
    await write(body);
    await write("\n");
  }
  for (const [path, text] of Object.entries(extra))
    await write(`M 100644 inline ${path}\ndata ${Buffer.byteLength(text)}\n${text}\n`);
  child.stdin.end();
  const [code] = (await failed) as [number | null];
  assert.equal(code, 0, "git fast-import failed");
  await git(["push", "--quiet", "origin", "main:refs/heads/main"], fx.work);
  return git(["rev-parse", "main"], fx.work);
}

function serve(fx: GitFixture, repo = fx.remote): Promise<RunningServer> {
  const source = createGitSource({ repo, cacheDir: fx.cacheDir, cwd: fx.root.path, env, pollMs: 0 });
  return startServer({ git: { source }, listen: "127.0.0.1:0" });
}

async function served(url: string): Promise<{ status: number; body: string; revision: string | null }> {
  const res = await fetch(`${url}/nodes/cp-1`);
  return { status: res.status, body: await res.text(), revision: res.headers.get("x-manifest-revision") };
}

/** What identifies the cache's repository on disk: a re-clone would change its inode and lose the marker file. */
async function cacheIdentity(fx: GitFixture): Promise<{ gitDir: string; ino: number }> {
  const keys = await readdir(fx.cacheDir);
  assert.equal(keys.length, 1, `one cache folder, got ${keys.join(", ")}`);
  const gitDir = join(fx.cacheDir, keys[0] ?? "", "repo.git");
  return { gitDir, ino: (await stat(gitDir)).ino };
}

async function goodRef(gitDir: string): Promise<string> {
  return git(
    ["--git-dir", gitDir, "rev-parse", "--verify", "--quiet", "refs/manifest-server/good/main"],
    "/",
  );
}

describe("a commit of more than 256 MiB through a real server", () => {
  it("is served; the cache and its last-good ref survive polls and restarts, with the remote gone too", async () => {
    assert.ok(FILES * FILE_BYTES > 256 * 1024 * 1024 && FILE_BYTES < KUBELET_MAX_BODY);
    assert.ok(FILES * FILE_BYTES > 8 * BLOB_BATCH_BYTES);
    const fx = await createGitFixture();
    let server = await serve(fx);
    try {
      const cache = await cacheIdentity(fx);
      const marker = join(cache.gitDir, "test-marker");
      await writeFile(marker, "a re-clone would delete this file\n");
      const before = await served(server.url);
      assert.equal(before.status, 200);

      const big = await commitLargeFleet(fx, {
        "manifests/common/after-big.yaml": podYaml("after-big"),
      });
      const packed = await git(["count-objects", "-v"], fx.remote);
      assert.match(packed, /size-pack: \d+/);
      assert.ok(Number(/size-pack: (\d+)/.exec(packed)?.[1]) < 20 * 1024, `remote packs: ${packed}`);

      const outcome = await server.sync?.();
      assert.deepEqual(
        { outcome: outcome?.outcome, revision: outcome && "revision" in outcome ? outcome.revision : null },
        { outcome: "published", revision: big },
        JSON.stringify(outcome),
      );
      const after = await served(server.url);
      assert.equal(after.status, 200);
      assert.equal(after.revision, big);
      assert.match(after.body, /"name": "after-big"/);
      assert.doesNotMatch(before.body, /"name": "after-big"/);
      await eventually(async () => ((await goodRef(cache.gitDir)) === big ? true : undefined), "good ref");

      // Polling again changes nothing and keeps the same repository (no discard, no re-clone).
      assert.equal((await server.sync?.())?.outcome, "unchanged");
      const status = (await (await fetch(`${server.url}/status`)).json()) as {
        lastError: unknown;
        counters: { rejected: number };
      };
      assert.equal(status.lastError, null);
      assert.equal(status.counters.rejected, 0);
      assert.equal((await cacheIdentity(fx)).ino, cache.ino);
      await stat(marker);

      // A restart reads the same commit from the same cache and serves the same bytes.
      await server.close();
      server = await serve(fx);
      assert.equal(server.firstLoad.kind, "published");
      assert.deepEqual(await served(server.url), after);
      assert.equal((await cacheIdentity(fx)).ino, cache.ino);
      await stat(marker);

      // A restart with the remote gone serves the last-good commit from the cache (not 503).
      await server.close();
      await rename(fx.remote, `${fx.remote}.gone`);
      server = await serve(fx, fx.remote);
      assert.deepEqual(await served(server.url), after);
      assert.equal(await goodRef(cache.gitDir), big);
      assert.equal((await cacheIdentity(fx)).ino, cache.ino);
      await stat(marker);
    } finally {
      await server.close();
      await fx.remove();
    }
  });
});
