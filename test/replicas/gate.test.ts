import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DbClock } from "../../src/replicas/db-clock.js";
import { decide, mayChange, type Publication } from "../../src/replicas/gate.js";
import { SeqHistory } from "../../src/replicas/seq-history.js";

const pubs: Publication[] = [
  { seq: 1, revision: "a", effectiveAt: 1000 },
  { seq: 2, revision: "b", effectiveAt: 5000 },
];
const at = (lower: number, upper = lower) => ({ lower, upper });

describe("the replica gate", () => {
  it("serves the newest publication surely effective, and nothing before the first one", () => {
    const view = { publications: pubs, freshUntil: 10_000 };
    assert.deepEqual(decide(view, at(500)), {
      kind: "unavailable",
      reason: "unpublished",
      retryAfterMs: 1000,
    });
    assert.deepEqual(decide(view, at(1000)), { kind: "serve", revision: "a", seq: 1 });
    assert.deepEqual(decide(view, at(4999)), { kind: "serve", revision: "a", seq: 1 });
    assert.deepEqual(decide(view, at(5000)), { kind: "serve", revision: "b", seq: 2 });
  });

  it("refuses while the clock interval straddles an effective time, either way being possible", () => {
    const view = { publications: pubs, freshUntil: 10_000 };
    assert.equal(decide(view, at(4990, 5010)).kind, "unavailable");
    assert.deepEqual(decide(view, at(4980, 4999)), { kind: "serve", revision: "a", seq: 1 });
  });

  it("refuses once the last read of publications may have missed an effective change", () => {
    const view = { publications: pubs, freshUntil: 6000 };
    assert.deepEqual(decide(view, at(5990, 5999)), { kind: "serve", revision: "b", seq: 2 });
    assert.equal(decide(view, at(5990, 6000)).kind, "unavailable");
    assert.equal(decide({ publications: pubs, freshUntil: undefined }, at(5000)).kind, "unavailable");
    assert.equal(decide(view, undefined).kind, "unavailable");
  });
});

describe("the DB clock", () => {
  it("bounds the DB's now by the round trip of the last reading", () => {
    let local = 100;
    const clock = new DbClock(() => local);
    assert.equal(clock.bounds(), undefined);
    clock.observe({ sentAt: 100, receivedAt: 110, dbNow: 50_000 });
    local = 1110;
    assert.deepEqual(clock.bounds(), { lower: 51_000, upper: 51_010 });
  });
});

describe("the publication history", () => {
  it("says which publication was known at a past time", () => {
    const h = new SeqHistory();
    h.learned(10, 1);
    h.learned(20, 1);
    h.learned(30, 3);
    assert.equal(h.knownAt(5), 0);
    assert.equal(h.knownAt(25), 1);
    assert.equal(h.knownAt(30), 3);
    assert.equal(h.latest, 3);
  });
});

describe("the nodes a revision may change", () => {
  const changes = (base: number, ...nodes: string[]) => ({ base, nodes: new Set(nodes) });
  const published: Publication[] = [
    { seq: 1, revision: "a", effectiveAt: 1000, changes: null },
    { seq: 3, revision: "b", effectiveAt: 5000, changes: changes(1, "edge-1") },
    { seq: 4, revision: "c", effectiveAt: 6000, changes: changes(3, "edge-2") },
  ];

  it("lists only the nodes changed by the publications after the served one that may be effective", () => {
    assert.equal(mayChange(published, 1, "edge-1", at(5000)), true);
    assert.equal(mayChange(published, 1, "cp-1", at(5000)), false);
    // Publication 4 may be effective too: its nodes are added.
    assert.equal(mayChange(published, 1, "edge-2", at(5000)), false);
    assert.equal(mayChange(published, 1, "edge-2", at(5990, 6000)), true);
    assert.equal(mayChange(published, 3, "edge-1", at(6000)), false);
  });

  it("is any node when what changed is unknown: nothing served yet, an unlisted change, or a gap in the chain", () => {
    assert.equal(mayChange(published, undefined, "cp-1", at(5000)), true);
    const unlisted = published.map((p) => (p.seq === 3 ? { ...p, changes: null } : p));
    assert.equal(mayChange(unlisted, 1, "cp-1", at(5000)), true);
    const gap = published.filter((p) => p.seq !== 3);
    assert.equal(mayChange(gap, 1, "cp-1", at(6000)), true);
  });
});
