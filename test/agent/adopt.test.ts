// adoptLegacy: which pods of an agent older than instances this agent takes over (pure, table-tested).
import assert from "node:assert/strict";
import { test } from "node:test";
import { adoptLegacy } from "../../src/agent/adopt.js";
import { planReconcile } from "../../src/agent/diff.js";

const claims = [
  { fullName: "default/web-n1", hash: "h-web" },
  { fullName: "default/db-n1", hash: "h-db-old" },
];

test("legacy pods are adopted only when a claim has the same full name and hash", () => {
  const cases: { pod: { fullName: string; hash: string }; owned: boolean; why: string }[] = [
    { pod: { fullName: "default/web-n1", hash: "h-web" }, owned: true, why: "same name and hash" },
    { pod: { fullName: "default/db-n1", hash: "h-db-old" }, owned: true, why: "from the checkpoint" },
    { pod: { fullName: "default/web-n1", hash: "h-other-url" }, owned: false, why: "another URL's hash" },
    { pod: { fullName: "default/web-n2", hash: "h-web" }, owned: false, why: "another node's name" },
    { pod: { fullName: "default/web-n1", hash: "" }, owned: true, why: "unreadable, and wanted" },
    { pod: { fullName: "default/gone-n1", hash: "" }, owned: false, why: "unreadable, not wanted" },
  ];
  for (const c of cases) {
    const [out] = adoptLegacy([{ ...c.pod, owned: false, legacy: true }], claims);
    assert.equal(out?.owned, c.owned, c.why);
  }
});

test("pods with an instance are returned as they are, whatever the claims", () => {
  const own = { fullName: "default/x-n1", hash: "h", owned: true };
  assert.deepEqual(adoptLegacy([own], []), [own]);
});

test("planned with the diff: an adopted current pod is unchanged (no restart), an unadopted one blocks its name", () => {
  const desired = [
    { fullName: "default/web-n1", hash: "h-web", keepRunning: true },
    { fullName: "default/api-n1", hash: "h-api", keepRunning: true },
  ];
  const actual = adoptLegacy(
    [
      { fullName: "default/web-n1", hash: "h-web", owned: false, legacy: true },
      { fullName: "default/api-n1", hash: "h-api-other-agent", owned: false, legacy: true },
      { fullName: "default/db-n1", hash: "h-db-old", owned: false, legacy: true },
      { fullName: "default/other-n1", hash: "h-x", owned: false, legacy: true },
    ],
    [...desired, ...claims],
  );
  const plan = planReconcile(desired, actual);
  assert.deepEqual(plan.unchanged, ["default/web-n1"]);
  assert.deepEqual(
    plan.blocked.map((p) => p.fullName),
    ["default/api-n1"],
  );
  assert.deepEqual(
    plan.remove.map((p) => p.fullName),
    ["default/db-n1"],
    "the checkpoint's pod no longer served is removed; the unknown one is left alone",
  );
  assert.deepEqual(plan.add, []);
});

test("a legacy pod recorded with the older hash scheme of the same content is adopted and kept", () => {
  const desired = [
    { fullName: "default/web-n1", hash: "h-decoded", legacyHash: "h-bytes", keepRunning: true },
  ];
  const actual = adoptLegacy(
    [{ fullName: "default/web-n1", hash: "h-bytes", owned: false, legacy: true }],
    desired,
  );
  assert.equal(actual[0]?.owned, true);
  assert.deepEqual(planReconcile(desired, actual).unchanged, ["default/web-n1"]);
});
