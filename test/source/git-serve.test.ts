import assert from "node:assert/strict";
import { rename } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import request from "supertest";
import { startServer, type RunningServer } from "../../src/server/start.js";
import { createGitSource } from "../../src/source/git-source.js";
import { gitEnv } from "../../src/source/git.js";
import { podYaml } from "../helpers/fleet.js";
import { createGitFixture, eventually, git, GIT_TEST_ENV, type GitFixture } from "../helpers/git.js";
import { bodyOf } from "../helpers/http-body.js";

const env = gitEnv(GIT_TEST_ENV, true);

function serve(
  fx: GitFixture,
  options: { pollMs?: number; repo?: string; cacheDir?: string } = {},
): Promise<RunningServer> {
  const source = createGitSource({
    repo: options.repo ?? fx.remote,
    cacheDir: options.cacheDir ?? fx.cacheDir,
    cwd: fx.root.path,
    env,
    pollMs: options.pollMs ?? 0,
  });
  return startServer({ git: { source }, listen: "127.0.0.1:0" });
}

interface Served {
  status: number;
  body: Buffer;
  etag: string | undefined;
  revision: string | undefined;
}

async function node(url: string, name = "cp-1"): Promise<Served> {
  const res = await fetch(`${url}/nodes/${name}`);
  return {
    status: res.status,
    body: Buffer.from(await res.arrayBuffer()),
    etag: res.headers.get("etag") ?? undefined,
    revision: res.headers.get("x-manifest-revision") ?? undefined,
  };
}

/** The parts of /status these tests read, typed as read (each lastError is null while there is none). */
interface StatusBody {
  revision: { id: string; subject: string };
  lastError: {
    kind: string;
    revision: string;
    commit: string;
    subject: string;
    author: string;
    issues: { text: string }[];
  };
  fetch: {
    fetchedRevision: string;
    stale: boolean;
    staleSeconds: unknown;
    lastSuccessAt: unknown;
    lastError: { message: string };
  };
  counters: { rejected: number };
}

async function servedRevision(url: string): Promise<string | undefined> {
  const res = await request(url).get("/status");
  const id: unknown = bodyOf<StatusBody | undefined>(res)?.revision?.id;
  return typeof id === "string" ? id : undefined;
}

describe("serving a git branch", () => {
  let fx: GitFixture;
  before(async () => {
    fx = await createGitFixture();
  });
  after(() => fx.remove());

  it("follows pushes by polling; a bad push keeps the old bytes and /status names the commit", async () => {
    const server = await serve(fx, { pollMs: 40 });
    try {
      const sha0 = await git(["rev-parse", "HEAD"], fx.work);
      assert.equal(server.firstLoad.kind, "published");
      const first = await node(server.url);
      assert.equal(first.status, 200);
      assert.equal(first.revision, sha0);

      const sha1 = await fx.change({ "manifests/common/extra.yaml": podYaml("extra") }, "Add an extra pod");
      await eventually(
        async () => ((await servedRevision(server.url)) === sha1 ? true : undefined),
        "the poll to publish",
      );
      const good = await node(server.url);
      assert.equal(good.revision, sha1);
      assert.notEqual(good.etag, first.etag);

      const sha2 = await fx.change({ "manifests/common/bad.yaml": "kind: Service\n" }, "Break the fleet");
      const status = await eventually(async () => {
        const body = bodyOf<StatusBody | undefined>(await request(server.url).get("/status"));
        return body?.lastError?.revision === sha2 ? body : undefined;
      }, "the poll to reject");
      assert.equal(status.lastError.kind, "rejected");
      assert.equal(status.lastError.commit, sha2);
      assert.equal(status.lastError.subject, "Break the fleet");
      assert.equal(status.lastError.author, "Ada Operator <ada@example.test>");
      assert.ok(
        status.lastError.issues.some((i: { text: string }) => i.text.startsWith("common/bad.yaml")),
        JSON.stringify(status.lastError.issues),
      );
      assert.equal(status.revision.id, sha1);
      assert.equal(status.fetch.fetchedRevision, sha2);
      assert.equal(status.fetch.stale, false);
      assert.equal(status.counters.rejected, 1);
      const still = await node(server.url);
      assert.ok(still.body.equals(good.body), "the old bytes are served unchanged");
      assert.equal(still.etag, good.etag);
      assert.equal(still.revision, sha1);

      const sha3 = await fx.change({ "manifests/common/bad.yaml": null }, "Fix the fleet");
      await eventually(
        async () => ((await servedRevision(server.url)) === sha3 ? true : undefined),
        "the fix to publish",
      );
      const fixed = bodyOf<StatusBody>(await request(server.url).get("/status"));
      assert.equal(fixed.lastError, null);
      assert.equal(fixed.revision.subject, "Fix the fleet");
    } finally {
      await server.close();
    }
  });

  it("follows a force push that rewrites the branch", async () => {
    const server = await serve(fx);
    try {
      const before = await servedRevision(server.url);
      await git(["reset", "--quiet", "--hard", "HEAD~2"], fx.work);
      await fx.write({ "manifests/common/rewritten.yaml": podYaml("rewritten") });
      const rewritten = await fx.commit("Rewrite history");
      await fx.push(true);
      const outcome = await server.sync?.();
      assert.deepEqual(outcome && { o: outcome.outcome, r: "revision" in outcome ? outcome.revision : "" }, {
        o: "published",
        r: rewritten,
      });
      assert.notEqual(before, rewritten);
      assert.equal((await node(server.url)).revision, rewritten);
    } finally {
      await server.close();
    }
  });

  it("keeps serving when the remote disappears, and a restart serves the last good commit from the cache", async () => {
    const server = await serve(fx);
    const aside = join(fx.root.path, "aside.git");
    try {
      const good = await node(server.url);
      const bad = await fx.change({ "manifests/common/bad.yaml": "kind: Service\n" }, "Break it again");
      const rejected = await server.sync?.();
      assert.equal(rejected?.outcome, "rejected");
      await rename(fx.remote, aside);
      const failed = await server.sync?.();
      assert.equal(failed?.outcome, "fetch-failed");
      const status = bodyOf<StatusBody>(await request(server.url).get("/status"));
      assert.match(status.fetch.lastError.message, /cannot fetch refs\/heads\/main/);
      assert.equal(status.fetch.stale, true);
      assert.equal(typeof status.fetch.staleSeconds, "number");
      const still = await node(server.url);
      assert.ok(still.body.equals(good.body));
      await server.close();

      const restarted = await serve(fx);
      try {
        assert.equal(restarted.firstLoad.kind, "published");
        const again = await node(restarted.url);
        assert.ok(again.body.equals(good.body), "serves the last good commit, not the rejected one");
        assert.equal(again.revision, good.revision);
        assert.notEqual(again.revision, bad);
        const st = bodyOf<StatusBody>(await request(restarted.url).get("/status"));
        assert.notEqual(st.fetch.lastError, null);
        assert.equal(st.fetch.lastSuccessAt, null);
      } finally {
        await restarted.close();
      }
    } finally {
      await server.close();
      await rename(aside, fx.remote).catch(() => undefined);
      await fx.change({ "manifests/common/bad.yaml": null }, "Repair");
    }
  });

  it("starts without a cache while the remote is unreachable: 503, then serves once it appears", async () => {
    const later = join(fx.root.path, "later.git");
    const server = await serve(fx, { repo: later, cacheDir: join(fx.root.path, "cold-cache"), pollMs: 40 });
    try {
      assert.equal(server.firstLoad.kind, "source-error");
      const before = await node(server.url);
      assert.equal(before.status, 503);
      assert.equal((await request(server.url).get("/readyz")).status, 503);
      await git(["clone", "--quiet", "--bare", fx.remote, later], fx.root.path);
      const head = await git(["rev-parse", "main"], later);
      await eventually(
        async () => ((await servedRevision(server.url)) === head ? true : undefined),
        "the first fetch",
      );
      assert.equal((await node(server.url)).status, 200);
    } finally {
      await server.close();
    }
  });
});
