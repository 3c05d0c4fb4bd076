import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { OperatorAction } from "../../src/rollout/actions.js";
import type { ResolvedRollout } from "../../src/rollout/policy.js";
import { startRollout } from "../../src/rollout/start.js";
import { servedDoc, type RolloutEvent, type RolloutState } from "../../src/rollout/state.js";
import { stepRollout } from "../../src/rollout/step.js";
import { doc, docs, policy, World } from "./world.js";

const MIN = 60_000;

interface Run {
  world: World;
  state: RolloutState;
  target: Map<string, ReturnType<typeof doc>>;
  events: RolloutEvent[];
  step(actions?: OperatorAction[]): { refused: string[] };
  /** Nodes served the new revision. */
  onNew(): string[];
  /** Every named node fetches; those in `agentFail` report a crash-looping pod, the rest report running pods. */
  poll(nodes?: string[]): void;
}

function start(
  rollout: ResolvedRollout,
  nodes: string[],
  opts: { changed?: string[]; seen?: boolean } = {},
): Run {
  const world = new World();
  const old = docs("A", nodes);
  const target = docs("B", nodes);
  for (const n of nodes)
    if (opts.changed !== undefined && !opts.changed.includes(n)) target.set(n, old.get(n)!);
  if (opts.seen !== false) for (const n of nodes) world.fetches.set(n, { at: world.now, ...old.get(n)! });
  const started = startAB(world, rollout, nodes, target);
  assert.ok(started.state !== undefined);
  const run: Run = {
    world,
    state: started.state,
    target,
    events: [...started.events],
    step(actions = []) {
      const r = stepRollout(run.state, { now: world.now, obs: world, actions });
      run.state = r.state;
      run.events.push(...r.events);
      return { refused: r.refused.map((x) => x.reason) };
    },
    onNew: () => nodes.filter((n) => servedDoc(run.state, n, target.get(n))?.revision === "B"),
    poll(list = nodes) {
      world.fetch(run.state, target, list);
    },
  };
  run.step();
  return run;
}

/** Rollout 1 from A to B for `nodes`, every node changing. */
function startAB(world: World, rollout: ResolvedRollout, nodes: string[], target = docs("B", nodes)) {
  return startRollout({
    id: "1",
    now: world.now,
    rollout,
    from: "A",
    to: "B",
    target,
    served: docs("A", nodes),
    obs: world,
  });
}

const five = ["n1", "n2", "n3", "n4", "n5"];
const messages = (r: Run, kind: RolloutEvent["kind"]) =>
  r.events.filter((e) => e.kind === kind).map((e) => e.message);

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
    assert.deepEqual(Object.keys(r.state.nodes), ["n2"]);
    assert.deepEqual(messages(r, "wave-skipped"), ["wave a: no node's document changes; skipped"]);
    assert.deepEqual(r.onNew(), ["n2"]);
  });

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
    assert.equal(state.nodes["n2"]?.step, "waiting");
    assert.equal(r.events[0]?.kind, "node-back");
    assert.equal(servedDoc(state, "n2", undefined)?.revision, "A");
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
    assert.deepEqual(next.nodes["n1"]?.from, doc("B", "n1"), "a rollback of C gives n1 back B, never A");
  });

  it("a step with nothing new decides nothing, keeps every participant, and does not change its input", () => {
    const r = start(policy([{ name: "a", maxNodes: { count: 1 } }], { n1: 0, n2: 0 }), ["n1", "n2"]);
    r.world.now += MIN;
    const once = stepRollout(r.state, { now: r.world.now, obs: r.world }).state;
    const before = structuredClone(once);
    r.world.now += MIN;
    const again = stepRollout(once, { now: r.world.now, obs: r.world });
    assert.deepEqual(again.events, []);
    assert.deepEqual(again.state, before);
    assert.deepEqual(once, before);
    for (const n of ["n1", "n2"])
      assert.equal(again.state.nodes[n], once.nodes[n], `${n} is the same object`);
  });
});
