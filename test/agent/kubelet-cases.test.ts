// The kubelet's http_test.go cases and the code-derived HTTP cases (reference H1–H20) against a real server.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MAX_BODY_BYTES } from "../../src/agent/poll.js";
import {
  errorsLogged,
  established,
  list,
  pod,
  serve,
  useKubeletHarness,
  type Json,
} from "./kubelet-harness.js";
import { startUrlServer } from "./url-server.js";

const { server, harness } = useKubeletHarness();

test("H1: an unreachable URL is an error and changes nothing", async () => {
  const dead = await startUrlServer("/_not_found_");
  const url = dead.url;
  await dead.close();
  const h = harness({ url });
  const r = await h.pass();
  assert.equal(r.source, "error");
  assert.equal(r.desired, undefined);
  assert.equal(r.converged, false);
  assert.deepEqual(h.lines, []);
  assert.match(errorsLogged(h), /GET http:\/\/127\.0\.0\.1:\d+\/_not_found_ failed/);
});

const noKind = [
  ["a: no version", { metadata: { creationTimestamp: null }, spec: { containers: null }, status: {} }],
  ["b: invalid version", { apiVersion: "v1betta2", metadata: {}, spec: {} }],
  ["c: invalid volume name", { apiVersion: "v1", spec: { volumes: [{ name: "_INVALID_" }] } }],
  [
    "d: duplicate volume names",
    { apiVersion: "v1", spec: { volumes: [{ name: "repeated" }, { name: "repeated" }] } },
  ],
  ["e: unspecified container name", { apiVersion: "v1", spec: { containers: [{ name: "" }] } }],
  ["f: invalid container name", { apiVersion: "v1", spec: { containers: [{ name: "_INVALID_" }] } }],
] as const;

for (const [desc, body] of noKind) {
  test(`H2 ${desc} (no kind): rejected, nothing changes`, async () => {
    const h = harness();
    await established(h);
    const r = await serve(h, body);
    assert.equal(r.source, "error");
    assert.deepEqual([...h.pods().keys()], ["default/keep-different-value"]);
    assert.match(errorsLogged(h), /rejected, nothing changed/);
  });
}

const invalidWithKind: [string, Json, RegExp][] = [
  [
    "c: invalid volume name",
    pod("foo", {}, { volumes: [{ name: "_INVALID_", emptyDir: {} }] }),
    /volumes\[0\]\.name/,
  ],
  [
    "d: duplicate volume names",
    pod(
      "foo",
      {},
      {
        volumes: [
          { name: "repeated", emptyDir: {} },
          { name: "repeated", emptyDir: {} },
        ],
      },
    ),
    /volumes\[1\]\.name/,
  ],
  [
    "e: unspecified container name",
    pod("foo", {}, { containers: [{ name: "", image: "x" }] }),
    /containers\[0\]\.name/,
  ],
  [
    "f: invalid container name",
    pod("foo", {}, { containers: [{ name: "_INVALID_", image: "x" }] }),
    /containers\[0\]\.name/,
  ],
];

for (const [desc, body, path] of invalidWithKind) {
  test(`H2 ${desc} (kind: Pod): the validation path rejects it with the field path`, async () => {
    const h = harness();
    await established(h);
    const r = await serve(h, body);
    assert.equal(r.source, "error");
    assert.deepEqual([...h.pods().keys()], ["default/keep-different-value"]);
    assert.match(errorsLogged(h), path);
  });
}

test("H3: a single pod gets the kubelet's name, namespace, uid, nodeName and config annotations", async () => {
  const h = harness();
  const r = await serve(h, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "foo", uid: "111", namespace: "mynamespace" },
    spec: {
      nodeName: "different-value",
      containers: [{ name: "1", image: "foo", imagePullPolicy: "Always", terminationMessagePolicy: "File" }],
      securityContext: {},
      schedulerName: "default-scheduler",
    },
    status: { phase: "Pending" },
  });
  assert.equal(r.source, "changed");
  assert.equal(r.converged, true);
  const got = h.pods().get("mynamespace/foo-different-value");
  assert.ok(got);
  assert.deepEqual(got.pod.metadata, {
    name: "foo-different-value",
    namespace: "mynamespace",
    uid: "111",
    annotations: {
      "kubernetes.io/config.hash": "111",
      "kubernetes.io/config.source": "http",
      "manifest-agent.io/hash": got.hash,
    },
  });
  assert.equal((got.pod.spec as Json).nodeName, "different-value");
  assert.equal(got.pod.status, undefined, "status is dropped");
  assert.match(got.hash, /^[0-9a-f]{32}$/);
});

test("H4: a PodList of two pods without namespaces lands in default with their pinned uids", async () => {
  const h = harness();
  await serve(
    h,
    list(
      pod("foo", { uid: "111" }, { containers: [{ name: "1", image: "foo", imagePullPolicy: "Always" }] }),
      pod("bar", { uid: "222" }, { containers: [{ name: "2", image: "bar:bartag", imagePullPolicy: "" }] }),
    ),
  );
  const pods = h.pods();
  assert.deepEqual([...pods.keys()].sort(), ["default/bar-different-value", "default/foo-different-value"]);
  const hashOf = (k: string) =>
    ((pods.get(k)?.pod.metadata as Json).annotations as Json)["kubernetes.io/config.hash"];
  assert.equal(hashOf("default/foo-different-value"), "111");
  assert.equal(hashOf("default/bar-different-value"), "222");
});

test("H5: a configured header reaches the server exactly once, with the User-Agent", async () => {
  const h = harness({ headers: [["Metadata-Flavor", "Google"]] });
  const r = await serve(h, pod("foo", { uid: "111", namespace: "mynamespace" }));
  assert.equal(r.source, "changed");
  assert.equal(server().requests.length, 1);
  const raw = server().requests[0]?.rawHeaders ?? [];
  const values = raw.filter((_, i) => i % 2 === 1 && raw[i - 1]?.toLowerCase() === "metadata-flavor");
  assert.deepEqual(values, ["Google"]);
  assert.equal(server().requests[0]?.headers["user-agent"], "manifest-agent/test");
  assert.equal(h.pods().size, 1);
});

test("H6: an empty 200 is an error and removes nothing; the same good body afterwards is still in force", async () => {
  const h = harness();
  await established(h);
  const r = await serve(h, "");
  assert.equal(r.source, "error");
  assert.match(errorsLogged(h), /zero-length data received/);
  assert.deepEqual([...h.pods().keys()], ["default/keep-different-value"]);
  const again = await serve(h, list(pod("keep")));
  assert.equal(again.converged, true);
  assert.deepEqual([...h.pods().keys()], ["default/keep-different-value"]);
});

for (const status of [404, 500, 503, 301]) {
  test(`H7: status ${status} is an error and changes nothing`, async () => {
    const h = harness();
    await established(h);
    const r = await serve(h, list(), status);
    assert.equal(r.source, "error");
    assert.match(errorsLogged(h), new RegExp(`: ${status} `));
    assert.deepEqual([...h.pods().keys()], ["default/keep-different-value"]);
  });
}

test("H8 + conditional GET: identical bytes are 'unchanged'; the ETag is sent and a 304 keeps the pods", async () => {
  const h = harness();
  const body = JSON.stringify(list(pod("keep")));
  server().answer({ body, etag: '"v1"' });
  assert.equal((await h.pass()).source, "changed");
  server().answer({ body, etag: '"v1"' });
  const r = await h.pass();
  assert.equal(r.source, "unchanged");
  assert.equal(r.converged, true);
  assert.equal(server().requests[1]?.headers["if-none-match"], '"v1"');
  server().answer({ body });
  assert.equal((await h.pass()).source, "unchanged", "same bytes without an ETag match");
  assert.deepEqual(h.lines, [
    "+ add default/keep-different-value (hash " +
      (h.pods().get("default/keep-different-value")?.hash ?? "") +
      ")",
  ]);
});

test("H9: a body of exactly 10 MiB is refused; one byte less is accepted", async () => {
  const h = harness();
  const small = JSON.stringify(list(pod("big")));
  const r1 = await serve(h, small + " ".repeat(MAX_BODY_BYTES - small.length));
  assert.equal(r1.source, "error");
  assert.match(errorsLogged(h), /10485760 bytes/);
  assert.equal(h.pods().size, 0);
  const r2 = await serve(h, small + " ".repeat(MAX_BODY_BYTES - 1 - small.length));
  assert.equal(r2.source, "changed");
  assert.equal(h.pods().size, 1);
});

test("H10: a server that stalls in the body times out and changes nothing", async () => {
  const h = harness({ timeoutMs: 300 });
  await established(h);
  server().answer({ hang: true });
  const r = await h.pass();
  assert.equal(r.source, "error");
  assert.match(errorsLogged(h), /Request timed out after 0\.3 s/);
  assert.deepEqual([...h.pods().keys()], ["default/keep-different-value"]);
});

const podA =
  "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, image: busybox}]}\n";
const podB =
  "apiVersion: v1\nkind: Pod\nmetadata: {name: b}\nspec: {containers: [{name: c, image: busybox}]}\n";

test("H11: a multi-document body is refused (the kubelet would silently keep only the first)", async () => {
  const h = harness();
  await established(h);
  const r = await serve(h, `${podA}---\n${podB}`);
  assert.equal(r.source, "error");
  assert.match(errorsLogged(h), /2 YAML documents; the kubelet would read only the first/);
  assert.deepEqual([...h.pods().keys()], ["default/keep-different-value"]);
});

test("H11 (single document): a YAML pod with a leading --- is accepted", async () => {
  const h = harness();
  const r = await serve(h, `---\n${podA}`);
  assert.equal(r.source, "changed", errorsLogged(h));
  assert.deepEqual([...h.pods().keys()], ["default/a-different-value"]);
});

test("H12: a leading empty document is refused", async () => {
  const h = harness();
  await established(h);
  const r = await serve(h, `---\n---\n${podA}`);
  assert.equal(r.source, "error");
  assert.deepEqual([...h.pods().keys()], ["default/keep-different-value"]);
});

test("H13: one invalid item rejects the whole list, and every problem is reported", async () => {
  const h = harness();
  await established(h);
  const r = await serve(
    h,
    list(
      pod("good"),
      { apiVersion: "v1", kind: "Pod", metadata: {}, spec: { containers: [{ name: "c", image: "x" }] } },
      pod("secretive", {}, { volumes: [{ name: "s", secret: { secretName: "token" } }] }),
    ),
  );
  assert.equal(r.source, "error");
  const logged = errorsLogged(h);
  assert.match(logged, /items\[1\]\.metadata\.name/);
  assert.match(logged, /name is needed for the pod/);
  assert.match(logged, /may not reference secrets/);
  assert.deepEqual([...h.pods().keys()], ["default/keep-different-value"]);
});

test("H14: duplicate full names keep the first pod and warn", async () => {
  const h = harness();
  const first = pod("dup", {}, { containers: [{ name: "c", image: "first:1" }] });
  const second = pod("dup", { namespace: "default" }, { containers: [{ name: "c", image: "second:1" }] });
  const r = await serve(h, list(first, second));
  assert.equal(r.source, "changed");
  const kept = h.pods().get("default/dup-different-value");
  assert.deepEqual(((kept?.pod.spec as Json).containers as Json[])[0]?.image, "first:1");
  assert.ok(h.logs().some((e) => e.level === 40 && /served more than once; the first/.test(String(e.msg))));
});

for (const [desc, body] of [
  ["kind: List", { apiVersion: "v1", kind: "List", items: [pod("x")] }],
  ["a top-level JSON array", [pod("x")]],
  ["kind: Deployment", { apiVersion: "v1", kind: "Deployment" }],
  ["a PodList without items", { apiVersion: "v1", kind: "PodList" }],
] as const) {
  test(`H15: ${desc} is refused`, async () => {
    const h = harness();
    await established(h);
    assert.equal((await serve(h, body)).source, "error");
    assert.deepEqual([...h.pods().keys()], ["default/keep-different-value"]);
  });
}

test("H16: an unquoted yes in a label value is a YAML 1.1 boolean and refused; quoted it is accepted", async () => {
  const h = harness();
  const yaml = (v: string) =>
    `apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels:\n    enabled: ${v}\nspec:\n  containers: [{name: c, image: busybox}]\n`;
  assert.equal((await serve(h, yaml("yes"))).source, "error");
  assert.equal(h.pods().size, 0);
  assert.equal((await serve(h, yaml('"yes"'))).source, "changed", errorsLogged(h));
  assert.equal(h.pods().size, 1);
});

test("YAML 1.1: 0644 in a YAML body is octal (420), as the kubelet reads it", async () => {
  const h = harness();
  const yaml =
    "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: c, image: busybox}]\n" +
    "  volumes: [{name: d, downwardAPI: {defaultMode: 0644, items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]}}]\n";
  assert.equal((await serve(h, yaml)).source, "changed", errorsLogged(h));
  const volumes = (h.pods().get("default/a-different-value")?.pod.spec as Json).volumes as Json[];
  assert.equal((volumes[0]?.downwardAPI as Json).defaultMode, 420);
});

test("H17: the same content from another URL string gets another uid", async () => {
  const h1 = harness();
  const h2 = harness({ url: server().url + "?" });
  await serve(h1, list(pod("foo")));
  await serve(h2, list(pod("foo")));
  const u1 = h1.pods().get("default/foo-different-value")?.pod.metadata as Json;
  const u2 = h2.pods().get("default/foo-different-value")?.pod.metadata as Json;
  assert.match(String(u1.uid), /^[0-9a-f]{32}$/);
  assert.notEqual(u1.uid, u2.uid);
});

test("H18: reordered keys are re-parsed but change nothing", async () => {
  const h = harness();
  await serve(
    h,
    '{"apiVersion":"v1","kind":"PodList","items":[{"metadata":{"name":"foo"},"spec":{"containers":[{"name":"c","image":"x"}]}}]}',
  );
  h.lines.length = 0;
  const r = await serve(
    h,
    '{"kind":"PodList","apiVersion":"v1","items":[{"spec":{"containers":[{"image":"x","name":"c"}]},"metadata":{"name":"foo"}}]}',
  );
  assert.equal(r.source, "changed");
  assert.equal(r.applied, 0);
  assert.deepEqual(h.lines, []);
});

test("H19: new content without a pinned uid replaces the pod under a new uid", async () => {
  const h = harness();
  await serve(h, list(pod("foo")));
  const before = h.pods().get("default/foo-different-value");
  await serve(h, list(pod("foo", {}, { containers: [{ name: "c", image: "busybox:1.37" }] })));
  const afterPod = h.pods().get("default/foo-different-value");
  assert.notEqual((afterPod?.pod.metadata as Json).uid, (before?.pod.metadata as Json).uid);
  assert.match(h.lines.at(-1) ?? "", /^~ replace default\/foo-different-value/);
});

test("H20: new content with a pinned uid keeps the uid and still replaces the pod", async () => {
  const h = harness();
  await serve(h, list(pod("foo", { uid: "111" })));
  await serve(h, list(pod("foo", { uid: "111" }, { containers: [{ name: "c", image: "busybox:1.37" }] })));
  const got = h.pods().get("default/foo-different-value");
  assert.equal((got?.pod.metadata as Json).uid, "111");
  assert.match(h.lines.at(-1) ?? "", /^~ replace default\/foo-different-value/);
});
