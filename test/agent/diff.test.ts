// The reconcile plan: table cases from the kubelet's podStorage tests and fast-check properties.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  describePlan,
  isNoop,
  planReconcile,
  type ActualKey,
  type DesiredKey,
  type Plan,
} from "../../src/agent/diff.js";

const d = (fullName: string, hash = "h1", keepRunning = true): DesiredKey => ({
  fullName,
  hash,
  keepRunning,
});
const a = (fullName: string, hash = "h1", owned = true, stopped = false): ActualKey => ({
  fullName,
  hash,
  owned,
  stopped,
});

/** Applies a plan to a runtime state the way a driver would. */
function applyPlan(actual: readonly ActualKey[], plan: Plan<DesiredKey, ActualKey>): ActualKey[] {
  const removed = new Set(plan.remove);
  let next = actual.filter((p) => !removed.has(p));
  const replaced = new Set(plan.replace.map((r) => r.actual));
  next = next.filter((p) => !replaced.has(p));
  for (const p of [...plan.add, ...plan.replace.map((r) => r.desired)]) {
    next.push({ fullName: p.fullName, hash: p.hash, owned: true, stopped: false });
  }
  return next;
}

test("S1/S8: everything is added to an empty runtime; an empty desired set on an empty runtime is a no-op", () => {
  const plan = planReconcile([d("default/foo-n1"), d("kube-system/etcd-n1")], []);
  assert.deepEqual(
    plan.add.map((p) => p.fullName),
    ["default/foo-n1", "kube-system/etcd-n1"],
  );
  assert.ok(isNoop(planReconcile([], [])));
});

test("S2: the same name in two namespaces is two pods", () => {
  const plan = planReconcile([d("default/foo"), d("new/foo")], [a("default/foo")]);
  assert.deepEqual(
    plan.add.map((p) => p.fullName),
    ["new/foo"],
  );
  assert.deepEqual(plan.unchanged, ["default/foo"]);
});

test("S3: an identical set changes nothing", () => {
  const plan = planReconcile([d("ns/foo", "x")], [a("ns/foo", "x")]);
  assert.ok(isNoop(plan));
  assert.deepEqual(plan.unchanged, ["ns/foo"]);
});

test("S6: SET diff removes foo, adds foo4, replaces the changed foo2", () => {
  const plan = planReconcile(
    [d("ns/foo2", "new"), d("ns/foo3"), d("ns/foo4")],
    [a("ns/foo"), a("ns/foo2", "old"), a("ns/foo3")],
  );
  assert.deepEqual(describePlan(plan), [
    "- remove ns/foo",
    "+ add ns/foo4 (hash h1)",
    "~ replace ns/foo2 (changed, hash old -> new)",
  ]);
});

test("drift: a stopped pod that should run is replaced; a finished run-once pod is left alone", () => {
  const plan = planReconcile(
    [d("ns/web"), d("ns/job", "h1", false)],
    [a("ns/web", "h1", true, true), a("ns/job", "h1", true, true)],
  );
  assert.deepEqual(
    plan.replace.map((r) => [r.desired.fullName, r.reason]),
    [["ns/web", "stopped"]],
  );
  assert.deepEqual(plan.unchanged, ["ns/job"]);
});

test("ownership: pods the agent did not create are never removed or replaced; a name clash is blocked", () => {
  const plan = planReconcile(
    [d("ns/clash", "new")],
    [a("ns/clash", "old", false), a("ns/other", "x", false)],
  );
  assert.deepEqual(plan.remove, []);
  assert.deepEqual(plan.replace, []);
  assert.deepEqual(plan.add, []);
  assert.deepEqual(
    plan.blocked.map((p) => p.fullName),
    ["ns/clash"],
  );
});

test("an owned duplicate of a full name is removed", () => {
  const first = a("ns/foo");
  const second = a("ns/foo");
  const plan = planReconcile([d("ns/foo")], [first, second]);
  assert.equal(plan.remove.length, 1);
  assert.equal(plan.remove[0], second);
});

const names = fc.constantFrom<string>("default/a", "default/b", "kube-system/a", "ns/c", "ns/d", "x/e");
const hashes = fc.constantFrom<string>("h1", "h2", "h3");
const desiredArb = fc.uniqueArray(fc.record({ fullName: names, hash: hashes, keepRunning: fc.boolean() }), {
  selector: (p) => p.fullName,
  maxLength: 6,
});
const actualArb = fc.array(
  fc.record({ fullName: names, hash: hashes, owned: fc.boolean(), stopped: fc.boolean() }),
  { maxLength: 8 },
);

test("property: applying the plan makes the owned runtime equal the desired set (blocked names aside)", () => {
  fc.assert(
    fc.property(desiredArb, actualArb, (desired, actual) => {
      const plan = planReconcile(desired, actual);
      const after = applyPlan(actual, plan);
      const blocked = new Set(plan.blocked.map((p) => p.fullName));
      const owned = after
        .filter((p) => p.owned && !blocked.has(p.fullName))
        .map((p) => `${p.fullName}=${p.hash}`)
        .sort();
      const want = desired
        .filter((p) => !blocked.has(p.fullName))
        .map((p) => `${p.fullName}=${p.hash}`)
        .sort();
      assert.deepEqual(owned, want);
    }),
  );
});

test("property: planning again after applying is a no-op", () => {
  fc.assert(
    fc.property(desiredArb, actualArb, (desired, actual) => {
      const after = applyPlan(actual, planReconcile(desired, actual));
      assert.ok(isNoop(planReconcile(desired, after)));
    }),
  );
});

test("property: nothing the agent does not own is ever in the plan, and unowned pods survive it", () => {
  fc.assert(
    fc.property(desiredArb, actualArb, (desired, actual) => {
      const plan = planReconcile(desired, actual);
      for (const p of plan.remove) assert.equal(p.owned, true);
      for (const r of plan.replace) assert.equal(r.actual.owned, true);
      const unowned = new Set(actual.filter((p) => !p.owned).map((p) => p.fullName));
      for (const p of [...plan.add, ...plan.replace.map((r) => r.desired)])
        assert.ok(!unowned.has(p.fullName));
      const after = applyPlan(actual, plan);
      for (const p of actual.filter((x) => !x.owned)) assert.ok(after.includes(p));
    }),
  );
});

test("property: every desired pod lands in exactly one bucket", () => {
  fc.assert(
    fc.property(desiredArb, actualArb, (desired, actual) => {
      const plan = planReconcile(desired, actual);
      const buckets = [
        ...plan.add.map((p) => p.fullName),
        ...plan.replace.map((r) => r.desired.fullName),
        ...plan.unchanged,
        ...plan.blocked.map((p) => p.fullName),
      ].sort();
      assert.deepEqual(buckets, desired.map((p) => p.fullName).sort());
    }),
  );
});
