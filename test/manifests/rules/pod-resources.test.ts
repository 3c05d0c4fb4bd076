// Pod-level resources: validated for static pods from kubelet 1.35 (facts from TestValidatePodResources and
// TestValidatePodResourceConsistency); earlier kubelets pass empty validation options and skip them.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { aggregate } from "../../../src/manifests/rules/pod-resources.js";
import { parseQuantityNano } from "../../../src/manifests/validate-quantity.js";
import { ctr, runCases, type Obj, type RuleCase } from "./rule-cases.js";

function podLevel(resources: Obj, containers: Obj[] = [ctr()], extra: Obj = {}): Obj {
  return { resources, containers, ...extra };
}

const withRequests = (requests: Obj, name = "app", extra: Obj = {}): Obj => ctr({ resources: { requests }, ...extra }, name);

const cases: RuleCase[] = [
  { name: "pod-level cpu and memory", spec: podLevel({ limits: { cpu: "2", memory: "2Gi" }, requests: { cpu: "1", memory: "1Gi" } }), verdict: "clean" },
  { name: "pod-level extended resource", spec: podLevel({ requests: { "example.com/gpu": "1" }, limits: { "example.com/gpu": "1" } }), verdict: { path: "spec.resources.requests[example.com/gpu]", fragment: 'Unsupported value: "example.com/gpu": supported values: "cpu", "hugepages-", "memory"', errors: 2 } },
  { name: "pod-level ephemeral-storage", spec: podLevel({ requests: { "ephemeral-storage": "1Gi" } }), verdict: { path: "spec.resources.requests.ephemeral-storage", fragment: "Unsupported value" } },
  { name: "pod-level claims", spec: podLevel({ claims: [{ name: "gpu" }] }), verdict: { path: "spec.resources.claims", fragment: "claims cannot be set for Resources at pod-level" } },
  { name: "containers request more than the pod", spec: podLevel({ requests: { cpu: "1" } }, [withRequests({ cpu: "600m" }, "a"), withRequests({ cpu: "600m" }, "b")]), verdict: { path: "spec.resources.requests.cpu", fragment: "must be greater than or equal to aggregate container requests of 1200m" } },
  { name: "containers request what the pod has", spec: podLevel({ requests: { cpu: "1" } }, [withRequests({ cpu: "500m" }, "a"), withRequests({ cpu: "500m" }, "b")]), verdict: "clean" },
  { name: "an init container peaks alone", spec: podLevel({ requests: { cpu: "1" } }, [withRequests({ cpu: "300m" })], { initContainers: [withRequests({ cpu: "1" }, "init")] }), verdict: "clean" },
  { name: "a sidecar adds to the containers", spec: podLevel({ requests: { cpu: "1" } }, [withRequests({ cpu: "800m" })], { initContainers: [withRequests({ cpu: "300m" }, "side", { restartPolicy: "Always" })] }), verdict: { path: "spec.resources.requests.cpu", fragment: "aggregate container requests of 1100m" } },
  { name: "a container limit above the pod limit", spec: podLevel({ limits: { memory: "1Gi" }, requests: { memory: "1Gi" } }, [ctr({ resources: { limits: { memory: "2Gi" }, requests: { memory: "512Mi" } } })]), verdict: { path: "spec.containers[0].resources.limits.memory", fragment: "must be less than or equal to pod limits of 1073741824" } },
  {
    name: "containers' hugepages above the pod's",
    spec: podLevel({ limits: { "hugepages-2Mi": "4Mi", memory: "1Gi" } }, [
      ctr({ resources: { limits: { "hugepages-2Mi": "4Mi", memory: "100Mi" }, requests: { "hugepages-2Mi": "4Mi", memory: "100Mi" } } }, "a"),
      ctr({ resources: { limits: { "hugepages-2Mi": "4Mi", memory: "100Mi" }, requests: { "hugepages-2Mi": "4Mi", memory: "100Mi" } } }, "b"),
    ]),
    verdict: { path: "spec.resources.limits.hugepages-2Mi", fragment: "aggregate container limits of 8388608", errors: 2 },
  },
  { name: "pod request above pod limit", spec: podLevel({ limits: { cpu: "1" }, requests: { cpu: "2" } }), verdict: { path: "spec.resources.requests.cpu", fragment: "must be less than or equal to" } },
  // Before 1.35 the kubelet does not validate spec.resources of a static pod.
  {
    name: "unsupported pod-level resource on 1.34",
    spec: podLevel({ requests: { "ephemeral-storage": "1Gi" } }),
    minors: [34],
    verdict: { path: "spec.resources.requests.ephemeral-storage", fragment: "from 1.35 it refuses the pod", severity: "warning" },
  },
  { name: "pod-level resources behind an off gate", spec: podLevel({ requests: { cpu: "1" } }), minors: [32, 33], verdict: { path: "spec.resources", fragment: "PodLevelResources feature gate", severity: "warning" } },
];

runCases("pod-level resources", cases);

describe("aggregate", () => {
  it("sums regular containers and sidecars, and takes each init container at its peak", () => {
    const q = (v: string): bigint => parseQuantityNano(v) ?? -1n;
    const at = (kind: "initContainers" | "containers", requests: Obj, restartPolicy?: string) => ({
      container: { resources: { requests }, ...(restartPolicy ? { restartPolicy } : {}) },
      path: "",
      kind,
    });
    const total = aggregate(
      [at("initContainers", { cpu: "200m" }, "Always"), at("initContainers", { cpu: "2", memory: "1Gi" }), at("containers", { cpu: "500m" })],
      "requests",
    );
    assert.equal(total.get("cpu"), q("2.2"));
    assert.equal(total.get("memory"), q("1Gi"));
  });
});
