import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CompiledFleet, CompiledNode } from "../../src/fleet/load-fleet.js";
import type { HeldDocument } from "../../src/rollout/document-pack.js";
import type { PendingServing, TimeBounds } from "../../src/rollout/serving.js";
import { DecisionSchedule } from "../../src/revisions/decision-schedule.js";

const held = (revision: string): HeldDocument => ({
  revision,
  etag: `"${revision}"`,
  json: [Buffer.from(revision)],
});
const fleet = {
  nodes: new Map(["n1", "n2", "n3"].map((name) => [name, { name, json: Buffer.from("r2") }])),
} as unknown as CompiledFleet;
const etagOf = (node: CompiledNode) => `"${node.json.toString()}"`;
const kept = new Map([['"r1"', held("r1")]]);
const pending: PendingServing[] = [
  { version: 5, effectiveAt: 1000, before: { n1: { revision: "r1", etag: '"r1"' } } },
  { version: 6, effectiveAt: 2000, before: { n2: { revision: "r0", etag: '"r0"' } } },
];

describe("the schedule of stored decisions", () => {
  it("keeps each node of a decision not yet effective on its document before, refusing those it does not keep", () => {
    let now: TimeBounds | undefined = { lower: 500, upper: 510 };
    let due = 0;
    const schedule = new DecisionSchedule(
      () => now,
      () => due++,
    );
    // What the latest state holds: n3 on r1 (its decision is long effective).
    const holds = new Map([["n3", held("r1")]]);
    schedule.apply(holds, pending, fleet, (etag) => kept.get(etag), etagOf);
    assert.deepEqual([...holds.keys()].sort(), ["n1", "n3"]);
    assert.equal(holds.get("n1")?.revision, "r1");
    // r0 is not kept here: n2 is refused until its decision takes effect.
    assert.equal(schedule.unsure("n2", now, pending), true);
    assert.equal(schedule.unsure("n3", now, pending), false);
    assert.equal(schedule.unsure("n1", { lower: 995, upper: 1005 }, pending), true);
    assert.equal(due, 0);
    now = { lower: 1001, upper: 1010 };
    schedule.unsure("n3", now, pending);
    assert.equal(due, 1, "a request after the effective time switches");
    schedule.close();
  });

  it("without the clock, nothing pending counts as effective, and the first request with it switches", () => {
    const clock: { now?: TimeBounds } = {};
    let due = 0;
    const schedule = new DecisionSchedule(
      () => clock.now,
      () => due++,
    );
    const holds = new Map<string, HeldDocument>();
    schedule.apply(holds, pending, fleet, (etag) => kept.get(etag), etagOf);
    assert.equal(holds.get("n1")?.revision, "r1");
    clock.now = { lower: 3000, upper: 3010 };
    schedule.unsure("n1", clock.now, pending);
    assert.equal(due, 1);
    schedule.close();
  });
});
