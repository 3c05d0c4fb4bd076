// Rollouts end to end: simulated kubelets poll through the server, health endpoints on port 0 answer the probes.
// A good change goes canary first then in batches; a broken one is rolled back at the canary and reaches no one else;
// the fix reaches everyone; a restart in the middle changes nothing any node sees.
import assert from "node:assert/strict";
import type { Server } from "node:http";
import { after, before, describe, it } from "node:test";
import { startServer, type RunningServer } from "../../src/server/start.js";
import { manualDirSource, tempDir, writeAppFleet, type TempDir } from "../helpers/fleet.js";
import { healthServer, SimKubelet } from "../helpers/kubelet-sim.js";
import { sample } from "../helpers/prometheus.js";

const NODES = ["cp-1", "cp-2", "cp-3", "edge-1", "edge-2", "edge-3", "edge-4", "edge-5"];

interface RolloutBody {
  rollout: {
    id: string;
    to: string;
    state: string;
    events: Array<{ at: string; kind: string; wave?: string; nodes?: string[]; actor: string }>;
  } | null;
}

async function writeFleet(
  dir: string,
  ports: Map<string, number>,
  image: string,
  soak: string,
): Promise<void> {
  const nodes = NODES.map(
    (n) =>
      `  ${n}: { labels: { role: "${n.startsWith("cp") ? "control-plane" : "edge"}" }, vars: { port: "${ports.get(n) ?? 0}" } }`,
  ).join("\n");
  await writeAppFleet(
    dir,
    image,
    `nodes:
${nodes}
rollout:
  waves:
    - { name: "canary", nodes: ["cp-1"], soak: "${soak}" }
    - { name: "control-plane", selector: { matchLabels: { role: "control-plane" } }, maxNodes: 1 }
    - { name: "everyone", maxNodes: 2 }
  health:
    probe: "http://127.0.0.1:{{ node.vars.port }}/readyz"
    deadline: "3s"
  onFailure: "rollback"
`,
  );
}

async function rollout(url: string): Promise<RolloutBody["rollout"]> {
  const res = await fetch(`${url}/api/rollout`);
  assert.equal(res.status, 200);
  return ((await res.json()) as RolloutBody).rollout;
}

/** Waits (polling the API, no time bound but the test's) until the rollout of `to` is in `state`. */
async function until(url: string, to: string, state: string): Promise<NonNullable<RolloutBody["rollout"]>> {
  for (;;) {
    const r = await rollout(url);
    if (r?.to === to && r.state === state) return r;
    if (r?.to === to && r.state !== "progressing")
      assert.fail(`rollout of ${to} ended ${r.state}, not ${state}: ${JSON.stringify(r.events.at(-1))}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("rollouts through the server, with simulated kubelets and health probes", () => {
  let fleet: TempDir;
  let state: TempDir;
  let server: RunningServer;
  const kubelets = new Map<string, SimKubelet>();
  const health: Server[] = [];
  const ports = new Map<string, number>();

  const start = () =>
    startServer({
      source: manualDirSource(fleet.path),
      listen: "127.0.0.1:0",
      stateDir: state.path,
      rollout: { tickMs: 20, probe: { intervalMs: 20, timeoutMs: 2000 } },
    });
  const push = async (image: string, soak = "200ms"): Promise<string> => {
    await writeFleet(fleet.path, ports, image, soak);
    const outcome = await server.follower.refresh();
    assert.equal(outcome.kind, "published", JSON.stringify(outcome));
    return server.store.current?.fleet.revision ?? "";
  };
  const allOn = async (revision: string) => {
    await Promise.all(
      [...kubelets.values()].map(async (k) => {
        while (k.current?.revision !== revision) await k.polled(1);
      }),
    );
  };
  /** When each node first got `revision` (index into the merged arrival order). */
  const arrivals = (revision: string) =>
    NODES.filter((n) => kubelets.get(n)?.got.some((g) => g.revision === revision));

  before(async () => {
    fleet = await tempDir("ms-rollout-fleet-");
    state = await tempDir("ms-rollout-state-");
    for (const n of NODES) {
      const h = await healthServer(() => kubelets.get(n));
      health.push(h.server);
      ports.set(n, h.port);
    }
    await writeFleet(fleet.path, ports, "example/app:1", "200ms");
    server = await start();
    for (const n of NODES) {
      const k = new SimKubelet(server.url, n);
      kubelets.set(n, k);
      k.start();
    }
    await allOn(server.store.current?.fleet.revision ?? "");
  });

  after(async () => {
    for (const k of kubelets.values()) k.stop();
    await server.close();
    for (const h of health) h.close();
    await fleet.remove();
    await state.remove();
  });

  it("a good change reaches the canary first, the rest in batches of at most maxNodes after the canary's soak", async () => {
    const to = await push("example/app:2");
    const done = await until(server.url, to, "succeeded");
    await allOn(to);
    const switched = done.events.filter((e) => e.kind === "switched");
    assert.deepEqual(switched[0]?.nodes, ["cp-1"]);
    const canaryDone = done.events.findIndex((e) => e.kind === "wave-done" && e.wave === "canary");
    assert.ok(canaryDone > 0);
    // Nothing but the canary switched before the canary's wave was done (healthy for its soak).
    for (const e of done.events.slice(0, canaryDone))
      if (e.kind === "switched") assert.deepEqual(e.nodes, ["cp-1"]);
    for (const e of switched) {
      const limit = e.wave === "everyone" ? 2 : 1;
      assert.ok((e.nodes ?? []).length <= limit, `${e.wave}: ${String(e.nodes)}`);
    }
  });

  it("a change that breaks the canary is rolled back there and no other node ever fetches it", async () => {
    const good = server.store.current?.fleet.revision ?? "";
    const canaryBefore = kubelets.get("cp-1")?.current;
    const bad = await push("example/broken:1");
    const r = await until(server.url, bad, "rolled-back");
    assert.ok(r.events.some((e) => e.kind === "node-failed" && e.nodes?.includes("cp-1")));
    assert.deepEqual(arrivals(bad), ["cp-1"]);
    // The canary is served its previous bytes again: same revision, same ETag.
    const canary = kubelets.get("cp-1");
    assert.ok(canary !== undefined);
    while (canary.current?.revision !== good) await canary.polled(1);
    assert.equal(canary.current.etag, canaryBefore?.etag);
    const res = await fetch(`${server.url}/nodes/cp-2`);
    assert.equal(res.headers.get("x-manifest-revision"), good);
    await res.arrayBuffer();
    // /metrics and /status say the same.
    const text = await (await fetch(`${server.url}/metrics`)).text();
    assert.equal(sample(text, "manifest_server_rollout_state", { state: "rolled-back" }), 1);
    assert.equal(sample(text, "manifest_server_rollout_nodes", { wave: "canary", step: "rolled-back" }), 1);
    assert.equal(
      sample(text, "manifest_server_rollout_nodes", { wave: "control-plane", step: "waiting" }),
      2,
    );
    const status = (await (await fetch(`${server.url}/status`)).json()) as {
      revision: { id: string };
      rollout: { state: string; to: string };
    };
    assert.equal(status.revision.id, bad);
    assert.deepEqual([status.rollout.state, status.rollout.to], ["rolled-back", bad]);
    // The dashboard shows it: waves, the failed node and why, the events.
    const page = await (await fetch(`${server.url}/`)).text();
    assert.match(page, /<section id="rollout" data-live data-state="rolled-back"/);
    assert.match(page, /data-wave="canary" data-status="stopped"/);
    assert.match(
      page.replace(/\s+/g, " "),
      /<li data-node="cp-1"> <code>cp-1<\/code> \(canary, rolled-back\): probe http:\/\/127\.0\.0\.1:\d+\/readyz answered 500/,
    );
    assert.match(page, /rolled back: cp-1 gets its previous document again/);
  });

  it("the fix after it rolls out to everyone", async () => {
    const fix = await push("example/app:3");
    await until(server.url, fix, "succeeded");
    await allOn(fix);
  });

  it("a restart of the server in the middle of a rollout changes nothing any node sees", async () => {
    const to = await push("example/app:4", "1h");
    // The canary switched and is soaking for an hour: every other node is held.
    await until(server.url, to, "progressing");
    const canary = kubelets.get("cp-1");
    assert.ok(canary !== undefined);
    while (canary.current?.revision !== to) await canary.polled(1);
    const seen = new Map(NODES.map((n) => [n, kubelets.get(n)?.current?.etag]));
    const before = await rollout(server.url);
    await server.close();
    server = await start();
    for (const k of kubelets.values()) k.base = server.url;
    await Promise.all([...kubelets.values()].map((k) => k.polled(3)));
    for (const n of NODES) assert.equal(kubelets.get(n)?.current?.etag, seen.get(n), n);
    const after = await rollout(server.url);
    assert.equal(after?.id, before?.id);
    assert.equal(after?.state, "progressing");
    // An operator ends the soak: everyone gets it.
    const res = await fetch(`${server.url}/api/rollout/promote`, { method: "POST", body: '{"by":"test"}' });
    assert.equal(res.status, 200, await res.text());
    await allOn(to);
    const again = await fetch(`${server.url}/api/rollout/pause`, { method: "POST" });
    assert.equal(again.status, 409);
    await again.text();
  });
});
