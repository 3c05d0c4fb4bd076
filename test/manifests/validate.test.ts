// Tests for validatePod: type meta, names, field rules and schema types, as the kubelet judges a static pod.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isDns1123Label, isDns1123Subdomain, podKey, validatePod } from "../../src/manifests/validate.js";
import { parseQuantity } from "../../src/manifests/validate-quantity.js";
import { assertIssue, assertNoErrors, container, errors, pod, runErrorCase, warnings, type Case } from "./validate-helpers.js";

describe("validatePod: type meta and names", () => {
  const cases: Case[] = [
    { name: "no apiVersion", pod: { ...pod(), apiVersion: undefined }, path: "apiVersion", fragment: 'must be "v1"' },
    { name: "invalid apiVersion (H2 b)", pod: pod({}, {}, { apiVersion: "v1betta2" }), path: "apiVersion", fragment: '"v1betta2"' },
    { name: "no kind", pod: { ...pod(), kind: undefined }, path: "kind", fragment: 'must be "Pod"' },
    { name: "kind List", pod: pod({}, {}, { kind: "List" }), path: "kind", fragment: "must be" },
    { name: "no name", pod: pod({}, { name: undefined }), path: "metadata.name", fragment: "name is needed for the pod" },
    { name: "empty name", pod: pod({}, { name: "" }), path: "metadata.name", fragment: "name is needed for the pod" },
    { name: "invalid name", pod: pod({}, { name: "Web_1" }), path: "metadata.name", fragment: "RFC 1123 subdomain" },
    { name: "invalid namespace", pod: pod({}, { namespace: "kube.system" }), path: "metadata.namespace", fragment: "RFC 1123 label" },
    {
      name: "C6: static-pod1-NODE1 is not a valid name",
      pod: pod({}, { name: "static-pod1-NODE1" }),
      path: "metadata.name",
      fragment: "lowercase",
    },
    {
      name: "final name longer than 253",
      pod: pod({}, { name: "a".repeat(250) }),
      options: { nodeName: "node1" },
      path: "metadata.name",
      fragment: "no more than 253",
    },
    {
      name: "final name with an invalid node name",
      pod: pod(),
      options: { nodeName: "node_1" },
      path: "metadata.name",
      fragment: '"web-node_1"',
    },
    {
      name: "H2 c: invalid volume name",
      pod: pod({ volumes: [{ name: "_INVALID_", emptyDir: {} }] }),
      path: "spec.volumes[0].name",
      fragment: "RFC 1123 label",
    },
    {
      name: "H2 d: duplicate volume names",
      pod: pod({ volumes: [{ name: "repeated", emptyDir: {} }, { name: "repeated", emptyDir: {} }] }),
      path: "spec.volumes[1].name",
      fragment: "used twice",
    },
    {
      name: "H2 e: unspecified container name",
      pod: pod({ containers: [container({ name: "" })] }),
      path: "spec.containers[0].name",
      fragment: "container name is required",
    },
    {
      name: "H2 f: invalid container name",
      pod: pod({ containers: [container({ name: "_INVALID_" })] }),
      path: "spec.containers[0].name",
      fragment: "RFC 1123 label",
    },
  ];
  for (const c of cases) it(c.name, () => runErrorCase(c));

  it("rejects values that are not objects", () => {
    for (const value of [null, [], "pod", 3]) {
      const issues = validatePod(value, { basePath: "items[2]" });
      assert.equal(issues.length, 1);
      assertIssue(issues, "items[2]", "must be an object");
    }
  });

  it("C6: the final name lowercases the node name", () => {
    for (const nodeName of ["node1", "Node1", "NODE1"]) {
      assertNoErrors(validatePod(pod({}, { name: "static-pod1" }), { nodeName }));
    }
  });

  it("prefixes every path with basePath", () => {
    const issues = validatePod(pod({ containers: [container({ image: "" })] }, { uid: "1" }), { basePath: "items[3]" });
    assertIssue(issues, "items[3].spec.containers[0].image", "image is required");
    assertIssue(issues, "items[3].metadata.uid", "in-place", "warning");
    assert.ok(issues.every((i) => i.path?.startsWith("items[3].")));
  });
});

describe("validatePod: field rules", () => {
  const cases: Case[] = [
    { name: "no spec", pod: { ...pod(), spec: undefined }, path: "spec.containers", fragment: "at least one container" },
    { name: "empty containers", pod: pod({ containers: [] }), path: "spec.containers", fragment: "at least one container" },
    {
      name: "container names unique across init and regular",
      pod: pod({ initContainers: [container()] }),
      path: "spec.containers[0].name",
      fragment: "used twice",
    },
    { name: "no image", pod: pod({ containers: [{ name: "app" }] }), path: "spec.containers[0].image", fragment: "image is required" },
    {
      name: "volume with two sources",
      pod: pod({ volumes: [{ name: "v", emptyDir: {}, hostPath: { path: "/x" } }] }),
      path: "spec.volumes[0]",
      fragment: "more than one source",
    },
    {
      name: "hostPath without path",
      pod: pod({ volumes: [{ name: "v", hostPath: { type: "Directory" } }] }),
      path: "spec.volumes[0].hostPath.path",
      fragment: "required",
    },
    {
      name: "mount of an undefined volume",
      pod: pod({ containers: [container({ volumeMounts: [{ name: "data", mountPath: "/data" }] })] }),
      path: "spec.containers[0].volumeMounts[0].name",
      fragment: 'volume "data" is not defined',
    },
    {
      name: "mount without mountPath",
      pod: pod({ volumes: [{ name: "d", emptyDir: {} }], containers: [container({ volumeMounts: [{ name: "d" }] })] }),
      path: "spec.containers[0].volumeMounts[0].mountPath",
      fragment: "mountPath is required",
    },
    {
      name: "duplicate mountPath",
      pod: pod({
        volumes: [
          { name: "a", emptyDir: {} },
          { name: "b", emptyDir: {} },
        ],
        containers: [container({ volumeMounts: [{ name: "a", mountPath: "/d" }, { name: "b", mountPath: "/d" }] })],
      }),
      path: "spec.containers[0].volumeMounts[1].mountPath",
      fragment: "mounted twice",
    },
    {
      name: "containerPort 0",
      pod: pod({ containers: [container({ ports: [{ containerPort: 0 }] })] }),
      path: "spec.containers[0].ports[0].containerPort",
      fragment: "between 1 and 65535",
    },
    {
      name: "containerPort 70000",
      pod: pod({ containers: [container({ ports: [{ containerPort: 70000 }] })] }),
      path: "spec.containers[0].ports[0].containerPort",
      fragment: "between 1 and 65535",
    },
    {
      name: "hostPort 70000",
      pod: pod({ containers: [container({ ports: [{ containerPort: 80, hostPort: 70000 }] })] }),
      path: "spec.containers[0].ports[0].hostPort",
      fragment: "between 0 and 65535",
    },
    {
      name: "port name longer than 15",
      pod: pod({ containers: [container({ ports: [{ containerPort: 80, name: "a-very-long-port-name" }] })] }),
      path: "spec.containers[0].ports[0].name",
      fragment: "no more than 15",
    },
    {
      name: "port name without a letter",
      pod: pod({ containers: [container({ ports: [{ containerPort: 80, name: "8080" }] })] }),
      path: "spec.containers[0].ports[0].name",
      fragment: "at least one letter",
    },
    {
      name: "duplicate port name",
      pod: pod({
        containers: [container({ ports: [{ containerPort: 80, name: "http" }, { containerPort: 81, name: "http" }] })],
      }),
      path: "spec.containers[0].ports[1].name",
      fragment: "used twice",
    },
    {
      name: "protocol in lowercase",
      pod: pod({ containers: [container({ ports: [{ containerPort: 80, protocol: "tcp" }] })] }),
      path: "spec.containers[0].ports[0].protocol",
      fragment: '"TCP", "UDP", "SCTP"',
    },
    {
      name: "hostNetwork with hostPort != containerPort",
      pod: pod({ hostNetwork: true, containers: [container({ ports: [{ containerPort: 80, hostPort: 8080 }] })] }),
      path: "spec.containers[0].ports[0].hostPort",
      fragment: "must equal containerPort",
    },
    { name: "restartPolicy", pod: pod({ restartPolicy: "Sometimes" }), path: "spec.restartPolicy", fragment: '"OnFailure"' },
    { name: "dnsPolicy", pod: pod({ dnsPolicy: "Cluster" }), path: "spec.dnsPolicy", fragment: '"ClusterFirstWithHostNet"' },
    {
      name: "imagePullPolicy",
      pod: pod({ containers: [container({ imagePullPolicy: "always" })] }),
      path: "spec.containers[0].imagePullPolicy",
      fragment: '"IfNotPresent"',
    },
    {
      name: "container restartPolicy value",
      pod: pod({ initContainers: [container({ name: "init", restartPolicy: "Sometimes" })] }),
      path: "spec.initContainers[0].restartPolicy",
      fragment: "unsupported value",
    },
    {
      name: "probe without handler",
      pod: pod({ containers: [container({ livenessProbe: { periodSeconds: 10 } })] }),
      path: "spec.containers[0].livenessProbe",
      fragment: "must specify a handler",
    },
    {
      name: "probe with two handlers",
      pod: pod({ containers: [container({ readinessProbe: { exec: { command: ["true"] }, tcpSocket: { port: 80 } } })] }),
      path: "spec.containers[0].readinessProbe",
      fragment: "more than one handler",
    },
    {
      name: "probe port out of range",
      pod: pod({ containers: [container({ startupProbe: { tcpSocket: { port: 0 } } })] }),
      path: "spec.containers[0].startupProbe.tcpSocket.port",
      fragment: "between 1 and 65535",
    },
    {
      name: "probe on a plain init container",
      pod: pod({ initContainers: [container({ name: "init", livenessProbe: { exec: { command: ["true"] } } })] }),
      path: "spec.initContainers[0].livenessProbe",
      fragment: 'restartPolicy is "Always"',
    },
    {
      name: "empty env var name",
      pod: pod({ containers: [container({ env: [{ name: "", value: "x" }] })] }),
      path: "spec.containers[0].env[0].name",
      fragment: "env var name is required",
    },
    {
      name: "quantity grammar",
      pod: pod({ containers: [container({ resources: { limits: { memory: "1 GB" } } })] }),
      path: "spec.containers[0].resources.limits.memory",
      fragment: "does not parse",
    },
    {
      name: "requests above limits",
      pod: pod({ containers: [container({ resources: { requests: { memory: "2Gi" }, limits: { memory: "1Gi" } } })] }),
      path: "spec.containers[0].resources.requests.memory",
      fragment: "less than or equal to the memory limit",
    },
    {
      name: "label key",
      pod: pod({}, { labels: { "-bad": "x" } }),
      path: "metadata.labels[-bad]",
      fragment: "label key",
    },
    {
      name: "label value too long",
      pod: pod({}, { labels: { tier: "x".repeat(64) } }),
      path: "metadata.labels.tier",
      fragment: "no more than 63",
    },
    {
      name: "annotation key",
      pod: pod({}, { annotations: { "a/b/c": "x" } }),
      path: "metadata.annotations[a/b/c]",
      fragment: "qualified name",
    },
    {
      name: "annotations over 256 KiB",
      pod: pod({}, { annotations: { big: "x".repeat(256 * 1024) } }),
      path: "metadata.annotations",
      fragment: "256 KiB",
    },
  ];
  for (const c of cases) it(c.name, () => runErrorCase(c));

  it("C4: pod restartPolicy Never with a container restartPolicy Always is accepted (v1.35)", () => {
    const issues = validatePod(pod({ restartPolicy: "Never", containers: [container({ restartPolicy: "Always" })] }));
    assertNoErrors(issues);
    assertIssue(issues, "spec.containers[0].restartPolicy", "v1.35", "warning");
  });

  it("a sidecar init container (restartPolicy Always) may have probes", () => {
    const sidecar = container({ name: "proxy", restartPolicy: "Always", readinessProbe: { tcpSocket: { port: 80 } } });
    const issues = validatePod(pod({ initContainers: [sidecar] }));
    assertNoErrors(issues);
    assert.deepEqual(warnings(issues), []);
  });

  it("C7: a negative terminationGracePeriodSeconds is a warning, not an error", () => {
    const issues = validatePod(pod({ terminationGracePeriodSeconds: -1 }));
    assertNoErrors(issues);
    assertIssue(issues, "spec.terminationGracePeriodSeconds", "clamps it to 1", "warning");
  });

  it("a volume with no source is defaulted to emptyDir (warning)", () => {
    const issues = validatePod(pod({ volumes: [{ name: "scratch" }] }));
    assertNoErrors(issues);
    assertIssue(issues, "spec.volumes[0]", "emptyDir", "warning");
  });
});

describe("validatePod: schema types", () => {
  it("H16: a boolean where a string is expected names the YAML 1.1 trap", () => {
    const issues = validatePod(pod({}, { labels: { enabled: true } }));
    assertIssue(issues, "metadata.labels.enabled", "quote the value");
    assert.equal(errors(issues).length, 1);
  });

  it("a number in a string field (env value, octal 0644)", () => {
    const issues = validatePod(pod({ containers: [container({ env: [{ name: "A", value: 420 }] })] }));
    assertIssue(issues, "spec.containers[0].env[0].value", "0644 as an octal number");
    assert.equal(errors(issues).length, 1);
  });

  it("a quoted number in an integer field", () => {
    const issues = validatePod(pod({ containers: [container({ ports: [{ containerPort: "80" }] })] }));
    assertIssue(issues, "spec.containers[0].ports[0].containerPort", "remove the quotes");
    assert.equal(errors(issues).length, 1);
  });

  it("a string where a boolean is expected", () => {
    const issues = validatePod(pod({ hostNetwork: "yes" }));
    assertIssue(issues, "spec.hostNetwork", "must be a boolean");
  });

  it("a boolean in an int-or-string probe port", () => {
    const issues = validatePod(pod({ containers: [container({ livenessProbe: { httpGet: { port: true } } })] }));
    assertIssue(issues, "spec.containers[0].livenessProbe.httpGet.port", "must be a string or an integer");
  });

  it("accepts int-or-string ports, numeric quantities and JSON nulls", () => {
    const c = container({
      ports: [{ containerPort: 8080, name: "http" }],
      livenessProbe: { httpGet: { port: "http", path: "/healthz" } },
      readinessProbe: { tcpSocket: { port: 8080 } },
      startupProbe: { grpc: { port: 9090 } },
      resources: { requests: { cpu: 0.5, memory: "64Mi" }, limits: { cpu: 1, memory: 134217728 } },
      env: null,
    });
    const issues = validatePod(pod({ containers: [c], volumes: null }, { creationTimestamp: null }));
    assertNoErrors(issues);
    assert.deepEqual(warnings(issues), []);
  });

  it("warns about unknown fields with a suggestion", () => {
    const issues = validatePod(pod({ containers: [container({ imagePulPolicy: "Always" })] }));
    assertNoErrors(issues);
    assertIssue(
      issues,
      "spec.containers[0].imagePulPolicy",
      'unknown field "imagePulPolicy": the kubelet drops it silently. Did you mean "imagePullPolicy"?',
      "warning",
    );
  });

  it("reports every problem at once: five problems, five errors", () => {
    const bad = pod(
      {
        restartPolicy: "Sometimes",
        serviceAccountName: "default",
        containers: [container({ name: "App", ports: [{ containerPort: 70000 }] })],
      },
      { labels: { on: true } },
    );
    const issues = errors(validatePod(bad));
    assert.deepEqual(issues.map((i) => i.path).sort(), [
      "metadata.labels.on",
      "spec.containers[0].name",
      "spec.containers[0].ports[0].containerPort",
      "spec.restartPolicy",
      "spec.serviceAccountName",
    ]);
  });
});

describe("parseQuantity", () => {
  it("follows the Kubernetes quantity grammar", () => {
    const valid: [unknown, number][] = [
      ["500m", 0.5],
      ["1.5Gi", 1.5 * 2 ** 30],
      ["128Mi", 128 * 2 ** 20],
      ["1e3", 1000],
      ["2E", 2e18],
      ["+1k", 1000],
      [".5", 0.5],
      ["10", 10],
      [0.25, 0.25],
    ];
    for (const [input, expected] of valid) assert.equal(parseQuantity(input), expected, String(input));
    for (const input of ["1 GB", "1Kb", "1e", "abc", "", "1.2.3", true, null]) {
      assert.equal(parseQuantity(input), undefined, String(input));
    }
  });

  it("a bad label value under a key with a DNS prefix keeps the Kubernetes path", () => {
    const issues = validatePod(pod({}, { labels: { "app.kubernetes.io/managed": false } }));
    assertIssue(issues, "metadata.labels[app.kubernetes.io/managed]", "quote the value");
    assert.equal(errors(issues).length, 1);
  });
});

describe("podKey and DNS names", () => {
  it("podKey defaults the namespace", () => {
    assert.equal(podKey(pod({}, { namespace: undefined })), "default/web");
    assert.equal(podKey(pod()), "kube-system/web");
    assert.equal(podKey(pod({}, { name: "" })), undefined);
    assert.equal(podKey({ metadata: { name: 3 } }), undefined);
    assert.equal(podKey(null), undefined);
  });

  it("isDns1123Subdomain / isDns1123Label", () => {
    assert.equal(isDns1123Subdomain("kube-apiserver.node-1"), true);
    assert.equal(isDns1123Subdomain("a".repeat(253)), true);
    assert.equal(isDns1123Subdomain("a".repeat(254)), false);
    assert.equal(isDns1123Subdomain("Upper"), false);
    assert.equal(isDns1123Subdomain("-a"), false);
    assert.equal(isDns1123Label("etcd-0"), true);
    assert.equal(isDns1123Label("a.b"), false);
    assert.equal(isDns1123Label("a".repeat(63)), true);
    assert.equal(isDns1123Label("a".repeat(64)), false);
    assert.equal(isDns1123Label(""), false);
  });
});
