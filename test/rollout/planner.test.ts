import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { stepRollout } from "../../src/rollout/step.js";
import { messages, start } from "./run.js";
import { policy } from "./world.js";

const MIN = 60_000;
const five = ["n1", "n2", "n3", "n4", "n5"];

describe("rollout planner", () => {
  it("switches the first wave first, and the next only once the first is healthy", () => {
    const r = start(
      policy([{ name: "canary" }, { name: "rest" }], { n1: 0, n2: 1, n3: 1, n4: 1, n5: 1 }),
      five,
    );
    assert.deepEqual(r.onNew(), ["n1"]);
    r.world.now += 1000;
    r.step();
    assert.deepEqual(r.onNew(), ["n1"], "n1 has not fetched yet");
    r.poll(["n1"]);
    r.world.now += 1000;
    r.step();
    assert.deepEqual(r.onNew(), five);
    r.poll();
    r.world.now += 1000;
    r.step();
    assert.equal(r.state.phase, "succeeded");
    assert.deepEqual(
      r.events.map((e) => e.kind),
      [
        "started",
        "wave-released",
        "switched",
        "wave-healthy",
        "wave-done",
        "wave-released",
        "switched",
        "wave-healthy",
        "wave-done",
        "succeeded",
      ],
    );
    assert.ok(r.events.every((e) => e.actor === "planner" && typeof e.at === "number"));
  });

  it("switches at most maxNodes of a wave at a time", () => {
    const r = start(
      policy([{ name: "all", maxNodes: { count: 2 } }], { n1: 0, n2: 0, n3: 0, n4: 0, n5: 0 }),
      five,
    );
    assert.deepEqual(r.onNew(), ["n1", "n2"]);
    r.poll(["n1"]);
    r.world.now += 1000;
    r.step();
    assert.deepEqual(r.onNew(), ["n1", "n2", "n3"], "n1 healthy frees one slot");
    assert.match(messages(r, "switched").at(-1)!, /wave all: switched n3 \(3 of 5\)/);
  });

  it("a percentage of maxNodes is of the wave's nodes that take part, rounded up", () => {
    const r = start(
      policy([{ name: "all", maxNodes: { percent: 25 } }], { n1: 0, n2: 0, n3: 0, n4: 0, n5: 0 }),
      five,
    );
    assert.deepEqual(r.onNew(), ["n1", "n2"]);
  });

  it("waits the wave's soak after it is healthy, and restarts the soak when a node loses health", () => {
    const r = start(policy([{ name: "canary", soakMs: 10 * MIN }, { name: "rest" }], { n1: 0, n2: 1 }), [
      "n1",
      "n2",
    ]);
    r.poll(["n1"]);
    r.world.report("n1");
    r.step();
    assert.match(messages(r, "wave-healthy")[0]!, /wave canary healthy; soaking for 10m/);
    r.world.now += 9 * MIN;
    r.world.report("n1", [{ name: "kube-system/app-n1", state: "failed", reason: "CrashLoopBackOff" }]);
    r.step();
    r.world.now += 2 * MIN;
    r.world.report("n1");
    r.step();
    assert.deepEqual(r.onNew(), ["n1"], "the soak started again when n1 recovered");
    r.world.now += 10 * MIN;
    r.step();
    assert.deepEqual(r.onNew(), ["n1", "n2"]);
  });

  it("fails a node not healthy by its deadline, with a reason a person understands", () => {
    const r = start(
      policy([{ name: "canary" }, { name: "rest" }], { n1: 0, n2: 1 }, { maxFailures: { count: 0 } }),
      ["n1", "n2"],
    );
    r.world.now += 10 * MIN - 1;
    r.step();
    assert.equal(r.state.phase, "progressing", "not before the deadline");
    r.world.now += 1;
    r.step();
    assert.deepEqual(messages(r, "node-failed"), ["n1: never fetched the new document (last fetch 10m ago)"]);
    assert.equal(r.state.phase, "rolled-back");
    assert.deepEqual(r.onNew(), []);
    assert.match(
      messages(r, "rolled-back")[0]!,
      /n1 gets its previous document again; wave canary: 1 node failed, 0 tolerated/,
    );
  });

  it("explains agent and probe failures", () => {
    const rollout = policy(
      [{ name: "all" }],
      { "edge-7": 0, "cp-1": 0 },
      { probe: "x", maxFailures: { count: 5 } },
    );
    const r = start(rollout, ["cp-1", "edge-7"]);
    r.poll();
    r.world.report("edge-7", [
      { name: "kube-system/kube-proxy-edge-7", state: "failed", reason: "CrashLoopBackOff (exit 1)" },
    ]);
    r.world.probe("cp-1", "https://10.0.0.11:6443/readyz", 503);
    r.world.probe("edge-7", "https://10.0.1.7:6443/readyz", 200);
    r.world.now += 10 * MIN;
    r.world.probe("cp-1", "https://10.0.0.11:6443/readyz", 503);
    r.step();
    assert.deepEqual(messages(r, "node-failed"), [
      "cp-1: probe https://10.0.0.11:6443/readyz answered 503 for 10m",
      "edge-7: agent reports kube-proxy CrashLoopBackOff (exit 1)",
    ]);
    assert.match(messages(r, "wave-healthy")[0]!, /\(2 failed, within maxFailures\)/);
    assert.equal(r.state.phase, "succeeded");
  });

  it("tolerates maxFailures per wave, and acts on one more", () => {
    const waveOf = { n1: 0, n2: 0, n3: 0, n4: 0, n5: 1 };
    const r = start(policy([{ name: "a" }, { name: "b" }], waveOf, { maxFailures: { count: 1 } }), five);
    r.poll(["n1", "n2", "n3"]);
    r.world.now += 10 * MIN;
    r.step();
    assert.equal(r.state.phase, "progressing");
    assert.deepEqual(r.onNew(), five, "one failure tolerated: wave b released");
    const r2 = start(policy([{ name: "a" }, { name: "b" }], waveOf, { maxFailures: { count: 1 } }), five);
    r2.poll(["n1", "n2"]);
    r2.world.now += 10 * MIN;
    r2.step();
    assert.equal(r2.state.phase, "rolled-back");
  });

  it("onFailure pause holds where it is; resume retries, promote goes on, abort rolls back", () => {
    const make = () =>
      start(policy([{ name: "a" }, { name: "b" }], { n1: 0, n2: 1 }, {}, "pause"), ["n1", "n2"]);
    const r = make();
    r.world.now += 10 * MIN;
    r.step();
    assert.equal(r.state.phase, "failed");
    assert.match(r.state.reason!, /n1: never fetched the new document/);
    r.world.now += MIN;
    r.step();
    assert.deepEqual(r.onNew(), ["n1"], "held: n1 keeps the new document, n2 does not get it");
    r.step([{ kind: "resume", by: "alice" }]);
    assert.equal(r.state.phase, "progressing");
    assert.match(messages(r, "resumed")[0]!, /resumed by alice; n1 \(failed\) get a new deadline/);
    r.poll(["n1"]);
    r.step();
    assert.deepEqual(r.onNew(), ["n1", "n2"]);

    const p = make();
    p.world.now += 10 * MIN;
    p.step();
    p.step([{ kind: "promote", by: "bob" }]);
    assert.equal(p.state.phase, "succeeded");
    assert.deepEqual(p.onNew(), ["n1", "n2"]);
    assert.equal(p.events.at(-1)?.actor, "operator:bob");

    const a = make();
    a.world.now += 10 * MIN;
    a.step();
    a.step([{ kind: "abort", by: "carol" }]);
    assert.equal(a.state.phase, "rolled-back");
    assert.deepEqual(a.onNew(), []);
    assert.deepEqual(
      a.events.slice(-2).map((e) => [e.kind, e.actor]),
      [
        ["aborted", "operator:carol"],
        ["rolled-back", "operator:carol"],
      ],
    );
  });

  it("pause stops switching until resume; actions that cannot apply are refused", () => {
    const r = start(policy([{ name: "a" }, { name: "b" }], { n1: 0, n2: 1 }), ["n1", "n2"]);
    r.step([{ kind: "pause", by: "alice" }]);
    r.poll(["n1"]);
    r.world.now += MIN;
    r.step();
    assert.equal(r.state.phase, "paused");
    assert.deepEqual(r.onNew(), ["n1"]);
    assert.deepEqual(r.step([{ kind: "pause", by: "alice" }]).refused, [
      "rollout 1 is not progressing (it is paused)",
    ]);
    r.step([{ kind: "resume", by: "alice" }]);
    assert.deepEqual(r.onNew(), ["n1", "n2"]);
    r.poll();
    r.step();
    assert.deepEqual(r.step([{ kind: "abort", by: "x" }]).refused, ["rollout 1 has already succeeded"]);
  });

  it("only nodes whose bytes change take part; a wave without any is skipped", () => {
    const r = start(policy([{ name: "a" }, { name: "b" }], { n1: 0, n2: 1, n3: 1 }), ["n1", "n2", "n3"], {
      changed: ["n2"],
    });
    assert.deepEqual([...r.state.nodes.keys()], ["n2"]);
    assert.deepEqual(messages(r, "wave-skipped"), ["wave a: no node's document changes; skipped"]);
    assert.deepEqual(r.onNew(), ["n2"]);
  });

  it("a step with nothing new decides nothing, keeps every participant, and does not change its input", () => {
    const r = start(policy([{ name: "a", maxNodes: { count: 1 } }], { n1: 0, n2: 0 }), ["n1", "n2"]);
    r.world.now += MIN;
    const once = stepRollout(r.state, { now: r.world.now, obs: r.world }).state;
    const before = JSON.stringify(once);
    r.world.now += MIN;
    const again = stepRollout(once, { now: r.world.now, obs: r.world });
    assert.deepEqual(again.events, []);
    assert.equal(JSON.stringify(again.state), before);
    assert.equal(JSON.stringify(once), before);
    for (const n of ["n1", "n2"])
      assert.equal(again.state.nodes.get(n), once.nodes.get(n), `${n} is the same object`);
  });
});
