import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadFleet } from "../../src/fleet/load-fleet.js";
import type { SourcePod } from "../../src/fleet/pod-sources.js";
import { isOpaqueToValidation, TemplatedValidator } from "../../src/fleet/templated-validation.js";
import { filesFromTree } from "../helpers/fleet.js";

const FLEET = `nodes:
  a: { labels: { site: "north" }, vars: { ip: "10.0.0.1" } }
  b: { labels: { site: "south" }, vars: { ip: "10.0.0.2" } }
  c: { labels: { site: "bad value!" }, vars: { ip: "10.0.0.3" } }
`;
const GATEWAY = `apiVersion: v1
kind: Pod
metadata:
  name: gw
  labels: { site: "{{ node.labels.site }}" }
spec:
  containers:
    - name: c
      image: "nginx:1.27"
      args: ["--listen={{ node.vars.ip }}"]
      env: [{ name: "SITE", value: "{{ node.labels.site }}" }]
`;

describe("templated pods are validated once per equivalent expansion", () => {
  it("classifies the strings validation never reads", () => {
    assert.equal(isOpaqueToValidation(["spec", "containers", 0, "args", 1]), true);
    assert.equal(isOpaqueToValidation(["spec", "initContainers", 2, "env", 0, "value"]), true);
    assert.equal(
      isOpaqueToValidation(["spec", "containers", 0, "livenessProbe", "exec", "command", 0]),
      true,
    );
    assert.equal(
      isOpaqueToValidation(["spec", "containers", 0, "lifecycle", "preStop", "exec", "command", 0]),
      true,
    );
    assert.equal(isOpaqueToValidation(["spec", "containers", 0, "image"]), false);
    assert.equal(isOpaqueToValidation(["spec", "containers", 0, "env", 0, "name"]), false);
    assert.equal(isOpaqueToValidation(["metadata", "labels", "site"]), false);
  });

  it("shares a result between expansions that differ only where validation does not look", () => {
    const calls: string[] = [];
    const source = {
      file: "f",
      doc: 1,
      path: "",
      value: { metadata: { labels: { s: "{{ x }}" } }, spec: { containers: [{ args: ["{{ y }}"] }] } },
    } as unknown as SourcePod;
    const v = new TemplatedValidator((_s, expanded) => {
      calls.push(JSON.stringify(expanded));
      return [];
    });
    const expansion = (label: string, arg: string) => ({
      metadata: { labels: { s: label } },
      spec: { containers: [{ args: [arg] }] },
    });
    v.issuesFor(source, expansion("north", "1"), 35);
    v.issuesFor(source, expansion("south", "2"), 35);
    assert.equal(calls.length, 1, "valid label values and non-empty args are equivalent");
    v.issuesFor(source, expansion("north", ""), 35);
    v.issuesFor(source, expansion("bad value!", "1"), 35);
    v.issuesFor(source, expansion("north", "1"), 33);
    assert.equal(
      calls.length,
      4,
      "an empty arg, an invalid label value and another kubelet are validated apart",
    );
  });

  it("still reports a bad templated value on the node that has it, and only there", () => {
    const r = loadFleet(filesFromTree({ "fleet.yaml": FLEET, "common/gw.yaml": GATEWAY }), { revision: "t" });
    assert.ok(!r.ok);
    const errors = r.issues.filter((i) => i.severity === "error");
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.equal(errors[0]?.path, "metadata.labels.site");
    assert.deepEqual(errors[0]?.nodes, ["c"]);
  });
});
