// A replica started in the middle of a rollout serves each held node exactly what the other replicas serve it
// (re-rendered from git, same bytes and ETag), 503 while loading, never the new revision; a held document whose
// commit is gone from the remote stays 503 with an error logged.
import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { silentLogger, type Logger } from "../../src/lib/logger.js";
import { startServer, type RunningServer } from "../../src/server/start.js";
import { createGitSource } from "../../src/source/git-source.js";
import { gitEnv } from "../../src/source/git.js";
import { postgresTarget } from "../../src/store/postgres/connection.js";
import { CANARY_FLEET, podYaml } from "../helpers/fleet.js";
import { createGitFixture, eventually, git, GIT_TEST_ENV, type GitFixture } from "../helpers/git.js";
import { capturedLog } from "../helpers/log-lines.js";
import { postgresSkip, startPgCluster, type PgCluster } from "../helpers/postgres.js";

const skip = postgresSkip();

interface Answer {
  status: number;
  etag: string | null;
  revision: string | null;
  body: Buffer;
}

async function get(url: string, node: string): Promise<Answer> {
  const res = await fetch(`${url}/nodes/${node}`);
  const body = Buffer.from(await res.arrayBuffer());
  return {
    status: res.status,
    etag: res.headers.get("etag"),
    revision: res.headers.get("x-manifest-revision"),
    body,
  };
}

/** Answers of `url` for `node` until the first 200 (every one of them, in order). */
async function untilServed(url: string, node: string): Promise<Answer[]> {
  const seen: Answer[] = [];
  await eventually(async () => {
    const a = await get(url, node);
    seen.push(a);
    return a.status === 200 ? a : undefined;
  }, `${node} served by ${url}`);
  return seen;
}

describe("a replica started in the middle of a rollout", { skip }, () => {
  let cluster: PgCluster;
  let fx: GitFixture;
  let storeUrl: string;
  const servers: RunningServer[] = [];
  let r1 = "";
  let r2 = "";

  const replica = async (name: string, logger: Logger = silentLogger()): Promise<RunningServer> => {
    const source = createGitSource({
      repo: fx.remote,
      cacheDir: join(fx.root.path, `cache-${name}`),
      cwd: fx.root.path,
      env: gitEnv(GIT_TEST_ENV, true),
      pollMs: 0,
    });
    const server = await startServer({
      git: { source },
      listen: "127.0.0.1:0",
      logger,
      replicas: { target: await postgresTarget(storeUrl), delayMs: 300 },
    });
    servers.push(server);
    return server;
  };

  /** Commits the canary fleet running `image` (replacing whatever manifests/ held) and pushes it. */
  const commitFleet = async (image: string, force = false): Promise<string> => {
    await rm(join(fx.work, "manifests"), { recursive: true, force: true });
    await fx.write({
      "manifests/fleet.yaml": CANARY_FLEET,
      "manifests/common/app.yaml": podYaml("app", image),
    });
    const sha = await fx.commit(`app ${image}`);
    await fx.push(force);
    return sha;
  };

  before(async () => {
    cluster = await startPgCluster();
    storeUrl = await cluster.createDatabase("held");
    fx = await createGitFixture();
    r1 = await commitFleet("example/app:1");
  });

  after(async () => {
    for (const s of servers.reverse()) await s.close();
    await fx?.remove();
    await cluster?.remove();
  });

  it("serves held nodes the bytes and ETag the leader serves (503 while loading, never the new ones)", async () => {
    const a = await replica("a");
    await eventually(async () => ((await get(a.url, "b")).revision === r1 ? true : undefined), "r1 on A");
    assert.ok(a.replicas?.isLeader());
    r2 = await commitFleet("example/app:2");
    assert.equal((await a.sync?.())?.outcome, "published");
    await eventually(
      async () =>
        a.rollouts.driver.state?.to === r2 && (await get(a.url, "a")).revision === r2 ? true : undefined,
      "A's rollout to r2 with the canary switched",
    );
    const onA = { a: await get(a.url, "a"), b: await get(a.url, "b"), c: await get(a.url, "c") };
    assert.equal(onA.b.revision, r1);
    assert.equal(onA.c.revision, r1);

    const b = await replica("b");
    assert.equal(b.replicas?.isLeader(), false);
    for (const node of ["b", "c"] as const) {
      const seen = await untilServed(b.url, node);
      for (const s of seen.slice(0, -1))
        assert.equal(s.status, 503, `${node}: only 503 before the first 200`);
      const served = seen.at(-1);
      assert.equal(served?.revision, r1, `${node} is still held on r1`);
      assert.equal(served?.etag, onA[node].etag);
      assert.ok(served?.body.equals(onA[node].body), `${node}: A's exact bytes`);
    }
    const canary = await get(b.url, "a");
    assert.equal(canary.revision, r2);
    assert.equal(canary.etag, onA.a.etag);
    assert.ok(canary.body.equals(onA.a.body));
  });

  it("a held document whose commit is gone from the remote answers 503 with an error logged", async () => {
    const [a, b] = servers;
    assert.ok(a !== undefined && b !== undefined);
    // History rewritten: r1 and r2 are no longer on the remote (force push, then the remote forgets them).
    await git(["reset", "--quiet", "--hard", `${r1}~1`], fx.work);
    const r3 = await commitFleet("example/app:3", true);
    await git(["reflog", "expire", "--expire=now", "--all"], fx.remote);
    await git(["gc", "--quiet", "--prune=now"], fx.remote);
    assert.equal((await a.sync?.())?.outcome, "published");
    await eventually(
      async () =>
        a.rollouts.driver.state?.to === r3 && (await get(a.url, "a")).revision === r3 ? true : undefined,
      "A's rollout to r3",
    );
    // b and c were held on r1 and stay there; A (and B) still have r1's documents.
    const onA = await get(a.url, "b");
    assert.equal(onA.revision, r1);
    const onB = await untilServed(b.url, "b");
    assert.equal(onB.at(-1)?.etag, onA.etag);

    const log = capturedLog();
    const c = await replica("c", log.logger);
    await eventually(async () => ((await get(c.url, "a")).revision === r3 ? true : undefined), "r3 on C");
    await c.rollouts.driver.settled();
    for (const node of ["b", "c"]) {
      const answer = await get(c.url, node);
      assert.equal(answer.status, 503, `${node}: no r1 to serve, so no document at all`);
      assert.notEqual(answer.revision, r3);
      assert.match(answer.body.toString(), /held-document-loading/);
    }
    const status = (await (await fetch(`${c.url}/status`)).json()) as { rollout: Record<string, unknown> };
    assert.equal(status.rollout["heldDocumentsLoading"], 2);
    const lost = log.lines.filter((l) => /rollout document lost: cannot read the revision/.test(l.msg));
    assert.equal(lost.length, 1);
    assert.equal(lost[0]?.["revision"], r1);
  });
});
