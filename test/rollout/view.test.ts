import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { nodeRolloutView, rolloutView } from "../../src/rollout/view.js";
import { start } from "./run.js";
import { policy } from "./world.js";

describe("rollout view", () => {
  it("shows the rollout, each wave's status and counts, the events with ISO times, and each node's part", () => {
    const rollout = policy(
      [{ name: "canary", soakMs: 600_000 }, { name: "rest", maxNodes: { count: 1 } }, { name: "spare" }],
      { n1: 0, n2: 1, n3: 1, n4: 2 },
    );
    const r = start(rollout, ["n1", "n2", "n3", "n4"], { changed: ["n1", "n2", "n3"] });
    r.poll(["n1"]);
    r.step();
    const view = rolloutView(r.state, r.events);
    assert.deepEqual(
      { id: view.id, from: view.from, to: view.to, state: view.state },
      { id: "1", from: "A", to: "B", state: "progressing" },
    );
    assert.deepEqual(
      view.waves.map((w) => [w.name, w.status, w.limits, w.nodes, w.counts.healthy, w.counts.waiting]),
      [
        ["canary", "soaking", "all at once, soak 10m", 1, 1, 0],
        ["rest", "pending", "1 at a time", 2, 0, 2],
        ["spare", "pending", "all at once", 0, 0, 0],
      ],
    );
    assert.equal(view.startedAt, new Date(r.world.now).toISOString());
    assert.deepEqual(
      view.events.map((e) => [e.kind, e.at]),
      r.events.map((e) => [e.kind, new Date(e.at).toISOString()]),
    );
    assert.deepEqual(nodeRolloutView(r.state, "n1"), { wave: "canary", step: "healthy", revision: "B" });
    assert.deepEqual(nodeRolloutView(r.state, "n2"), { wave: "rest", step: "waiting", revision: "A" });
    assert.equal(nodeRolloutView(r.state, "n4"), undefined, "n4's document does not change");

    r.world.now += 600_000;
    for (let i = 0; i < 4; i++) {
      r.step();
      r.poll();
    }
    const later = rolloutView(r.state, []);
    assert.deepEqual(
      later.waves.map((w) => w.status),
      ["done", "done", "skipped"],
    );
    assert.equal(later.state, "succeeded");
  });
});
