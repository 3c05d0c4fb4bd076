// The shared fleet view on a real PostgreSQL: what one replica records shows on the others, and the write rate
// of 100,000 nodes polling every 20 s through three replicas (the README quotes this test's numbers).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { silentLogger } from "../../src/lib/logger.js";
import { AgentReports } from "../../src/server/fleet-view/agent-reports.js";
import { FetchLedger } from "../../src/server/fleet-view/fetch-ledger.js";
import { SharedFleetView } from "../../src/server/fleet-view/shared-view.js";
import { createPool, postgresTarget } from "../../src/store/postgres/connection.js";
import { PostgresStore } from "../../src/store/postgres/pg-store.js";
import { postgresSkip, startPgCluster, type PgCluster } from "../helpers/postgres.js";
import { fetchAt } from "../helpers/fleet-view.js";

const skip = postgresSkip();

describe("shared fleet view on PostgreSQL", { skip }, () => {
  let cluster: PgCluster;
  const stores: PostgresStore[] = [];
  before(async () => {
    cluster = await startPgCluster();
  });
  after(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await cluster.remove();
  });
  const replicas = async (db: string, count: number) => {
    const url = await cluster.createDatabase(db);
    const out = [];
    for (let i = 0; i < count; i++) {
      const store = await PostgresStore.open(createPool(await postgresTarget(url)));
      stores.push(store);
      const ledger = new FetchLedger();
      const reports = new AgentReports();
      const view = new SharedFleetView({ store, ledger, reports, logger: silentLogger() });
      out.push({ ledger, reports, view });
    }
    return out;
  };

  it("a fetch and a report kept by one replica are read back by another; stored garbage is ignored", async () => {
    const [a, b] = await replicas("view", 2);
    assert.ok(a !== undefined && b !== undefined);
    a.view.noteFetch("cp-1", fetchAt(1000));
    a.reports.receive("cp-1", {
      revision: "r1",
      etag: '"e1"',
      converged: true,
      pods: [],
      errors: [],
      receivedAt: 2000,
      address: "10.0.0.1",
      userAgent: "manifest-agent/1",
    });
    await a.view.flush();
    await stores[0]?.putNodeRecords("fetch", [["cp-2", { not: "a fetch" }]]);
    await b.view.pull();
    assert.deepEqual(b.ledger.get("cp-1"), fetchAt(1000));
    assert.equal(b.reports.get("cp-1")?.receivedAt, 2000);
    assert.equal(b.ledger.get("cp-2"), undefined);
    // An older record from the store never replaces a newer one this replica answered itself.
    b.ledger.record("cp-1", fetchAt(5000));
    await b.view.pull();
    assert.equal(b.ledger.get("cp-1")?.at, 5000);
  });

  it("100,000 nodes polling every 20 s through three replicas cost about one row per node per minute", async (t) => {
    const views = await replicas("rate", 3);
    const nodes = 100_000;
    const pollMs = 20_000;
    const stepMs = 250;
    const seconds = 150;
    const rowsAt: number[] = [];
    let polls = 0;
    for (let now = 0; now < seconds * 1000; now += stepMs) {
      // Node k polls at k * pollMs / nodes + m * pollMs, through replica (poll number mod 3).
      const from = Math.ceil(((now % pollMs) * nodes) / pollMs);
      const to = Math.ceil((((now % pollMs) + stepMs) * nodes) / pollMs);
      for (let k = from; k < to; k++) {
        views[polls++ % 3]?.view.noteFetch(`node-${k}`, fetchAt(now));
      }
      await Promise.all(views.map((v) => v.view.flush()));
      if ((now / stepMs) % 2 === 1) await Promise.all(views.map((v) => v.view.pull()));
      if (now % 1000 === 0) rowsAt.push(views.reduce((n, v) => n + v.view.counters.rowsWritten, 0));
    }
    const total = views.reduce((n, v) => n + v.view.counters.rowsWritten, 0);
    const batches = views.reduce((n, v) => n + v.view.counters.batches, 0);
    // Steady state (every node seen once, then two whole refresh periods): a row per node per minute, whichever
    // replica the node hits.
    const steady = ((rowsAt[140] ?? 0) - (rowsAt[20] ?? 0)) / 120;
    t.diagnostic(
      JSON.stringify({
        nodes,
        pollMs,
        seconds,
        polls,
        rows: total,
        batches,
        steadyRowsPerSecond: Math.round(steady),
      }),
    );
    assert.ok(polls >= (nodes * seconds * 1000) / pollMs - nodes);
    assert.ok(steady < (nodes / 60) * 1.2, `steady ${steady} rows/s`);
    // Each node: its first fetch, then one refresh per full minute; never a row per poll.
    assert.ok(total <= nodes * (1 + Math.floor(seconds / 60)), `${total} rows for ${polls} polls`);
  });
});
