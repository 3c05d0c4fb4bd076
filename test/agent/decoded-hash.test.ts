import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { applyPodDefaults } from "../../src/manifests/defaults/pod-defaults.js";
import { canonicalJson, renderPodList } from "../../src/manifests/render.js";
import { loadFleet } from "../../src/fleet/load-fleet.js";
import { readFleetDir } from "../../src/source/dir-source.js";
import { EXAMPLE_FLEET } from "../helpers/fleet.js";
import { validatePod } from "../../src/manifests/validate.js";
import { decodeResponse } from "../../src/agent/decode.js";
import { legacyContentHash } from "../../src/agent/defaults.js";
import { planReconcile } from "../../src/agent/diff.js";

const url = "http://server/nodes/n1";
const served = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "web", namespace: "kube-system" },
  spec: { containers: [{ name: "app", image: "nginx:1.27", livenessProbe: { tcpSocket: { port: 80 } } }] },
};
const body = (pod: object): string => JSON.stringify({ apiVersion: "v1", kind: "PodList", items: [pod] });
const hashOf = (text: string): string => decodeResponse(text, { node: "n1", url }).pods[0]!.hash;

describe("the agent's hash follows what the kubelet decodes", () => {
  const base = hashOf(body(served));
  it("ignores spelled-out defaults, unknown fields and key order", () => {
    assert.equal(hashOf(body(applyPodDefaults(served))), base);
    assert.equal(hashOf(body({ ...served, spec: { ...served.spec, unknownThing: 1 } })), base);
    const reordered = { spec: served.spec, metadata: served.metadata, kind: "Pod", apiVersion: "v1" };
    assert.equal(hashOf(body(reordered)), base);
  });
  it('ignores Go zero values written out (false, 0, "") of non-pointer fields, but not of pointer ones', () => {
    const container = served.spec.containers[0]!;
    const zeros = {
      ...served,
      spec: {
        ...served.spec,
        hostNetwork: false,
        containers: [{ ...container, tty: false, ports: [{ containerPort: 80, hostPort: 0 }] }],
      },
    };
    const plain = {
      ...served,
      spec: { ...served.spec, containers: [{ ...container, ports: [{ containerPort: 80 }] }] },
    };
    assert.equal(hashOf(body(zeros)), hashOf(body(plain)));
    const withSc = (sc: object) => ({
      ...served,
      spec: { ...served.spec, containers: [{ ...container, securityContext: sc }] },
    });
    assert.notEqual(
      hashOf(body(withSc({ privileged: false }))),
      hashOf(body(withSc({}))),
      "privileged is a pointer: false is not the same as unset",
    );
  });
  it("changes with a change the kubelet sees", () => {
    assert.notEqual(hashOf(body({ ...served, spec: { ...served.spec, restartPolicy: "Never" } })), base);
  });
  it("follows the kubelet version: a field it does not know is warned about and does not count", () => {
    const newer = body({ ...served, spec: { ...served.spec, hostnameOverride: "web" } });
    const old = decodeResponse(newer, { node: "n1", url, kubeletMinor: 33 });
    assert.ok(old.warnings.some((w) => w.path === "items[0].spec.hostnameOverride"));
    assert.equal(
      old.pods[0]?.hash,
      decodeResponse(body(served), { node: "n1", url, kubeletMinor: 33 }).pods[0]?.hash,
    );
    assert.notEqual(hashOf(newer), base, "kubelet 1.35 knows the field");
  });
  it("decodes a JSON body that starts with a byte-order mark", () => {
    assert.equal(hashOf(`\uFEFF${body(served)}`), base);
  });
  it("keeps a running pod recorded with the previous hash scheme (no restart on upgrade)", () => {
    const desired = decodeResponse(body(served), { node: "n1", url }).pods;
    const actual = [{ fullName: "kube-system/web-n1", hash: legacyContentHash(served, url), owned: true }];
    assert.deepEqual(planReconcile(desired, actual).unchanged, ["kube-system/web-n1"]);
    const stale = [{ fullName: "kube-system/web-n1", hash: "0".repeat(32), owned: true }];
    assert.equal(planReconcile(desired, stale).replace.length, 1);
  });
  it("property: an accepted pod keeps its meaning through defaults, render and decode", () => {
    const probe = fc.record(
      {
        timeoutSeconds: fc.integer({ min: 0, max: 5 }),
        successThreshold: fc.constantFrom(0, 1),
        tcpSocket: fc.constant({ port: 80 }),
      },
      { requiredKeys: ["tcpSocket"] },
    );
    const pods = fc.record({
      image: fc.constantFrom("nginx", "nginx:1.27", "busybox:latest"),
      probe: fc.option(probe, { nil: undefined }),
      restartPolicy: fc.constantFrom(undefined, "", "Always", "Never"),
      limits: fc.option(fc.record({ cpu: fc.constantFrom("1", " 250m ") }), { nil: undefined }),
      hostNetwork: fc.boolean(),
      port: fc.integer({ min: 1, max: 65535 }),
    });
    fc.assert(
      fc.property(pods, (p) => {
        const c: Record<string, unknown> = {
          name: "app",
          image: p.image,
          ports: [{ containerPort: p.port }],
        };
        if (p.probe !== undefined) c["livenessProbe"] = p.probe;
        if (p.limits !== undefined) c["resources"] = { limits: p.limits };
        const spec: Record<string, unknown> = { containers: [c], hostNetwork: p.hostNetwork };
        if (p.restartPolicy !== undefined) spec["restartPolicy"] = p.restartPolicy;
        const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "web" }, spec };
        if (validatePod(pod, { nodeName: "n1" }).some((i) => i.severity === "error")) return;
        const rendered = canonicalJson(pod);
        const once = hashOf(body(JSON.parse(rendered) as object));
        assert.equal(hashOf(body(applyPodDefaults(JSON.parse(rendered) as object))), once);
        assert.equal(hashOf(`\uFEFF${body(JSON.parse(rendered) as object)}`), once);
      }),
      { numRuns: 200 },
    );
  });
});

describe("every pod of the example fleet keeps its hash through defaults and both served formats", () => {
  it("JSON, YAML and the defaulted pod decode to the same hash on every node", async () => {
    const r = loadFleet(await readFleetDir(EXAMPLE_FLEET), { revision: "example" });
    assert.ok(r.ok);
    let checked = 0;
    for (const node of r.fleet.nodes.values()) {
      const options = { node: node.name, url: `http://server/nodes/${node.name}` };
      const pods = node.pods.map((p) => p.pod);
      const fromJson = decodeResponse(node.json.toString("utf8"), options).pods.map((p) => p.hash);
      const fromYaml = decodeResponse(renderPodList(pods, "yaml"), options).pods.map((p) => p.hash);
      const defaulted = decodeResponse(
        renderPodList(
          pods.map((p) => applyPodDefaults(p)),
          "json",
        ),
        options,
      );
      assert.deepEqual(fromYaml, fromJson, node.name);
      assert.deepEqual(
        defaulted.pods.map((p) => p.hash),
        fromJson,
        node.name,
      );
      checked += fromJson.length;
    }
    assert.ok(checked > 10);
  });
});
