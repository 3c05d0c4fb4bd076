import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { applyPodDefaults, applyPodDefaultsTraced } from "../../../src/manifests/defaults/pod-defaults.js";
import { imageTag } from "../../../src/manifests/defaults/image-pull-policy.js";
import { container, pod, type Obj } from "../validate-helpers.js";

function spec(p: unknown): Obj {
  return (p as { spec: Obj }).spec;
}
function firstContainer(p: unknown): Obj {
  return (spec(p)["containers"] as Obj[])[0]!;
}

describe("applyPodDefaults: what the kubelet's decoder fills in", () => {
  const cases: { name: string; input: Obj; check: (out: Obj) => unknown; want: unknown }[] = [
    { name: "dnsPolicy", input: pod(), check: (o) => spec(o)["dnsPolicy"], want: "ClusterFirst" },
    { name: "restartPolicy", input: pod(), check: (o) => spec(o)["restartPolicy"], want: "Always" },
    { name: "restartPolicy kept", input: pod({ restartPolicy: "Never" }), check: (o) => spec(o)["restartPolicy"], want: "Never" },
    { name: "grace period 30", input: pod(), check: (o) => spec(o)["terminationGracePeriodSeconds"], want: 30 },
    { name: "grace period 0 kept (a pointer)", input: pod({ terminationGracePeriodSeconds: 0 }), check: (o) => spec(o)["terminationGracePeriodSeconds"], want: 0 },
    { name: "schedulerName", input: pod(), check: (o) => spec(o)["schedulerName"], want: "default-scheduler" },
    { name: "enableServiceLinks", input: pod(), check: (o) => spec(o)["enableServiceLinks"], want: true },
    { name: "securityContext", input: pod(), check: (o) => spec(o)["securityContext"], want: {} },
    { name: "pull policy from a tag", input: pod(), check: (o) => firstContainer(o)["imagePullPolicy"], want: "IfNotPresent" },
    { name: "pull policy for latest", input: pod({ containers: [container({ image: "nginx" })] }), check: (o) => firstContainer(o)["imagePullPolicy"], want: "Always" },
    { name: "pull policy kept", input: pod({ containers: [container({ image: "nginx", imagePullPolicy: "Never" })] }), check: (o) => firstContainer(o)["imagePullPolicy"], want: "Never" },
    { name: "termination message", input: pod(), check: (o) => [firstContainer(o)["terminationMessagePath"], firstContainer(o)["terminationMessagePolicy"]], want: ["/dev/termination-log", "File"] },
    {
      name: "probe thresholds: 0 is unset in Go",
      input: pod({ containers: [container({ livenessProbe: { successThreshold: 0, tcpSocket: { port: 80 } } })] }),
      check: (o) => {
        const p = firstContainer(o)["livenessProbe"] as Obj;
        return [p["timeoutSeconds"], p["periodSeconds"], p["successThreshold"], p["failureThreshold"]];
      },
      want: [1, 10, 1, 3],
    },
    {
      name: "httpGet path and scheme",
      input: pod({ containers: [container({ readinessProbe: { httpGet: { port: 80 } } })] }),
      check: (o) => (firstContainer(o)["readinessProbe"] as Obj)["httpGet"],
      want: { port: 80, path: "/", scheme: "HTTP" },
    },
    {
      name: "port protocol, and hostPort with hostNetwork",
      input: pod({ hostNetwork: true, containers: [container({ ports: [{ containerPort: 9100 }] })] }),
      check: (o) => firstContainer(o)["ports"],
      want: [{ containerPort: 9100, protocol: "TCP", hostPort: 9100 }],
    },
    {
      name: "no hostPort without hostNetwork",
      input: pod({ containers: [container({ ports: [{ containerPort: 9100 }] })] }),
      check: (o) => firstContainer(o)["ports"],
      want: [{ containerPort: 9100, protocol: "TCP" }],
    },
    {
      name: "requests copied from limits where missing, quantities trimmed",
      input: pod({ containers: [container({ resources: { limits: { cpu: " 1 ", memory: "1Gi" }, requests: { cpu: "500m" } } })] }),
      check: (o) => firstContainer(o)["resources"],
      want: { limits: { cpu: "1", memory: "1Gi" }, requests: { cpu: "500m", memory: "1Gi" } },
    },
    {
      name: "a volume without a source is an emptyDir; hostPath type",
      input: pod({ volumes: [{ name: "a" }, { name: "b", hostPath: { path: "/x" } }] }),
      check: (o) => spec(o)["volumes"],
      want: [
        { name: "a", emptyDir: {} },
        { name: "b", hostPath: { path: "/x", type: "" } },
      ],
    },
    {
      name: "fieldRef apiVersion",
      input: pod({ containers: [container({ env: [{ name: "N", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }] })] }),
      check: (o) => (firstContainer(o)["env"] as Obj[])[0],
      want: { name: "N", valueFrom: { fieldRef: { fieldPath: "spec.nodeName", apiVersion: "v1" } } },
    },
    {
      name: "a value of the wrong type is left for the schema check",
      input: pod({ restartPolicy: 7, containers: [container({ livenessProbe: { successThreshold: "0" } })] }),
      check: (o) => [spec(o)["restartPolicy"], (firstContainer(o)["livenessProbe"] as Obj)["successThreshold"]],
      want: [7, "0"],
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(c.check(applyPodDefaults(c.input)), c.want));

  it("never changes its input, and a non-object comes back as is", () => {
    const input = pod({ containers: [container({ resources: { limits: { cpu: "1" } } })] });
    const before = JSON.stringify(input);
    applyPodDefaults(input);
    assert.equal(JSON.stringify(input), before);
    assert.equal(applyPodDefaults("x"), "x");
    assert.equal(applyPodDefaults(null), null);
  });

  it("is idempotent", () => {
    const once = applyPodDefaults(pod({ hostNetwork: true, containers: [container({ ports: [{ containerPort: 1 }] })] }));
    assert.deepEqual(applyPodDefaults(once), once);
  });

  it("reports the requests it copied from limits", () => {
    const { copies } = applyPodDefaultsTraced(pod({ initContainers: [container({ resources: { limits: { cpu: "1" } } })] }));
    assert.deepEqual(copies, [
      { from: ["spec", "initContainers", 0, "resources", "limits", "cpu"], to: ["spec", "initContainers", 0, "resources", "requests", "cpu"] },
    ]);
  });
});

describe("imageTag (the kubelet's image-name parser)", () => {
  const cases: [string, string][] = [
    ["nginx", "latest"],
    ["nginx:latest", "latest"],
    ["nginx:1.27", "1.27"],
    ["registry.local:5000/team/app", "latest"],
    ["registry.local:5000/team/app:v2", "v2"],
    [`nginx@sha256:${"a".repeat(64)}`, ""],
    [`nginx:1.27@sha256:${"a".repeat(64)}`, "1.27"],
    ["Nginx", ""],
    ["", ""],
  ];
  for (const [image, tag] of cases) it(`${JSON.stringify(image)} → ${JSON.stringify(tag)}`, () => assert.equal(imageTag(image), tag));
});
