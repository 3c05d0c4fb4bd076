import assert from "node:assert/strict";
import { copyFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createHmac } from "node:crypto";
import { runServerCli } from "../../src/cli/server-cli.js";
import { runCli } from "../helpers/cli.js";
import { podYaml, REPO_ROOT } from "../helpers/fleet.js";
import { spawnServer } from "../helpers/processes.js";
import { createGitFixture, git, GIT_TEST_ENV, type GitFixture } from "../helpers/git.js";

const cli = (argv: string[], cwd: string) => runCli(runServerCli, argv, { cwd });
const ENTRY = join(REPO_ROOT, "src/cli/manifest-server.ts");
const TSX = import.meta.resolve("tsx");

describe("validate, render and explain on a commit", () => {
  let fx: GitFixture;
  let good: string;
  let bad: string;
  before(async () => {
    fx = await createGitFixture();
    good = await git(["rev-parse", "HEAD"], fx.work);
    await fx.write({ "manifests/common/bad.yaml": "kind: Service\n" });
    bad = await fx.commit("Break it");
  });
  after(() => fx.remove());

  it("validates a commit of the current repository or of --repo", async () => {
    const ok = await cli(["validate", "--rev", good], fx.work);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, new RegExp(`is valid: 5 nodes, \\d+ pods served in all, revision ${good}`));
    const broken = await cli(["validate", "--repo", fx.work, "--rev", bad], fx.root.path);
    assert.equal(broken.code, 1);
    assert.match(broken.stdout, /^error: common\/bad\.yaml/m);
    const unknown = await cli(["validate", "--rev", "nope"], fx.work);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /"nope" is not a commit/);
  });

  it("validates a branch of a repository given by URL (fetched into the cache)", async () => {
    const r = await cli(
      ["validate", "--repo", `file://${fx.remote}`, "--rev", "main", "--cache-dir", fx.cacheDir],
      fx.root.path,
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  it("renders and explains a node from a revision", async () => {
    const fromDir = await cli(["render", "cp-1", "--dir", join(REPO_ROOT, "manifests")], fx.root.path);
    const fromGit = await cli(["render", "cp-1", "--repo", fx.work, "--rev", good], fx.root.path);
    assert.equal(fromGit.code, 0, fromGit.stderr);
    assert.equal(fromGit.stdout, fromDir.stdout);
    const explained = await cli(["explain", "edge-1", "--repo", fx.work, "--rev", good], fx.root.path);
    assert.equal(explained.code, 0, explained.stderr);
    assert.match(explained.stdout, new RegExp(good));
  });
});

describe("the pre-receive hook (deploy/git/pre-receive)", () => {
  it("refuses an invalid push with the validation messages and accepts a valid one", async () => {
    const fx = await createGitFixture();
    try {
      await copyFile(join(REPO_ROOT, "deploy/git/pre-receive"), join(fx.remote, "hooks/pre-receive"));
      const env = { ...GIT_TEST_ENV, MANIFEST_SERVER: `${process.execPath} --import ${TSX} ${ENTRY}` };
      const before = await git(["rev-parse", "main"], fx.remote);
      await fx.write({ "manifests/common/bad.yaml": "kind: Service\n" });
      await fx.commit("Invalid change");
      const refused = await git(["push", "origin", "HEAD:refs/heads/main"], fx.work, env).then(
        () => undefined,
        (e: { stderr: string }) => e.stderr,
      );
      assert.ok(refused !== undefined, "the push must fail");
      assert.match(refused, /remote: error: common\/bad\.yaml \(document 1\) kind:/);
      assert.match(refused, /push to main rejected/);
      assert.match(refused, /pre-receive hook declined/);
      assert.equal(await git(["rev-parse", "main"], fx.remote), before);

      await fx.write({ "manifests/common/bad.yaml": null, "manifests/common/fine.yaml": podYaml("fine") });
      const fixed = await fx.commit("Valid change");
      await git(["push", "origin", "HEAD:refs/heads/main"], fx.work, env);
      assert.equal(await git(["rev-parse", "main"], fx.remote), fixed);
    } finally {
      await fx.remove();
    }
  });
});

describe("manifest-server serve --repo", () => {
  it("serves the branch, takes signed webhooks from the secret file and stops on SIGTERM", async () => {
    const fx = await createGitFixture();
    const secretFile = join(fx.root.path, "secret");
    await writeFile(secretFile, "cli-secret\n");
    const server = await spawnServer(
      ["--repo", fx.remote, "--poll", "0", "--webhook-secret-file", secretFile],
      { ...GIT_TEST_ENV, MANIFEST_SERVER_CACHE_DIR: fx.cacheDir },
      fx.root.path,
    );
    const url = server.url;
    try {
      const status = (await (await fetch(`${url}/status`)).json()) as {
        source: string;
        revision: { subject: string };
      };
      assert.match(status.source, /^git:/);
      assert.equal(status.revision.subject, "Initial fleet");
      const sha = await fx.change({ "manifests/common/cli.yaml": podYaml("cli") }, "Via the CLI");
      const body = "{}";
      const res = await fetch(`${url}/hooks/git`, {
        method: "POST",
        body,
        headers: {
          "X-Hub-Signature-256": `sha256=${createHmac("sha256", "cli-secret").update(body).digest("hex")}`,
        },
      });
      assert.equal(res.status, 200);
      const answer = (await res.json()) as { outcome: string; revision: string };
      assert.deepEqual(answer, {
        outcome: "published",
        revision: sha,
        subject: "Via the CLI",
        author: "Ada Operator <ada@example.test>",
      });
      const doc = await fetch(`${url}/nodes/cp-1`);
      assert.equal(doc.headers.get("x-manifest-revision"), sha);
      server.kill("SIGTERM");
      assert.equal(await server.exited, 0);
    } finally {
      server.kill("SIGKILL");
      await fx.remove();
    }
  });
});
