// The kubelet's common_test.go (C1–C7) and config_test.go (S1–S10) cases, through the agent and a real server.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  errorsLogged,
  established,
  list,
  pod,
  serve,
  useKubeletHarness,
  type Json,
} from "./kubelet-harness.js";

const { harness } = useKubeletHarness();

test("C1/C5: the same PodList as JSON and as YAML decodes to the same pods", async () => {
  const h1 = harness();
  const h2 = harness();
  await serve(
    h1,
    list(
      pod(
        "test",
        { uid: "12345", namespace: "mynamespace" },
        { restartPolicy: "Always", dnsPolicy: "ClusterFirst" },
      ),
    ),
  );
  const yaml =
    "apiVersion: v1\nkind: PodList\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: test, uid: '12345', namespace: mynamespace}\n" +
    "  spec:\n    containers: [{name: c, image: 'busybox:1.36'}]\n    restartPolicy: Always\n    dnsPolicy: ClusterFirst\n";
  await serve(h2, yaml);
  assert.deepEqual(h1.pods(), h2.pods());
});

test("C2/C3: clusterTrustBundle projections and resourceClaims are refused", async () => {
  const h = harness();
  const ctb = pod(
    "ctb",
    {},
    {
      volumes: [
        { name: "v", projected: { sources: [{ clusterTrustBundle: { name: "my-ctb", path: "ctb-file" } }] } },
      ],
    },
  );
  assert.equal((await serve(h, ctb)).source, "error");
  assert.match(errorsLogged(h), /may not reference clustertrustbundles/);
  const claims = pod(
    "claims",
    {},
    {
      resourceClaims: [{ name: "my-claim", resourceClaimName: "some-external-claim" }],
      containers: [{ name: "c", image: "x", resources: { claims: [{ name: "my-claim" }] } }],
    },
  );
  assert.equal((await serve(h, claims)).source, "error");
  assert.match(errorsLogged(h), /may not reference resourceclaims/);
  assert.equal(h.pods().size, 0);
});

test("C4: restartPolicy Never with an Always (sidecar) init container is accepted", async () => {
  const h = harness();
  const r = await serve(
    h,
    pod(
      "sidecar",
      {},
      {
        restartPolicy: "Never",
        initContainers: [{ name: "side", image: "x", restartPolicy: "Always" }],
      },
    ),
  );
  assert.equal(r.source, "changed", errorsLogged(h));
});

for (const node of ["node1", "Node1", "NODE1"]) {
  test(`C6: node ${node} names the pod static-pod1-node1 and keeps spec.nodeName as given`, async () => {
    const h = harness({ node });
    await serve(h, pod("static-pod1"));
    const got = h.pods().get("default/static-pod1-node1");
    assert.ok(got);
    assert.equal((got.pod.spec as Json).nodeName, node);
  });
}

test("C6: a pod named static-pod1-NODE1 is refused on metadata.name", async () => {
  const h = harness({ node: "node1" });
  assert.equal((await serve(h, pod("static-pod1-NODE1"))).source, "error");
  assert.match(errorsLogged(h), /metadata\.name/);
});

test("C7: a negative grace period becomes 1", async () => {
  const h = harness();
  const r = await serve(h, pod("g", {}, { terminationGracePeriodSeconds: -1 }));
  assert.equal(r.source, "changed", errorsLogged(h));
  assert.equal(
    (h.pods().get("default/g-different-value")?.pod.spec as Json).terminationGracePeriodSeconds,
    1,
  );
});

test("S6: a new set removes, then adds, then replaces", async () => {
  const h = harness();
  await serve(h, list(pod("foo"), pod("foo2"), pod("foo3")));
  h.lines.length = 0;
  await serve(h, list(pod("foo2", { labels: { changed: "true" } }), pod("foo3"), pod("foo4")));
  assert.deepEqual(
    h.lines.map((l) => l.replace(/ \(hash .*\)$/, "")),
    [
      "- remove default/foo-different-value",
      "+ add default/foo4-different-value",
      "~ replace default/foo2-different-value",
    ],
  );
});

test("S8: an empty PodList is accepted and removes every pod", async () => {
  const h = harness();
  await established(h);
  const r = await serve(h, list());
  assert.equal(r.converged, true);
  assert.equal(h.pods().size, 0);
});

for (const [desc, change] of [
  ["S9: an annotation value", { annotations: { "kubernetes.io/blah": "superblah" } }],
  [
    "S9: an added annotation",
    { annotations: { "kubernetes.io/blah": "blah", "kubernetes.io/otherblah": "x" } },
  ],
  ["S9: a removed annotation", {}],
  ["S10: a label value", { labels: { key: "newValue" } }],
] as const) {
  test(`${desc} change replaces only that pod`, async () => {
    const h = harness();
    await serve(
      h,
      list(
        pod("foo1"),
        pod("foo2", { annotations: { "kubernetes.io/blah": "blah" }, labels: { key: "value" } }),
        pod("foo3"),
      ),
    );
    h.lines.length = 0;
    await serve(h, list(pod("foo1"), pod("foo2", { labels: { key: "value" }, ...change }), pod("foo3")));
    assert.deepEqual(
      h.lines.map((l) => l.split(" (")[0]),
      ["~ replace default/foo2-different-value"],
    );
  });
}
