// The git cache under large valid commits and read failures: batched blob reads, and no discard without proven damage.
import assert from "node:assert/strict";
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ExecError } from "../../src/lib/errors.js";
import { execCommand, type Exec } from "../../src/lib/exec.js";
import { createGitSource } from "../../src/source/git-source.js";
import { BLOB_BATCH_BYTES, GitRepo, gitEnv } from "../../src/source/git.js";
import { podYaml } from "../helpers/fleet.js";
import { createGitFixture, GIT_TEST_ENV } from "../helpers/git.js";

const env = gitEnv(GIT_TEST_ENV, true);

describe("git cache bounds", () => {
  it("reads a tree larger than one batch in several cat-file calls, each bounded", async () => {
    const fx = await createGitFixture();
    try {
      // 5 files of 9 MiB: 45 MiB, more than one 32 MiB batch.
      const files: Record<string, string> = {};
      for (let i = 0; i < 5; i++)
        files[`manifests/common/big-${i}.yaml`] = podYaml(
          `big-${i}`,
          "i",
          `# ${String(i).repeat(9 * 1024 * 1024)}\n`,
        );
      const sha = await fx.change(files, "Large but valid files");
      const calls: Array<{ args: readonly string[]; maxBuffer: number | undefined }> = [];
      const exec: Exec = (cmd, args, options) => {
        if (args.includes("cat-file") && args.includes("--batch"))
          calls.push({ args, maxBuffer: options?.maxBuffer });
        return execCommand(cmd, args, options);
      };
      const repo = new GitRepo(join(fx.remote), { env, exec });
      const read = await repo.readFleetFiles(sha, "manifests");
      assert.equal(read.filter((f) => f.path.startsWith("common/big-")).length, 5);
      assert.ok(read.every((f) => f.symlink !== undefined || f.content?.length === f.size));
      assert.ok(calls.length >= 2, `${calls.length} cat-file calls`);
      for (const c of calls) assert.ok((c.maxBuffer ?? Infinity) <= BLOB_BATCH_BYTES + 10 * 1024 * 1024);
    } finally {
      await fx.remove();
    }
  });

  it("keeps the cache and its last served commit when a read fails without corruption", async () => {
    const fx = await createGitFixture();
    let failNext = false;
    const exec: Exec = async (cmd, args, options) => {
      if (failNext && args.includes("cat-file") && args.includes("--batch")) {
        failNext = false;
        throw new ExecError(["git", ...args], null, "stdout maxBuffer length exceeded");
      }
      return execCommand(cmd, args, options);
    };
    const source = createGitSource({
      repo: fx.remote,
      cacheDir: fx.cacheDir,
      cwd: fx.root.path,
      env,
      pollMs: 0,
      exec,
    });
    try {
      const first = await source.snapshot();
      await source.markGood(first.revision);
      const next = await fx.change({ "manifests/common/extra.yaml": podYaml("extra") }, "Another pod");
      assert.equal((await source.gitFetch()).ok, true);
      failNext = true;
      await assert.rejects(source.snapshot(), /cannot read commit .*maxBuffer/);
      // The cache is intact: the last served commit is still recorded, and the next read succeeds without a re-clone.
      assert.equal((await source.lastServed?.())?.revision, first.revision);
      assert.equal((await source.snapshot()).revision, next);
    } finally {
      await fx.remove();
    }
  });

  it("does discard a cache whose objects are really gone, and recovers on the next fetch", async () => {
    const fx = await createGitFixture();
    const source = createGitSource({
      repo: fx.remote,
      cacheDir: fx.cacheDir,
      cwd: fx.root.path,
      env,
      pollMs: 0,
    });
    try {
      const first = await source.snapshot();
      const next = await fx.change({ "manifests/common/extra.yaml": podYaml("extra") }, "Another pod");
      assert.equal((await source.gitFetch()).ok, true);
      // Remove every object file of the cache: reading the new commit cannot work.
      for (const key of await readdir(fx.cacheDir))
        await rm(join(fx.cacheDir, key, "repo.git", "objects"), { recursive: true, force: true });
      await assert.rejects(source.snapshot(), /git fsck found the cache damaged|cannot read commit/);
      assert.equal((await source.gitFetch()).ok, true);
      assert.equal((await source.snapshot()).revision, next);
      assert.notEqual(first.revision, next);
    } finally {
      await fx.remove();
    }
  });
});
