// Rollouts with real agents on real podman: a fleet in a git repository with a canary wave, one agent instance per
// node. A good change reaches the canary, then the others; a change whose image cannot be pulled fails on the canary,
// its agent's report rolls the rollout back there, the canary runs its previous pod again, and no other agent ever
// fetches the broken document or has its pod touched.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { HASH_KEY, INSTANCE_KEY } from "../../src/runtime/driver.js";
import { createPodmanDriver } from "../../src/runtime/podman.js";
import type { StoredReport } from "../../src/server/fleet-view/agent-reports.js";
import { startServer, type RunningServer } from "../../src/server/start.js";
import { createGitSource } from "../../src/source/git-source.js";
import { gitEnv } from "../../src/source/git.js";
import { createGitFixture, GIT_TEST_ENV, type GitFixture } from "../helpers/git.js";
import { detectPodman, podmanPods, removeInstancePods, TEST_IMAGE, uniqueName } from "../helpers/podman.js";
import { agentFor, canaryFleet, untilRollout } from "./agents.js";

const podman = detectPodman();
// Podman pod names (`app-<node>`) are host-wide: node names and agent instances are this run's alone.
const NODES = ["cp-1", "cp-2", "edge-1", "edge-2"].map((n) => uniqueName(n));
const CANARY = NODES[0] ?? "";
const INSTANCES = new Map(NODES.map((n) => [n, uniqueName("rollout-podman")]));
/** A registry that does not exist: pulling from it is refused at once, as a mistyped registry would be. */
const UNPULLABLE = "localhost:1/manifest-agent-e2e/missing:1";
const SUBDIR = "podman-fleet";
const FLEET = canaryFleet({
  nodes: NODES,
  canary: CANARY,
  soak: "1s",
  deadline: "20s",
  onFailure: "rollback",
});

/** The one pod of the fleet, labelled with its version; busybox from local storage unless `image` says otherwise. */
function appPod(version: number, image = TEST_IMAGE, pull = "Never"): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "app", labels: { version: String(version) } },
    spec: {
      hostNetwork: true,
      terminationGracePeriodSeconds: 0,
      containers: [{ name: "main", image, imagePullPolicy: pull, command: ["sleep", "3600"] }],
    },
  });
}

/** What the server saw, in order: every document it served and every report it received. */
type Seen =
  { kind: "served"; node: string; revision: string } | { kind: "report"; node: string; report: StoredReport };

describe("rollouts with real agents on podman", { skip: podman.skip }, () => {
  let fx: GitFixture | undefined;
  let server: RunningServer | undefined;
  const seen: Seen[] = [];
  const waiters: Array<() => void> = [];
  const stop = new AbortController();
  const runs: Array<Promise<void>> = [];

  const running = (): RunningServer => {
    assert.ok(server !== undefined);
    return server;
  };
  const commit = async (version: number, image?: string, pull?: string): Promise<void> => {
    assert.ok(fx !== undefined);
    await fx.change(
      { [`${SUBDIR}/fleet.yaml`]: FLEET, [`${SUBDIR}/common/app.yaml`]: appPod(version, image, pull) },
      `app version ${version}`,
    );
  };
  /** Commits and pushes this version of the app, and has the server fetch it now; resolves with its revision. */
  const push = async (version: number, image?: string, pull?: string): Promise<string> => {
    await commit(version, image, pull);
    const synced = await running().sync?.();
    assert.equal(synced?.outcome, "published", JSON.stringify(synced));
    return running().store.current?.fleet.revision ?? "";
  };
  /** The node's latest report once it satisfies `ok`, waiting for reports as they arrive. */
  const reported = async (node: string, ok: (r: StoredReport) => boolean): Promise<StoredReport> => {
    for (;;) {
      const r = running().fleetView.reports.get(node);
      if (r !== undefined && ok(r)) return r;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  /** The node's pod in podman, found by its agent's instance label: exactly one. */
  const podOf = (node: string) => {
    const pods = podmanPods(podman.env, `${INSTANCE_KEY}=${INSTANCES.get(node) ?? ""}`);
    assert.deepEqual(
      pods.map((p) => p.name),
      [`app-${node}`],
      `${node}'s agent runs exactly its app pod`,
    );
    return pods[0] ?? assert.fail();
  };
  const nodesServed = (revision: string) => [
    ...new Set(seen.filter((s) => s.kind === "served" && s.revision === revision).map((s) => s.node)),
  ];

  before(async () => {
    fx = await createGitFixture();
    await commit(1);
    const source = createGitSource({
      repo: fx.remote,
      subdir: SUBDIR,
      cacheDir: fx.cacheDir,
      cwd: fx.root.path,
      env: gitEnv(GIT_TEST_ENV, true),
      pollMs: 0,
    });
    server = await startServer({ git: { source }, listen: "127.0.0.1:0", rollout: { tickMs: 50 } });
    assert.equal(server.firstLoad.kind, "published", JSON.stringify(server.firstLoad));
    server.fleetView.ledger.onServed((node, r) => seen.push({ kind: "served", node, revision: r.revision }));
    server.fleetView.reports.onReceive((node, report) => {
      seen.push({ kind: "report", node, report });
      for (const wake of waiters.splice(0)) wake();
    });
    const revision = server.store.current?.fleet.revision;
    for (const n of NODES) {
      const driver = createPodmanDriver({ instance: INSTANCES.get(n) ?? "", env: podman.env });
      // Every pass lists the host's podman pods: twice a second is quick enough and spares a shared machine.
      const agent = agentFor(server.url, n, driver, { intervalMs: 500, maxBackoffMs: 1000 });
      runs.push(agent.run(stop.signal));
    }
    for (const n of NODES) await reported(n, (r) => r.revision === revision && r.converged);
  });

  after(async () => {
    stop.abort();
    await Promise.all(runs);
    await server?.close();
    for (const instance of INSTANCES.values()) removeInstancePods(podman.env, instance);
    await fx?.remove();
    for (const instance of INSTANCES.values())
      assert.deepEqual(podmanPods(podman.env, `${INSTANCE_KEY}=${instance}`), [], `${instance} left pods`);
  });

  it("a good change reaches the canary first, then the others one at a time, each pod really running", async () => {
    const before = new Map(NODES.map((n) => [n, podOf(n)]));
    const to = await push(2);
    await untilRollout(running(), to, "succeeded");
    const { rollout } = await running().rollouts.driver.snapshot();
    const events = rollout?.events ?? [];
    const switched = events.filter((e) => e.kind === "switched");
    assert.deepEqual(switched[0]?.nodes, [CANARY]);
    const canaryDone = events.findIndex((e) => e.kind === "wave-done" && e.wave === "canary");
    assert.ok(canaryDone > 0, JSON.stringify(events));
    for (const e of events.slice(0, canaryDone))
      if (e.kind === "switched")
        assert.deepEqual(e.nodes, [CANARY], "only the canary before its wave is done");
    for (const e of switched) assert.ok((e.nodes ?? []).length <= 1, `${e.wave}: ${String(e.nodes)}`);
    // What the agents did says the same: the canary's agent ran the new pod before any other node got the change.
    const canaryRan = seen.findIndex(
      (s) => s.kind === "report" && s.node === CANARY && s.report.revision === to && s.report.converged,
    );
    const othersFirst = seen.findIndex((s) => s.kind === "served" && s.node !== CANARY && s.revision === to);
    assert.ok(
      canaryRan >= 0 && othersFirst > canaryRan,
      `canary ran at ${canaryRan}, others got it at ${othersFirst}`,
    );
    assert.deepEqual(nodesServed(to).sort(), [...NODES].sort());
    for (const n of NODES) {
      const pod = podOf(n);
      assert.equal(pod.status, "Running", n);
      assert.equal(pod.labels.version, "2", n);
      assert.notEqual(pod.id, before.get(n)?.id, `${n}'s pod was replaced`);
    }
  });

  it("an image that cannot be pulled stops at the canary: its agent's report rolls it back, no one else gets it", async () => {
    const good = running().store.current?.fleet.revision ?? "";
    const before = new Map(NODES.map((n) => [n, podOf(n)]));
    const bad = await push(3, UNPULLABLE, "IfNotPresent");
    const r = await untilRollout(running(), bad, "rolled-back");
    assert.match(r.reason ?? "", new RegExp(CANARY));
    const canaryReason = r.nodes.get(CANARY)?.reason ?? "";
    // Replaced at the first attempt (the old pod is removed first), added at the retries.
    assert.match(canaryReason, /agent reports app could not be (replaced|added)/);
    assert.match(canaryReason, /localhost:1\/manifest-agent-e2e\/missing:1/);
    for (const n of NODES.slice(1)) assert.equal(r.nodes.get(n)?.step, "waiting", `${n} never switched`);

    // Server side: only the canary was ever served the broken document, only its agent reported it.
    assert.deepEqual(nodesServed(bad), [CANARY]);
    const reportedBad = seen
      .filter((s) => s.kind === "report" && s.report.revision === bad)
      .map((s) => s.node);
    assert.deepEqual([...new Set(reportedBad)], [CANARY]);

    // The canary's agent gets its previous document back and runs the previous pod again.
    await reported(CANARY, (rep) => rep.revision === good && rep.converged);
    const canary = podOf(CANARY);
    assert.equal(canary.status, "Running");
    assert.equal(canary.labels.version, "2");
    assert.equal(canary.labels[HASH_KEY], before.get(CANARY)?.labels[HASH_KEY]);
    // The other nodes' pods were never touched: the same podman pods, still running.
    for (const n of NODES.slice(1)) {
      const pod = podOf(n);
      assert.equal(pod.id, before.get(n)?.id, `${n}'s pod is the same podman pod`);
      assert.equal(pod.status, "Running", n);
    }
  });
});
