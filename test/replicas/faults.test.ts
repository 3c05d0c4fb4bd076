// Faults of the shared database and of replicas: in each, no node sees its document go backwards, and the
// replicas converge once the fault is gone.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { eventually, git } from "../helpers/git.js";
import { postgresSkip, startPgCluster, type PgCluster } from "../helpers/postgres.js";
import {
  assertNeverBackwards,
  NODE,
  pollRoundRobin,
  startWorld,
  type Replica,
  type ReplicaWorld,
} from "./harness.js";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy.js";

const skip = postgresSkip();

async function revisionOf(r: Replica): Promise<string | undefined> {
  const res = await fetch(`${r.url}/nodes/${NODE}`).catch(() => undefined);
  await res?.arrayBuffer();
  return res?.status === 200 ? (res.headers.get("x-manifest-revision") ?? undefined) : undefined;
}

async function replicaStatus(r: Replica): Promise<{ leader: boolean; id: string } | undefined> {
  const res = await fetch(`${r.url}/status`).catch(() => undefined);
  if (res === undefined) return undefined;
  return ((await res.json()) as { replica: { leader: boolean; id: string } }).replica;
}

/** Every live replica serves `revision` to the node. */
function converged(replicas: Replica[], revision: string): Promise<true> {
  return eventually(
    async () =>
      (await Promise.all(replicas.map(revisionOf))).every((r) => r === revision) ? true : undefined,
    `every replica serving ${revision}`,
    30_000,
  );
}

describe("replica faults", { skip }, () => {
  let cluster: PgCluster;
  const worlds: ReplicaWorld[] = [];
  const proxies: TcpProxy[] = [];
  before(async () => {
    cluster = await startPgCluster();
  });
  after(async () => {
    for (const w of worlds) await w.stop();
    for (const p of proxies) await p.close();
    await cluster.remove();
  });
  /** Three replicas on a new database; the first `proxied` of them reach it through a TCP proxy. */
  const world = async (name: string, proxied = 0): Promise<{ w: ReplicaWorld; proxy: TcpProxy }> => {
    const proxy = await startTcpProxy(cluster.port);
    proxies.push(proxy);
    const viaProxy = cluster.url(name).replace(`:${cluster.port}/`, `:${proxy.port}/`);
    const storeUrls = Array.from({ length: proxied }, () => viaProxy);
    await cluster.createDatabase(name);
    const w = await startWorld(name, { cluster, storeUrls, createDatabase: false });
    worlds.push(w);
    return { w, proxy };
  };

  /**
   * A node polls `alive` round-robin from the initial revision on while `fault` runs (it returns the commits it
   * pushed, oldest first); afterwards every replica of `alive` serves the last one and the node never went back.
   */
  async function underFault(
    w: ReplicaWorld,
    alive: Replica[],
    fault: (node: ReturnType<typeof pollRoundRobin>) => Promise<string[]>,
  ): Promise<void> {
    const initial = await git(["rev-parse", "HEAD"], w.fx.work);
    const node = pollRoundRobin(() => alive.map((r) => r.url));
    try {
      await node.until(initial);
      const order = [initial, ...(await fault(node))];
      const last = order[order.length - 1] ?? initial;
      await node.until(last, 60_000);
      await converged(alive, last);
      assertNeverBackwards(node.revisions(), order);
    } finally {
      await node.stop();
    }
  }

  it("PostgreSQL stopped and restarted: replicas refuse rather than guess, then publish what was pushed meanwhile", async () => {
    const { w } = await world("pg_restart");
    await underFault(w, w.replicas, async (node) => {
      await cluster.stop();
      const pushed = await w.push(1);
      await w.hook(1);
      // With the database gone, the replicas stop serving after D: 503, never a guess.
      const from = node.seen.length;
      await eventually(
        () =>
          Promise.resolve(
            node.seen.slice(from).filter((o) => o.status === 503).length >= 3 ? true : undefined,
          ),
        "503s while the database is down",
      );
      await cluster.start();
      return [pushed];
    });
  });

  it("the leading replica killed with SIGKILL: another leads within seconds, and the others keep publishing", async () => {
    const { w } = await world("leader_kill");
    const leaderIndex = await eventually(async () => {
      const all = await Promise.all(w.replicas.map(replicaStatus));
      const leaders = all.flatMap((s, i) => (s?.leader === true ? [i] : []));
      return leaders.length === 1 ? leaders[0] : undefined;
    }, "one leader");
    const alive = w.replicas.filter((_, i) => i !== leaderIndex);
    await underFault(w, alive, async () => {
      w.replicas[leaderIndex]?.kill("SIGKILL");
      await w.replicas[leaderIndex]?.exited;
      await eventually(
        async () => {
          const all = await Promise.all(alive.map(replicaStatus));
          return all.filter((s) => s?.leader === true).length === 1 ? true : undefined;
        },
        "a new leader",
        20_000,
      );
      const pushed = await w.push(2);
      assert.equal(await w.hook(w.replicas.indexOf(alive[0] as Replica)), 200);
      return [pushed];
    });
  });

  it("a replica partitioned from the database answers 503 once unsure, never the old revision, and catches up", async () => {
    const { w, proxy } = await world("partition", 1);
    const cutReplica = w.replicas[0] as Replica;
    await underFault(w, w.replicas, async (node) => {
      proxy.cut();
      const pushed = await w.push(3);
      assert.equal(await w.hook(1), 200);
      await node.until(pushed);
      // The cut replica does not serve the old revision once the new one may be effective.
      await eventually(
        async () => ((await fetch(`${cutReplica.url}/nodes/${NODE}`)).status === 503 ? true : undefined),
        "503 from the cut replica",
      );
      proxy.restore();
      return [pushed];
    });
  });

  it("a slow database (every packet delayed): no document goes backwards, and the replicas converge", async () => {
    const { w, proxy } = await world("slow", 3);
    await underFault(w, w.replicas, async () => {
      proxy.delay(150);
      const pushed: string[] = [];
      for (let n = 4; n <= 5; n++) {
        pushed.push(await w.push(n));
        assert.equal(await w.hook(n % 3), 200);
      }
      proxy.delay(0);
      return pushed;
    });
  });
});
