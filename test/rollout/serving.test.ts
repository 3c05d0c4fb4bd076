import assert from "node:assert/strict";
import { Participants } from "../../src/rollout/participants.js";
import { describe, it } from "node:test";
import {
  nextEffective,
  notYetEffective,
  servingChanges,
  straddles,
  type PendingServing,
} from "../../src/rollout/serving.js";
import type { Participant, RolloutState } from "../../src/rollout/state.js";

const doc = (revision: string, etag = `"${revision}"`) => ({ revision, etag });
const participant = (step: Participant["step"]): Participant => ({
  wave: 0,
  from: doc("r1"),
  to: doc("r2"),
  step,
});
const state = (nodes: Record<string, Participant>): RolloutState => ({
  id: "1",
  from: "r1",
  to: "r2",
  phase: "progressing",
  wave: 0,
  startedAt: 0,
  policy: { waves: [] } as unknown as RolloutState["policy"],
  waves: [],
  nodes: Participants.fromRecord(nodes),
});

describe("decisions on served documents", () => {
  it("a step changes the nodes switched or rolled back, each with what it was served before", () => {
    const a = state({ n1: participant("waiting"), n2: participant("switched"), n3: participant("waiting") });
    const b = state({
      n1: participant("switched"),
      n2: participant("rolled-back"),
      n3: participant("waiting"),
    });
    const none = () => undefined;
    assert.deepEqual(servingChanges(["n1", "n2", "n3"], a, none, b, none), {
      n1: doc("r1"),
      n2: doc("r2"),
    });
  });

  it("a rollout ended at once gives every held node its revision's document", () => {
    const a = state({ n1: participant("waiting") });
    const target = (n: string) => (n === "n1" || n === "n2" ? doc("r3") : undefined);
    const previous = (n: string) => (n === "n2" ? doc("r3") : doc("r1"));
    assert.deepEqual(servingChanges(["n1", "n2"], a, previous, undefined, target), { n1: doc("r1") });
  });

  const pending: PendingServing[] = [
    { version: 2, effectiveAt: 1000, before: { n1: doc("r1") } },
    { version: 3, effectiveAt: 2000, before: { n1: doc("r2"), n2: doc("r1") } },
  ];

  it("until a decision takes effect, its nodes keep the document they had before the earliest one pending", () => {
    assert.deepEqual(
      notYetEffective(pending, 500),
      new Map([
        ["n1", doc("r1")],
        ["n2", doc("r1")],
      ]),
    );
    assert.deepEqual(
      notYetEffective(pending, 1000),
      new Map([
        ["n1", doc("r2")],
        ["n2", doc("r1")],
      ]),
    );
    assert.deepEqual(notYetEffective(pending, 2000), new Map());
    assert.equal(nextEffective(pending, 500), 1000);
    assert.equal(nextEffective(pending, 1000), 2000);
    assert.equal(nextEffective(pending, 2000), undefined);
  });

  it("a node is unsure only while the clock interval straddles a decision about it", () => {
    assert.equal(straddles(pending, "n2", { lower: 1990, upper: 2010 }), true);
    assert.equal(straddles(pending, "n2", { lower: 990, upper: 1010 }), false);
    assert.equal(straddles(pending, "n1", { lower: 990, upper: 1010 }), true);
    assert.equal(straddles(pending, "n1", { lower: 2000, upper: 2010 }), false);
  });
});
