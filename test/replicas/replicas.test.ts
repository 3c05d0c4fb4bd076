import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { eventually, git } from "../helpers/git.js";
import { postgresSkip } from "../helpers/postgres.js";
import { assertNeverBackwards, pollRoundRobin, startWorld, type ReplicaWorld } from "./harness.js";

const skip = postgresSkip();

describe("replicas on one PostgreSQL", { skip }, () => {
  let world: ReplicaWorld;
  before(async () => {
    world = await startWorld("replicas");
  });
  after(() => world.stop());

  it("a node polling three replicas round-robin sees every pushed revision once, in order, never an older one", async () => {
    const { fx, replicas } = world;
    const first = await git(["rev-parse", "HEAD"], fx.work);
    const node = pollRoundRobin(() => replicas.map((r) => r.url));
    try {
      await node.until(first);
      const order = [first];
      for (let n = 1; n <= 3; n++) {
        const commit = await world.push(n);
        order.push(commit);
        // Each webhook reaches one replica only, as behind a load balancer.
        assert.equal(await world.hook(n % replicas.length), 200);
        await node.until(commit);
      }
      assert.deepEqual(node.revisions(), order);
      assertNeverBackwards(node.revisions(), order);
    } finally {
      await node.stop();
    }
  });

  it("a fetch answered by one replica shows in another replica's /api/rollout within a second", async () => {
    const { replicas } = world;
    const res = await fetch(`${replicas[0]?.url}/nodes/cp-2`, {
      headers: { "user-agent": "manifest-agent/test" },
    });
    const etag = res.headers.get("etag");
    assert.equal(res.status, 200);
    const shown = await eventually(
      async () => {
        const r = await fetch(`${replicas[2]?.url}/api/rollout`);
        const body = (await r.json()) as {
          nodes: Array<{ name: string; lastFetch: { etag: string; client: string } | null }>;
        };
        const n = body.nodes.find((x) => x.name === "cp-2");
        return n?.lastFetch?.etag === etag ? n : undefined;
      },
      "the fetch in replica 2's view",
      1000,
    );
    assert.equal(shown.lastFetch?.client, "manifest-agent");
  });

  it("never shows the database password, in logs or in /status", async () => {
    const url = world.storeUrl.replace("postgres://postgres@", "postgres://postgres:pw-s3cret@");
    const r = await world.spawn(3, url);
    const status = (await (await fetch(`${r.url}/status`)).json()) as { replica: { store: string } };
    assert.match(status.replica.store, /^postgres:\/\/postgres:\*\*\*@/);
    assert.doesNotMatch(JSON.stringify(status) + r.stderr(), /pw-s3cret/);
  });
});
