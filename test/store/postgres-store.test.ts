import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { RolloutEvent } from "../../src/rollout/state.js";
import { createPool, postgresTarget, redactUrl } from "../../src/store/postgres/connection.js";
import { MIGRATIONS } from "../../src/store/postgres/migrations.js";
import { PostgresStore } from "../../src/store/postgres/pg-store.js";
import { postgresSkip, startPgCluster, type PgCluster } from "../helpers/postgres.js";
import { stateNumber } from "./states.js";

const skip = postgresSkip();
const event = (n: number, rollout = "1"): RolloutEvent => ({
  rollout,
  at: n,
  actor: "planner",
  kind: "switched",
  message: `event ${n}`,
});

describe("PostgreSQL state store", { skip }, () => {
  let cluster: PgCluster;
  let databases = 0;
  const opened: PostgresStore[] = [];
  before(async () => {
    cluster = await startPgCluster();
  });
  after(async () => {
    await Promise.all(opened.map((s) => s.close()));
    await cluster.remove();
  });
  const open = async (url?: string): Promise<PostgresStore> => {
    const target = await postgresTarget(url ?? (await cluster.createDatabase(`store_${++databases}`)));
    const store = await PostgresStore.open(createPool(target));
    opened.push(store);
    return store;
  };

  it("stores a rollout with compare-and-set, numbers events, keeps node records; another replica reads the same", async () => {
    const url = await cluster.createDatabase("shared");
    const a = await open(url);
    const b = await open(url);
    assert.deepEqual(await a.readRollout(), { version: 0, state: undefined });
    assert.deepEqual(await a.commitRollout(0, stateNumber(1), [event(1), event(2)]), {
      ok: true,
      version: 1,
    });
    // b last saw version 0: its compare-and-set loses, whatever it cached.
    assert.deepEqual(await b.commitRollout(0, stateNumber(2), [event(3)]), { ok: false, version: 1 });
    assert.deepEqual(await b.readRollout(), { version: 1, state: stateNumber(1) });
    assert.deepEqual(await b.commitRollout(1, stateNumber(2), [event(3, "2")]), { ok: true, version: 2 });
    assert.deepEqual(await a.readRollout(), { version: 2, state: stateNumber(2) });
    assert.deepEqual(
      (await a.readEvents({ rollout: "1" })).map((e) => e.seq),
      [1, 2],
    );
    assert.deepEqual(
      (await b.readEvents({ afterSeq: 1, limit: 1 })).map((e) => e.message),
      ["event 2"],
    );
    assert.deepEqual(await a.commitRollout(2, undefined, []), { ok: true, version: 3 });
    assert.deepEqual(await b.readRollout(), { version: 3, state: undefined });

    await a.putNodeRecords("fetch", [
      ["cp-1", { at: 5, etag: '"x"' }],
      ["cp-1", { at: 6, etag: '"y"' }],
    ]);
    await b.putNodeRecords("report", [["cp-1", { converged: true }]]);
    assert.deepEqual(await b.readNodeRecords("fetch"), new Map([["cp-1", { at: 6, etag: '"y"' }]]));
    const first = await b.readNodeRecordsSince("fetch", 0);
    await a.putNodeRecords("fetch", [["w-1", { at: 7 }]]);
    const next = await b.readNodeRecordsSince("fetch", first.cursor);
    assert.deepEqual(next.records, new Map([["w-1", { at: 7 }]]));
  });

  it("of two concurrent compare-and-sets on one version exactly one wins, many times over", async () => {
    const url = await cluster.createDatabase("race");
    const [a, b] = [await open(url), await open(url)];
    for (let v = 0; v < 20; v++) {
      const results = await Promise.all([
        a.commitRollout(v, stateNumber(v + 1), [event(v, "a")]),
        b.commitRollout(v, stateNumber(v + 100), [event(v, "b")]),
      ]);
      assert.equal(results.filter((r) => r.ok).length, 1, JSON.stringify(results));
      await Promise.all([a.readRollout(), b.readRollout()]);
    }
    assert.equal((await a.readEvents()).length, 20);
  });

  it("migrates once when several replicas start at the same time", async () => {
    const url = await cluster.createDatabase("migrate");
    const stores = await Promise.all([1, 2, 3, 4].map(() => open(url)));
    const client = await cluster.connect("migrate");
    try {
      const r = await client.query<{ version: number }>("SELECT version FROM schema_version");
      assert.deepEqual(r.rows, [{ version: MIGRATIONS.length }]);
    } finally {
      await client.end();
    }
    assert.deepEqual(await stores[3]?.readRollout(), { version: 0, state: undefined });
  });

  it("publishes a commit that changes served documents with an effective time D after its DB now", async () => {
    const url = await cluster.createDatabase("decisions");
    const target = await postgresTarget(url);
    const leader = await PostgresStore.open(createPool(target), { delayMs: 60_000, writer: "leader" });
    opened.push(leader);
    const follower = await open(url);
    const before = { "node-1": { revision: "a".repeat(40), etag: '"from-1"' } };
    const first = await leader.commitRollout(0, stateNumber(1), []);
    assert.deepEqual(first, { ok: true, version: 1 });
    const second = await leader.commitRollout(1, stateNumber(2), [], before);
    assert.ok(second.ok && second.effectiveAt !== undefined);
    const read = await follower.readRollout();
    assert.equal(read.version, 2);
    assert.deepEqual(read.pending, [{ version: 2, effectiveAt: second.effectiveAt, before }]);
    const client = await cluster.connect("decisions");
    try {
      const r = await client.query<{ ahead: number }>(
        `SELECT extract(epoch FROM effective_at - clock_timestamp()) * 1000 AS ahead
         FROM ms_publication WHERE kind = 'rollout'`,
      );
      const ahead = Number(r.rows[0]?.ahead);
      assert.ok(ahead > 50_000 && ahead <= 60_000, String(ahead));
    } finally {
      await client.end();
    }
  });

  it("never shows the password of the URL", () => {
    assert.equal(redactUrl("postgres://app:s3cret@db:5432/fleet"), "postgres://app:***@db:5432/fleet");
    assert.equal(redactUrl("postgres://db/fleet?password=s3cret"), "postgres://db/fleet?password=***");
    assert.doesNotMatch(redactUrl("postgres://a:s3cret@[bad"), /s3cret/);
  });
});
