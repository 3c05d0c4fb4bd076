// A rollout waiting on its canary, through a real server: the nodes it holds on their previous document are `held`,
// not `behind`, in /api/rollout, the dashboard and /metrics; after an abort they are `rolled-back`; a node that has
// not fetched what it is served is `behind` whatever the reason.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { shortRevision } from "../../src/server/fleet-view/node-states.js";
import { startServer, type RunningServer } from "../../src/server/start.js";
import { manualDirSource, tempDir, writeCanaryFleet, type TempDir } from "../helpers/fleet.js";
import { sample } from "../helpers/prometheus.js";

const writeFleet = (dir: string, image: string) =>
  writeCanaryFleet(dir, image, ["cp-1", "cp-2", "edge-1", "edge-2"]);

interface ApiNode {
  name: string;
  state: string;
  reason: string;
}

interface Api {
  counts: Record<string, number>;
  nodes: ApiNode[];
}

describe("nodes held by a rollout", () => {
  let dir: TempDir;
  let server: RunningServer;
  let first: string;

  /** One poll of `node` as the kubelet does it. */
  const poll = async (node: string): Promise<string | null> => {
    const res = await fetch(`${server.url}/nodes/${node}`, {
      headers: { "User-Agent": "Go-http-client/1.1" },
    });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    return res.headers.get("x-manifest-revision");
  };
  const api = async (): Promise<{ counts: Api["counts"]; nodes: Record<string, ApiNode> }> => {
    const body = (await (await fetch(`${server.url}/api/rollout`)).json()) as Api;
    return { counts: body.counts, nodes: Object.fromEntries(body.nodes.map((n) => [n.name, n])) };
  };
  const nodesMetric = async (): Promise<Record<string, number | undefined>> => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const states = ["current", "held", "rolled_back", "behind", "never_fetched", "agent_error"];
    return Object.fromEntries(states.map((s) => [s, sample(text, "manifest_server_nodes", { state: s })]));
  };

  before(async () => {
    dir = await tempDir("ms-held-");
    await writeFleet(dir.path, "example/app:1");
    server = await startServer({
      source: manualDirSource(dir.path),
      listen: "127.0.0.1:0",
      rollout: { tickMs: 0 },
    });
    first = server.store.current?.fleet.revision ?? "";
    for (const n of ["cp-1", "cp-2", "edge-1"]) assert.equal(await poll(n), first);
    await writeFleet(dir.path, "example/app:2");
    assert.equal((await server.follower.refresh()).kind, "published");
    await server.rollouts.driver.idle();
  });

  after(async () => {
    await server.close();
    await dir.remove();
  });

  it("a node waiting for its wave, with its previous document, is held; the switched canary is behind until it polls", async () => {
    const { counts, nodes } = await api();
    assert.equal(nodes["cp-1"]?.state, "behind");
    assert.match(nodes["cp-1"]?.reason ?? "", new RegExp(`last fetched revision ${shortRevision(first)}`));
    for (const n of ["cp-2", "edge-1"]) {
      assert.equal(nodes[n]?.state, "held", n);
      assert.match(
        nodes[n]?.reason ?? "",
        new RegExp(
          `^held by the rollout on revision ${shortRevision(first)} until its wave switches it; fetched`,
        ),
      );
    }
    assert.equal(nodes["edge-2"]?.state, "never-fetched");
    assert.deepEqual(counts, {
      current: 0,
      held: 2,
      "rolled-back": 0,
      behind: 1,
      "never-fetched": 1,
      "agent-error": 0,
    });
    assert.deepEqual(await nodesMetric(), {
      current: 0,
      held: 2,
      rolled_back: 0,
      behind: 1,
      never_fetched: 1,
      agent_error: 0,
    });
    const page = await (await fetch(`${server.url}/`)).text();
    assert.match(page, /data-node="cp-2" data-state="held"/);
    assert.match(
      page,
      /data-count="held"\s*href="[^"]*"\s*>held \(waiting for its wave\): <strong>2<\/strong>/,
    );
    const nodePage = await (await fetch(`${server.url}/ui/nodes/edge-1`)).text();
    assert.match(nodePage, /data-state="held">held \(waiting for its wave\)</);

    const second = server.store.current?.fleet.revision;
    assert.equal(await poll("cp-1"), second);
    assert.equal(await poll("cp-2"), first);
    const polled = await api();
    assert.equal(polled.nodes["cp-1"]?.state, "current");
    assert.equal(polled.nodes["cp-2"]?.state, "held");
  });

  it("after an abort every held node is rolled back; the canary is behind until it fetches its previous document", async () => {
    const abort = await fetch(`${server.url}/api/rollout/abort`, { method: "POST" });
    assert.equal(abort.status, 200, await abort.text());
    const { nodes } = await api();
    assert.equal(nodes["cp-1"]?.state, "behind");
    assert.match(
      nodes["cp-1"]?.reason ?? "",
      new RegExp(`; it is served revision ${shortRevision(first)} \\(the rollout was rolled back`),
    );
    for (const n of ["cp-2", "edge-1"]) assert.equal(nodes[n]?.state, "rolled-back", n);
    assert.equal(await poll("cp-1"), first);
    const back = await api();
    assert.equal(back.nodes["cp-1"]?.state, "rolled-back");
    assert.match(
      back.nodes["cp-1"]?.reason ?? "",
      /^the rollout was rolled back: it is served its previous document/,
    );
    const metric = await nodesMetric();
    assert.equal(metric["rolled_back"], 3);
    assert.equal(metric["held"], 0);
    assert.match(await (await fetch(`${server.url}/`)).text(), /data-node="cp-1" data-state="rolled-back"/);
  });
});
