// A rollout driven by the leader of three replicas on one PostgreSQL, with kubelets polling every replica in turn:
// each decision (a wave released, a node rolled back) takes effect on every replica at one agreed time, so no node
// is given an older document again except by a rollback, and a rollback goes back exactly once.
import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import type { Server } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { RunningServer } from "../../src/server/start.js";
import { writeAppFleet } from "../helpers/fleet.js";
import { createGitFixture, eventually, type GitFixture } from "../helpers/git.js";
import { canaryFleet } from "../e2e/agents.js";
import { healthServer } from "../helpers/kubelet-sim.js";
import { postgresSkip, startPgCluster, type PgCluster } from "../helpers/postgres.js";
import { RoundRobinKubelet, startReplica } from "./in-process.js";

const skip = postgresSkip();
const NODES = ["n-1", "n-2", "n-3", "n-4"];

function fleetYaml(ports: Map<string, number>): string {
  return canaryFleet({
    nodes: NODES,
    nodeValue: (n) => `{ vars: { port: "${ports.get(n) ?? 0}" } }`,
    canary: "n-1",
    soak: "500ms",
    probe: "http://127.0.0.1:{{ node.vars.port }}/readyz",
    deadline: "5s",
    onFailure: "rollback",
  });
}

interface RolloutBody {
  rollout: { to: string; state: string } | null;
}

describe("rollout decisions on replicas", { skip }, () => {
  let cluster: PgCluster;
  let fx: GitFixture;
  const replicas: RunningServer[] = [];
  const kubelets = new Map<string, RoundRobinKubelet>();
  const health: Server[] = [];
  const ports = new Map<string, number>();
  let first: string;

  /** Commits and pushes the fleet running `image`; resolves with the commit. */
  const pushImage = async (image: string): Promise<string> => {
    const dir = join(fx.work, "manifests");
    await rm(dir, { recursive: true, force: true });
    await writeAppFleet(dir, image, fleetYaml(ports));
    const sha = await fx.commit(`app ${image}`);
    await fx.push();
    return sha;
  };
  const rolloutOf = async (to: string, state: string): Promise<true> =>
    eventually(
      async () => {
        const res = await fetch(`${replicas[2]?.url}/api/rollout`);
        const body = (await res.json()) as RolloutBody;
        return body.rollout?.to === to && body.rollout.state === state ? true : undefined;
      },
      `the rollout of ${to} ${state}`,
      90_000,
    );
  /** Every kubelet polled every replica twice more (what a straggling replica would serve is seen). */
  const settle = () => Promise.all([...kubelets.values()].map((k) => k.polled(2 * replicas.length)));

  before(async () => {
    cluster = await startPgCluster();
    const storeUrl = await cluster.createDatabase("decisions");
    fx = await createGitFixture();
    for (const n of NODES) {
      const h = await healthServer(() => kubelets.get(n));
      health.push(h.server);
      ports.set(n, h.port);
    }
    first = await pushImage("example/app:1");
    for (let i = 0; i < 3; i++)
      replicas.push(
        await startReplica(i, {
          fx,
          storeUrl,
          delayMs: 1000,
          rollout: { probe: { intervalMs: 100, timeoutMs: 2000 } },
        }),
      );
    NODES.forEach((n, i) => {
      kubelets.set(n, new RoundRobinKubelet(n, () => replicas.map((r) => r.url), i));
    });
  });

  after(async () => {
    for (const k of kubelets.values()) await k.stop();
    for (const r of replicas) await r.close();
    for (const h of health) h.close();
    await fx?.remove();
    await cluster?.remove();
  });

  it("a wave-by-wave rollout, a rollback and an abort: each node's document never goes back except once by the rollback", async () => {
    await eventually(
      () => Promise.resolve([...kubelets.values()].every((k) => k.current?.revision === first) || undefined),
      "every node given the first revision",
    );

    const good = await pushImage("example/app:2");
    // The webhook reaches one replica only.
    assert.equal((await replicas[1]?.sync?.())?.outcome, "published");
    await rolloutOf(good, "succeeded");
    await eventually(
      () => Promise.resolve([...kubelets.values()].every((k) => k.current?.revision === good) || undefined),
      "every node given the good revision",
      30_000,
    );

    const bad = await pushImage("example/app:broken");
    assert.equal((await replicas[2]?.sync?.())?.outcome, "published");
    await rolloutOf(bad, "rolled-back");
    await eventually(
      () => Promise.resolve(kubelets.get("n-1")?.current?.revision === good || undefined),
      "the canary given the good revision again",
      30_000,
    );

    // An operator aborts the next rollout through a follower once the canary has it: switched nodes go back.
    const third = await pushImage("example/app:3");
    assert.equal((await replicas[0]?.sync?.())?.outcome, "published");
    await eventually(
      () => Promise.resolve(kubelets.get("n-1")?.current?.revision === third || undefined),
      "the canary given the third revision",
      30_000,
    );
    const leader = replicas.findIndex((r) => r.replicas?.isLeader() === true);
    const follower = replicas[(leader + 1) % replicas.length];
    // As an operator would: a 409 "another replica decided first" is retried.
    await eventually(
      async () => {
        const res = await fetch(`${follower?.url}/api/rollout/abort`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ by: "test" }),
        });
        const text = await res.text();
        if (res.status === 409 && text.includes('"conflict"')) return undefined;
        assert.equal(res.status, 200, text);
        return true;
      },
      "the abort taken",
      20_000,
    );
    await rolloutOf(third, "rolled-back");
    await eventually(
      () => Promise.resolve([...kubelets.values()].every((k) => k.current?.revision === good) || undefined),
      "every node given the good revision again",
      30_000,
    );
    await settle();

    const seen = new Map(NODES.map((n) => [n, kubelets.get(n)?.revisions()]));
    assert.deepEqual(seen.get("n-1"), [first, good, bad, good, third, good]);
    // The others may or may not have been switched before the abort; either way, back once.
    for (const n of NODES.slice(1)) {
      const got = seen.get(n);
      assert.ok(
        JSON.stringify(got) === JSON.stringify([first, good]) ||
          JSON.stringify(got) === JSON.stringify([first, good, third, good]),
        `${n}: ${JSON.stringify(got)}`,
      );
    }
  });
});
