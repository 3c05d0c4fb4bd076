// A server that lacks the documents a rollout holds nodes on (a replica started mid-rollout, a lost document pack)
// answers 503 for those nodes until it has re-rendered exactly the stored bytes, and never serves them the
// current revision instead.
import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { loadFleet } from "../../src/fleet/load-fleet.js";
import { joined } from "../../src/lib/shared-bytes.js";
import { DocumentPack, type HeldDocument } from "../../src/rollout/document-pack.js";
import { HeldRecovery, reproduceFrom } from "../../src/revisions/held-recovery.js";
import { RolloutDriver } from "../../src/revisions/rollout-driver.js";
import { RevisionStore } from "../../src/revisions/revision-store.js";
import { nodeEtag } from "../../src/server/documents/etag.js";
import { NodeSelection } from "../../src/server/documents/node-selection.js";
import type { Snapshot } from "../../src/source/source.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import { canaryFleetFiles, tempDir } from "../helpers/fleet.js";
import { capturedLog } from "../helpers/log-lines.js";

const snapshot = (revision: string, image: string): Snapshot => ({
  revision,
  files: canaryFleetFiles(image),
  meta: {},
});

function loaded(s: Snapshot) {
  const r = loadFleet(s.files, { revision: s.revision });
  assert.ok(r.ok);
  return { fleet: r.fleet, loadedAt: new Date(0), meta: {} };
}

interface DriverSetup {
  isLeader: boolean;
  state: MemoryStore;
  pack?: DocumentPack;
  /** The commits this server can read; undefined: none (no reproduction at all). */
  commits?: Map<string, Snapshot>;
  /** Reading a commit waits for this first. */
  gate?: Promise<void>;
}

async function driverWith(o: DriverSetup) {
  const revisions = new RevisionStore();
  const selection = new NodeSelection();
  const log = capturedLog();
  const commits = o.commits;
  const driver = await RolloutDriver.open({
    revisions,
    state: o.state,
    pack: o.pack,
    reproduce:
      commits === undefined
        ? undefined
        : reproduceFrom({
            read: async (rev) => {
              await o.gate;
              const s = commits.get(rev);
              if (s === undefined) throw new Error(`commit ${rev} cannot be fetched`);
              return s;
            },
            current: () => revisions.current?.fleet,
            etagOf: nodeEtag,
          }),
    selection,
    etagOf: nodeEtag,
    fetches: new Map(),
    reports: new Map(),
    logger: log.logger,
    tickMs: 0,
    now: () => 1000,
    isLeader: () => o.isLeader,
  });
  return { revisions, selection, driver, log };
}

const r1 = snapshot("r1", "example/app:1");
const r2 = snapshot("r2", "example/app:2");
const r3 = snapshot("r3", "example/app:3");

/** A leader on `state` that rolled r1 → r2: `a` switched (canary), `b` and `c` held on r1. */
async function leaderOnR2(state: MemoryStore, pack?: DocumentPack) {
  const leader = await driverWith({ isLeader: true, state, ...(pack === undefined ? {} : { pack }) });
  leader.revisions.publish(loaded(r1));
  leader.revisions.publish(loaded(r2));
  await leader.driver.idle();
  assert.equal(leader.selection.get("b")?.revision, "r1");
  assert.equal(leader.selection.get("a"), undefined);
  return leader;
}

describe("held documents this server lacks", () => {
  it("a replica started mid-rollout answers 503 for held nodes, then the leader's exact bytes", async () => {
    const state = new MemoryStore();
    const leader = await leaderOnR2(state);
    const fresh = await driverWith({ isLeader: false, state, commits: new Map([["r1", r1]]) });
    fresh.revisions.publish(loaded(r2));
    // From the first answer: b and c wait for their r1 documents, never r2's; a is served r2.
    for (const n of ["b", "c"]) {
      assert.equal(fresh.selection.isPending(n), true);
      assert.equal(fresh.selection.get(n), undefined);
      // The fleet view still sees it held on r1 (not behind on r2), bytes or not.
      assert.deepEqual(fresh.selection.hold(n), {
        revision: "r1",
        etag: leader.selection.get(n)?.etag,
        rolledBack: false,
      });
    }
    assert.equal(fresh.selection.isPending("a"), false);
    await fresh.driver.settled();
    for (const n of ["b", "c"]) {
      assert.equal(fresh.selection.isPending(n), false);
      const theirs = leader.selection.get(n);
      const ours = fresh.selection.get(n);
      assert.equal(ours?.revision, "r1");
      assert.equal(ours?.etag, theirs?.etag);
      assert.ok(joined(ours?.json ?? []).equals(joined(theirs?.json ?? [])));
    }
    assert.equal(fresh.selection.get("a"), undefined);
    // The next tick re-reads the state: nothing is asked again, nothing is lost.
    await fresh.driver.tick();
    assert.equal(fresh.selection.get("b")?.revision, "r1");
    assert.ok(fresh.log.lines.some((l) => /held documents re-rendered/.test(l.msg)));
    await fresh.driver.close();
    await leader.driver.close();
  });

  it("a newer revision published while a held document loads keeps the node waiting for it, not on the previous revision", async () => {
    const state = new MemoryStore();
    const leader = await leaderOnR2(state);
    let open = () => {};
    const gate = new Promise<void>((r) => (open = r));
    const fresh = await driverWith({ isLeader: false, state, commits: new Map([["r1", r1]]), gate });
    fresh.revisions.publish(loaded(r2));
    assert.equal(fresh.selection.isPending("b"), true);
    fresh.revisions.publish(loaded(r3));
    // b was never served r2 here: from the first answer on r3 and after the step, it still waits for r1.
    for (const step of ["published", "stepped"]) {
      assert.equal(fresh.selection.isPending("b"), true, step);
      assert.equal(fresh.selection.get("b"), undefined, step);
      await fresh.driver.idle();
    }
    open();
    await fresh.driver.settled();
    assert.equal(fresh.selection.get("b")?.revision, "r1");
    assert.equal(fresh.selection.get("b")?.etag, leader.selection.get("b")?.etag);
    await fresh.driver.close();
    await leader.driver.close();
  });

  it("a held document whose commit cannot be read stays 503 (never the current revision), with an error logged", async () => {
    const state = new MemoryStore();
    const leader = await leaderOnR2(state);
    const fresh = await driverWith({ isLeader: false, state, commits: new Map() });
    fresh.revisions.publish(loaded(r2));
    await fresh.driver.settled();
    await fresh.driver.tick();
    for (const n of ["b", "c"]) {
      assert.equal(fresh.selection.isPending(n), true);
      assert.equal(fresh.selection.get(n), undefined);
    }
    const errors = fresh.log.lines.filter((l) => l.level >= 50);
    assert.equal(errors.length, 1, "logged once, not on every tick");
    assert.match(errors[0]?.msg ?? "", /rollout document lost: cannot read the revision of held documents/);
    await fresh.driver.close();
    await leader.driver.close();
  });

  it("an unreadable commit is read again only after the retry delay, and its failure logged as an error once", async () => {
    let now = 0;
    let reads = 0;
    let readable = false;
    const found: HeldDocument[] = [];
    const log = capturedLog();
    const recovery = new HeldRecovery({
      reproduce: reproduceFrom({
        read: (rev) => {
          reads++;
          return readable && rev === "r1" ? Promise.resolve(r1) : Promise.reject(new Error("gone"));
        },
        current: () => undefined,
        etagOf: nodeEtag,
      }),
      found: (docs) => found.push(...docs),
      logger: log.logger,
      now: () => now,
      retryMs: 1000,
    });
    const b = loaded(r1).fleet.nodes.get("b");
    assert.ok(b !== undefined);
    const wanted = new Map([["b", { revision: "r1", etag: nodeEtag(b) }]]);
    for (const [at, open] of [
      [0, false],
      [999, true],
      [1000, false],
      [2000, true],
    ] as const) {
      now = at;
      readable = open;
      recovery.want(wanted);
      await recovery.idle();
    }
    assert.equal(reads, 3, "not read again within the retry delay");
    assert.deepEqual(
      found.map((d) => [d.revision, d.etag]),
      [["r1", nodeEtag(b)]],
    );
    assert.ok(joined(found[0]?.json ?? []).equals(b.json));
    assert.equal(log.lines.filter((l) => l.level >= 50).length, 1);
    await recovery.close();
  });

  it("a re-rendered document with another ETag is not served: 503, and an error says why", async () => {
    const state = new MemoryStore();
    const leader = await leaderOnR2(state);
    // What this server reads as r1 renders other bytes than the r1 the leader served.
    const fresh = await driverWith({
      isLeader: false,
      state,
      commits: new Map([["r1", snapshot("r1", "example/app:1-rebuilt")]]),
    });
    fresh.revisions.publish(loaded(r2));
    await fresh.driver.settled();
    assert.equal(fresh.selection.isPending("b"), true);
    assert.equal(fresh.selection.get("b"), undefined);
    assert.ok(fresh.log.lines.some((l) => /held documents cannot be reproduced here/.test(l.msg)));
    await fresh.driver.close();
    await leader.driver.close();
  });

  it("single server: a lost document pack makes held nodes 503 on a restart, not the newer revision", async () => {
    const dir = await tempDir("ms-held-");
    after(() => dir.remove());
    const state = new MemoryStore();
    const pack = new DocumentPack(dir.path);
    const first = await leaderOnR2(state, pack);
    await first.driver.close();
    await rm(join(dir.path, "documents.jsonl"));
    const second = await driverWith({ isLeader: true, state, pack });
    second.revisions.publish(loaded(r3));
    await second.driver.settled();
    // b and c were held on r1: the new rollout keeps them there, and without r1's bytes they answer 503.
    assert.equal(second.driver.state?.to, "r3");
    assert.equal(second.driver.state?.nodes.get("b")?.from.revision, "r1");
    for (const n of ["b", "c"]) {
      assert.equal(second.selection.isPending(n), true);
      assert.equal(second.selection.get(n), undefined);
    }
    // Logged once per revision: r1 (b and c), and r2 (the canary a, until the new rollout switched it to r3).
    const lost = second.log.lines.filter((l) => /rollout document lost/.test(l.msg));
    assert.deepEqual(lost.map((l) => [l["revision"], l["nodes"]]).sort(), [
      ["r1", 2],
      ["r2", 1],
    ]);
    assert.match(String(lost[0]?.["reason"]), /keeps no earlier revisions/);
    await second.driver.close();
    // With the commit readable (a git source), the restart re-renders r1 and keeps it in the pack again.
    const third = await driverWith({ isLeader: true, state, pack, commits: new Map([["r1", r1]]) });
    third.revisions.publish(loaded(r3));
    await third.driver.settled();
    assert.equal(third.selection.get("b")?.revision, "r1");
    assert.equal(third.selection.isPending("b"), false);
    const kept = await pack.read();
    assert.ok([...kept.values()].some((d) => d.revision === "r1"));
    await third.driver.close();
  });
});
