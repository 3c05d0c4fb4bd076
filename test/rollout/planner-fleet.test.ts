import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startRollout } from "../../src/rollout/start.js";
import { servedDoc } from "../../src/rollout/state.js";
import { stepRollout } from "../../src/rollout/step.js";
import { start, startAB } from "./run.js";
import { doc, docs, policy, World } from "./world.js";

const MIN = 60_000;

/** A rollout of n1 and n2 from A to B, one wave; n1 has just fetched, n2 not. */
function twoNodeStart() {
  const world = new World();
  world.fetches.set("n1", { at: world.now, ...doc("A", "n1") });
  const input = {
    id: "1",
    rollout: policy([{ name: "a" }], { n1: 0, n2: 0 }),
    from: "A",
    to: "B",
    target: docs("B", ["n1", "n2"]),
    served: docs("A", ["n1", "n2"]),
    obs: world,
  };
  return { world, input };
}

describe("rollout planner: offline nodes and newer commits", () => {
  it("a node offline at the start does not hold its wave and gets the new document when its wave comes", () => {
    const world = new World();
    const rollout = policy([{ name: "a" }, { name: "b" }], { n1: 0, n2: 0, n3: 1 });
    world.fetches.set("n1", { at: world.now, ...doc("A", "n1") });
    world.fetches.set("n3", { at: world.now, ...doc("A", "n3") });
    world.fetches.set("n2", { at: world.now - 60 * MIN, ...doc("A", "n2") });
    const s = startAB(world, rollout, ["n1", "n2", "n3"]);
    assert.match(
      s.events[1]!.message,
      /^n2 was offline when the rollout started \(not heard of for 5m or never\)/,
    );
    let state = stepRollout(s.state!, { now: world.now, obs: world }).state;
    assert.equal(
      servedDoc(state, "n2", undefined)?.revision,
      "B",
      "served the new document when its wave is released",
    );
    world.fetch(state, docs("B", ["n1", "n2", "n3"]), ["n1"]);
    state = stepRollout(state, { now: world.now, obs: world }).state;
    assert.equal(servedDoc(state, "n3", undefined)?.revision, "B", "wave a done without n2");
  });

  it("a node offline at the start that comes back before its wave waits for it like the others", () => {
    const world = new World();
    const rollout = policy([{ name: "a" }, { name: "b" }], { n1: 0, n2: 1 });
    world.fetches.set("n1", { at: world.now, ...doc("A", "n1") });
    const s = startAB(world, rollout, ["n1", "n2"]);
    let state = stepRollout(s.state!, { now: world.now, obs: world }).state;
    world.now += MIN;
    world.fetches.set("n2", { at: world.now, ...doc("A", "n2") });
    const r = stepRollout(state, { now: world.now, obs: world });
    state = r.state;
    assert.equal(state.nodes.get("n2")?.step, "waiting");
    assert.equal(r.events[0]?.kind, "node-back");
    assert.equal(servedDoc(state, "n2", undefined)?.revision, "A");
  });

  it("just after a restart, a node not seen yet is not taken for offline", () => {
    const { world, input } = twoNodeStart();
    const fresh = startRollout({ ...input, now: world.now, observingSince: world.now - MIN });
    assert.equal(fresh.state?.nodes.get("n2")?.step, "waiting", "observed for 1 minute only");
    const long = startRollout({ ...input, now: world.now, observingSince: world.now - 10 * MIN });
    assert.equal(long.state?.nodes.get("n2")?.step, "offline", "not seen in 10 minutes of observation");
  });

  it("just after a restart, a node last seen before it (kept in the state folder) is not offline yet", () => {
    const { world, input } = twoNodeStart();
    // n2 was last seen 20 minutes ago, before a 19-minute outage of the server.
    world.fetches.set("n2", { at: world.now - 20 * MIN, ...doc("A", "n2") });
    const fresh = startRollout({ ...input, now: world.now, observingSince: world.now - MIN });
    assert.equal(fresh.state?.nodes.get("n2")?.step, "waiting", "silent only while the server was down");
    const long = startRollout({ ...input, now: world.now, observingSince: world.now - 6 * MIN });
    assert.equal(long.state?.nodes.get("n2")?.step, "offline", "silent for 6 minutes of observation");
  });

  it("a newer commit supersedes a running rollout: waves start again, no node goes back", () => {
    const nodes = ["n1", "n2", "n3"];
    const rollout = policy([{ name: "a" }, { name: "b" }], { n1: 0, n2: 1, n3: 1 });
    const r = start(rollout, nodes);
    assert.deepEqual(r.onNew(), ["n1"]);
    const served = new Map(nodes.map((n) => [n, servedDoc(r.state, n, r.target.get(n))!]));
    const c = startRollout({
      id: "2",
      now: r.world.now,
      rollout,
      from: "B",
      to: "C",
      target: docs("C", nodes),
      served,
      obs: r.world,
      superseding: r.state,
    });
    assert.deepEqual(
      c.events.map((e) => [e.rollout, e.kind]),
      [
        ["1", "superseded"],
        ["2", "started"],
      ],
    );
    const next = stepRollout(c.state!, { now: r.world.now, obs: r.world }).state;
    assert.deepEqual(
      nodes.map((n) => servedDoc(next, n, undefined)?.revision),
      ["C", "A", "A"],
      "n1 moves on to C first; n2 and n3 keep A until their wave",
    );
    assert.deepEqual(next.nodes.get("n1")?.from, doc("B", "n1"), "a rollback of C gives n1 back B, never A");
  });
});
