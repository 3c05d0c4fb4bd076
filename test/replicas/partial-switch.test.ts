// While a replica is still loading the agreed new revision, it refuses (503 + Retry-After) only the nodes that
// revision changes; a node whose bytes are the same in both keeps being served (200/304) throughout.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { RunningServer } from "../../src/server/start.js";
import { createGitFixture, eventually, type GitFixture } from "../helpers/git.js";
import { postgresSkip, startPgCluster, type PgCluster } from "../helpers/postgres.js";
import { extraPod } from "./harness.js";
import { startReplica } from "./in-process.js";

const skip = postgresSkip();
const CHANGED = "edge-1";
const UNCHANGED = "cp-2";

function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

async function get(url: string, etag?: string): Promise<{ status: number; headers: Headers }> {
  const res = await fetch(url, etag === undefined ? {} : { headers: { "if-none-match": etag } });
  await res.arrayBuffer();
  return { status: res.status, headers: res.headers };
}

describe("a replica loading a new revision", { skip }, () => {
  let cluster: PgCluster;
  let fx: GitFixture;
  const replicas: RunningServer[] = [];
  let holding = false;
  const held = deferred<string>();
  const release = deferred();

  before(async () => {
    cluster = await startPgCluster();
    const storeUrl = await cluster.createDatabase("partial");
    fx = await createGitFixture();
    replicas.push(await startReplica(0, { fx, storeUrl, delayMs: 1000 }));
    // Replica 1 loads announced commits only when the test lets it.
    replicas.push(
      await startReplica(1, {
        fx,
        storeUrl,
        delayMs: 1000,
        wrap: (source) => ({
          ...source,
          async readCommit(commit) {
            if (holding) {
              held.resolve(commit);
              await release.promise;
            }
            return source.readCommit(commit);
          },
        }),
      }),
    );
  });

  after(async () => {
    release.resolve();
    for (const r of replicas) await r.close();
    await fx?.remove();
    await cluster?.remove();
  });

  it("answers 503 for the node whose document changes and keeps serving the node whose bytes do not", async () => {
    const [a, b] = replicas as [RunningServer, RunningServer];
    const unchangedUrl = `${b.url}/nodes/${UNCHANGED}`;
    const unchanged = await eventually(async () => {
      const r = await get(unchangedUrl);
      return r.status === 200 ? (r.headers.get("etag") ?? undefined) : undefined;
    }, "replica 1 serving");
    assert.equal((await get(`${b.url}/nodes/${CHANGED}`)).status, 200);

    // The unchanged node is polled on replica 1 from before the push until after the load, with and without ETag.
    const answers: Array<{ status: number; etag: string | null }> = [];
    let polling = true;
    const poller = (async () => {
      for (let i = 0; polling; i++) {
        const r = await get(unchangedUrl, i % 2 === 0 ? unchanged : undefined);
        answers.push({ status: r.status, etag: r.headers.get("etag") });
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    try {
      holding = true;
      const commit = await fx.change(
        { [`manifests/nodes/${CHANGED}/extra.yaml`]: extraPod(1) },
        `An extra pod on ${CHANGED}`,
      );
      // The webhook reaches replica 0, which publishes; replica 1 starts loading it and is held there.
      assert.equal((await a.sync?.())?.outcome, "published");
      assert.equal(await held.promise, commit);
      await eventually(async () => {
        const r = await fetch(`${a.url}/nodes/${CHANGED}`);
        await r.arrayBuffer();
        return r.headers.get("x-manifest-revision") === commit ? true : undefined;
      }, "replica 0 serving the new revision");
      // Effective everywhere now; replica 1 cannot serve the changed node until it has loaded the revision.
      const refused = await eventually(async () => {
        const r = await get(`${b.url}/nodes/${CHANGED}`);
        return r.status === 503 ? r : undefined;
      }, "a 503 for the changed node on the loading replica");
      assert.equal(refused.headers.get("retry-after"), "1");
      const status = (await (await fetch(`${b.url}/status`)).json()) as {
        replica: { decision: { kind: string; reason?: string } };
      };
      assert.deepEqual(status.replica.decision, {
        kind: "unavailable",
        reason: "loading",
        retryAfterMs: 1000,
      });
      const during = await get(unchangedUrl);
      assert.equal(during.status, 200);
      assert.equal(during.headers.get("etag"), unchanged);
      assert.equal((await get(unchangedUrl, unchanged)).status, 304);
      assert.equal((await fetch(`${b.url}/readyz`)).status, 200);

      release.resolve();
      await eventually(async () => {
        const r = await fetch(`${b.url}/nodes/${CHANGED}`);
        await r.arrayBuffer();
        return r.status === 200 && r.headers.get("x-manifest-revision") === commit ? true : undefined;
      }, "replica 1 serving the new revision once loaded");
    } finally {
      polling = false;
      await poller;
    }

    assert.ok(answers.length > 0);
    assert.deepEqual(
      answers.filter((x) => x.status !== 200 && x.status !== 304),
      [],
      "the unchanged node was answered every time",
    );
    assert.ok(answers.every((x) => x.etag === unchanged));
  });
});
