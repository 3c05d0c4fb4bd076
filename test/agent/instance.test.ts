// Instance names: the default derived from node and URL, and what --instance accepts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultInstance, instanceProblem } from "../../src/agent/instance.js";

test("the default instance is the node plus a hash of node and URL: stable, and different for another URL or node", () => {
  const a = defaultInstance("CP-1", "http://m:8080/nodes/cp-1");
  assert.match(a, /^cp-1-[0-9a-f]{12}$/);
  assert.equal(
    defaultInstance("cp-1", "http://m:8080/nodes/cp-1"),
    a,
    "the node is lowercased, as the kubelet does",
  );
  assert.notEqual(defaultInstance("cp-1", "http://m:8080/nodes/cp-1?x"), a);
  assert.notEqual(defaultInstance("cp-2", "http://m:8080/nodes/cp-1"), a);
  const long = defaultInstance(`${"a".repeat(60)}.example.internal`, "http://m/");
  assert.equal(long.length, 59);
  assert.equal(instanceProblem(long), undefined);
  assert.equal(instanceProblem(defaultInstance("n.", "u")), undefined);
});

test("an instance is a label value", () => {
  for (const good of ["a", "edge-1", "fleet_b.prod", "A1", "x".repeat(63)])
    assert.equal(instanceProblem(good), undefined, good);
  for (const bad of ["", "-a", "a-", "a b", "a/b", "a@b", "a+b", "x".repeat(64)]) {
    assert.match(instanceProblem(bad) ?? "", /not a valid instance name/, bad);
  }
});
