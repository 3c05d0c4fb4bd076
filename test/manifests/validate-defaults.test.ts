import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { validatePod } from "../../src/manifests/validate.js";
import { assertIssue, assertNoErrors, container, errors, pod, warnings } from "./validate-helpers.js";

describe("validatePod judges the defaulted pod, like the kubelet", () => {
  const accepted: [string, object][] = [
    ["a probe with successThreshold 0 (defaulted to 1)", pod({ containers: [container({ livenessProbe: { successThreshold: 0, tcpSocket: { port: 80 } } })] })],
    ["a quantity with surrounding spaces", pod({ containers: [container({ resources: { limits: { cpu: " 1 " } } })] })],
    ["a sysctl without value", pod({ securityContext: { sysctls: [{ name: "net.ipv4.ip_forward" }] } })],
    ["an HTTP header without value", pod({ containers: [container({ readinessProbe: { httpGet: { port: 80, httpHeaders: [{ name: "X-A" }] } } })] })],
    ["an empty imagePullSecrets name before kubelet 1.34", pod({ imagePullSecrets: [{ name: "" }] })],
  ];
  for (const [name, p] of accepted)
    it(`accepts ${name}`, () => assertNoErrors(validatePod(p, { nodeName: "n1", kubeletMinor: name.includes("1.34") ? 33 : 35 })));

  it("refuses imagePullSecrets from kubelet 1.34 on (PreventStaticPodAPIReferences)", () => {
    assertIssue(validatePod(pod({ imagePullSecrets: [{ name: "x" }] }), { kubeletMinor: 34 }), "spec.imagePullSecrets", "may not reference secrets", "error");
    // An empty name is skipped by the kubelet's Secret-reference walk: no reference, on any version.
    assertNoErrors(validatePod(pod({ imagePullSecrets: [{ name: "" }] }), { kubeletMinor: 34 }));
    assertIssue(validatePod(pod({ imagePullSecrets: [{ name: "x" }] }), { kubeletMinor: 33 }), "spec.imagePullSecrets", "1.34", "warning");
  });

  it("reports a bad limit once, at the limit, not again at the request copied from it", () => {
    const issues = errors(validatePod(pod({ containers: [container({ resources: { limits: { memory: "1 GB" } } })] })));
    assert.deepEqual(
      issues.map((i) => i.path),
      ["spec.containers[0].resources.limits.memory"],
    );
  });
});

describe("int64 and non-finite numbers", () => {
  it("refuses an int64 beyond 2^53, naming the field", () => {
    assertIssue(validatePod(pod({ terminationGracePeriodSeconds: JSON.parse("9223372036854775807") as number })), "spec.terminationGracePeriodSeconds", "beyond int64", "error");
    assertIssue(validatePod(pod({ securityContext: { supplementalGroups: [1, 2 ** 60] } })), "spec.securityContext.supplementalGroups[1]", "too large", "error");
  });
  it("accepts the largest exact int64 and refuses out-of-range int32 and non-finite numbers", () => {
    // activeDeadlineSeconds is an int64 the kubelet caps at 2^31-1; terminationGracePeriodSeconds has no cap.
    assertNoErrors(validatePod(pod({ terminationGracePeriodSeconds: Number.MAX_SAFE_INTEGER })));
    assertIssue(validatePod(pod({ containers: [container({ ports: [{ containerPort: 2 ** 31 }] })] })), "spec.containers[0].ports[0].containerPort", "32-bit", "error");
    assertIssue(validatePod(pod({ terminationGracePeriodSeconds: Infinity })), "spec.terminationGracePeriodSeconds", "non-finite", "error");
  });
});

describe("unknown fields, per kubelet version, and strict", () => {
  const typo = pod({ containers: [container({ imagePulPolicy: "Always" })] });
  it("warns with the path and a suggestion, from the full schema", () => {
    assertIssue(validatePod(typo), "spec.containers[0].imagePulPolicy", 'Did you mean "imagePullPolicy"', "warning");
    assertIssue(validatePod(pod({ affinity: { nodeAffinity: { requiredDuringScheduling: {} } } })), "spec.affinity.nodeAffinity.requiredDuringScheduling", "unknown field", "warning");
    assertIssue(validatePod(pod({}, { labels: { a: "b" }, labelz: {} })), "metadata.labelz", "unknown field", "warning");
  });
  it("is an error with strict", () => {
    assertIssue(validatePod(typo, { strict: true }), "spec.containers[0].imagePulPolicy", "strict", "error");
  });
  it("knows fields newer than the bundled schema, and which kubelet first knows them", () => {
    const p = pod({ hostnameOverride: "h" });
    assert.deepEqual(warnings(validatePod(p, { kubeletMinor: 35 })), []);
    assertIssue(validatePod(p, { kubeletMinor: 33 }), "spec.hostnameOverride", "new in kubelet 1.34", "warning");
    assertIssue(validatePod(pod({ containers: [container({ lifecycle: { stopSignal: "SIGTERM" } })] }), { kubeletMinor: 32 }), "spec.containers[0].lifecycle.stopSignal", "1.33", "warning");
  });
  it("does not walk status, and known map values (labels, limits) are free", () => {
    assert.deepEqual(warnings(validatePod(pod({ containers: [container({ resources: { limits: { "example.com/gpu": "1" } } })] }, { labels: { x: "y" } }))), []);
  });
});
