import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GIT_TEST_ENV } from "../helpers/git.js";
import { spawnCli } from "../helpers/processes.js";

async function serveFails(args: string[]): Promise<{ code: number | string; stderr: string }> {
  const c = spawnCli("manifest-server", ["serve", "--listen", "127.0.0.1:0", ...args], GIT_TEST_ENV);
  const code = await c.exited;
  return { code, stderr: c.stderr() };
}

describe("serve --store", () => {
  it("needs --repo, a postgres:// URL, and never echoes a password back", async () => {
    const noRepo = await serveFails(["--dir", "manifests", "--store", "postgres://db/fleet"]);
    assert.equal(noRepo.code, 2);
    assert.match(noRepo.stderr, /--store needs --repo: replicas agree on git commits/);
    assert.match(noRepo.stderr, /serve it with --repo, or run a single server without --store/);
    const notPg = await serveFails(["--repo", "/nonexistent", "--store", "mysql://u:pw-s3cret@db/fleet"]);
    assert.equal(notPg.code, 2);
    assert.match(notPg.stderr, /not a postgres:\/\/ URL/);
    assert.doesNotMatch(notPg.stderr, /pw-s3cret/);
  });

  it("fails at start with the redacted URL when the database cannot be reached", async () => {
    const r = await serveFails([
      "--repo",
      "/nonexistent",
      "--store",
      "postgres://u:pw-s3cret@127.0.0.1:1/fleet",
    ]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot connect to the database/);
    assert.doesNotMatch(r.stderr, /pw-s3cret/);
  });
});
