import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { silentLogger } from "../../src/lib/logger.js";
import { LeaderLease } from "../../src/replicas/leader-lease.js";
import { createPool, postgresTarget } from "../../src/store/postgres/connection.js";
import { PostgresStore } from "../../src/store/postgres/pg-store.js";
import { postgresSkip, startPgCluster, type PgCluster } from "../helpers/postgres.js";

const skip = postgresSkip();

describe("the leader lease", { skip }, () => {
  let cluster: PgCluster;
  let store: PostgresStore;
  before(async () => {
    cluster = await startPgCluster();
    store = await PostgresStore.open(createPool(await postgresTarget(await cluster.createDatabase("lease"))));
  });
  after(async () => {
    await store.close();
    await cluster.remove();
  });

  it("one holder at a time; an expired lease is taken over, a released one at once", async () => {
    let now = 0;
    const lease = (id: string) =>
      new LeaderLease({ pool: store.pool, id, logger: silentLogger(), ttlMs: 400, local: () => now });
    const a = lease("a");
    const b = lease("b");
    await a.renew();
    await b.renew();
    assert.equal(a.isLeader(), true);
    assert.equal(b.isLeader(), false);
    // a stops renewing; b takes over only once the lease expired on the database's clock.
    await new Promise((r) => setTimeout(r, 500));
    now += 500;
    assert.equal(a.isLeader(), false, "a's own clock says its lease is over");
    await b.renew();
    assert.equal(b.isLeader(), true);
    await a.renew();
    assert.equal(a.isLeader(), false);
    await b.stop();
    await a.renew();
    assert.equal(a.isLeader(), true);
    await a.stop();
  });
});
