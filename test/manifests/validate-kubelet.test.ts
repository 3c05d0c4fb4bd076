// Realistic static pods (kubeadm-like control plane, the kubelet's own test bodies) must validate without errors.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { validatePod } from "../../src/manifests/validate.js";
import { assertNoErrors, warnings, type Obj } from "./validate-helpers.js";

function hostPath(name: string, path: string, type: string): Obj {
  return { name, hostPath: { path, type } };
}

function mount(name: string, mountPath: string, readOnly = false): Obj {
  return readOnly ? { name, mountPath, readOnly } : { name, mountPath };
}

function httpProbe(port: number | string, path: string, failureThreshold: number, host = "127.0.0.1"): Obj {
  return {
    failureThreshold,
    httpGet: { host, path, port, scheme: "HTTPS" },
    initialDelaySeconds: 10,
    periodSeconds: 10,
    timeoutSeconds: 15,
  };
}

function controlPlanePod(component: string, annotations: Obj, c: Obj, volumes: Obj[]): Obj {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      annotations,
      creationTimestamp: null,
      labels: { component, tier: "control-plane" },
      name: component,
      namespace: "kube-system",
    },
    spec: {
      containers: [{ name: component, imagePullPolicy: "IfNotPresent", ...c }],
      hostNetwork: true,
      priorityClassName: "system-node-critical",
      securityContext: { seccompProfile: { type: "RuntimeDefault" } },
      volumes,
    },
    status: {},
  };
}

const etcd = controlPlanePod(
  "etcd",
  { "kubeadm.kubernetes.io/etcd.advertise-client-urls": "https://10.0.0.10:2379" },
  {
    command: ["etcd", "--advertise-client-urls=https://10.0.0.10:2379", "--data-dir=/var/lib/etcd", "--snapshot-count=10000"],
    image: "registry.k8s.io/etcd:3.5.21-0",
    livenessProbe: { ...httpProbe(2381, "/livez", 8), httpGet: { host: "127.0.0.1", path: "/livez", port: 2381, scheme: "HTTP" } },
    readinessProbe: { failureThreshold: 3, httpGet: { host: "127.0.0.1", path: "/readyz", port: 2381, scheme: "HTTP" }, periodSeconds: 1, timeoutSeconds: 15 },
    resources: { requests: { cpu: "100m", memory: "100Mi" } },
    startupProbe: { ...httpProbe(2381, "/readyz", 24), httpGet: { host: "127.0.0.1", path: "/readyz", port: 2381, scheme: "HTTP" } },
    volumeMounts: [mount("etcd-data", "/var/lib/etcd"), mount("etcd-certs", "/etc/kubernetes/pki/etcd")],
  },
  [hostPath("etcd-certs", "/etc/kubernetes/pki/etcd", "DirectoryOrCreate"), hostPath("etcd-data", "/var/lib/etcd", "DirectoryOrCreate")],
);

const apiserver = controlPlanePod(
  "kube-apiserver",
  { "kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint": "10.0.0.10:6443" },
  {
    command: ["kube-apiserver", "--advertise-address=10.0.0.10", "--etcd-servers=https://127.0.0.1:2379", "--secure-port=6443"],
    image: "registry.k8s.io/kube-apiserver:v1.35.0",
    livenessProbe: httpProbe("probe-port", "/livez", 8, "10.0.0.10"),
    ports: [{ containerPort: 6443, name: "probe-port", protocol: "TCP" }],
    readinessProbe: { failureThreshold: 3, httpGet: { host: "10.0.0.10", path: "/readyz", port: "probe-port", scheme: "HTTPS" }, periodSeconds: 1, timeoutSeconds: 15 },
    resources: { requests: { cpu: "250m" }, limits: { memory: "2Gi", cpu: 2 } },
    startupProbe: httpProbe("probe-port", "/livez", 24, "10.0.0.10"),
    volumeMounts: [
      mount("ca-certs", "/etc/ssl/certs", true),
      mount("etc-ca-certificates", "/etc/ca-certificates", true),
      mount("k8s-certs", "/etc/kubernetes/pki", true),
      mount("usr-local-share-ca-certificates", "/usr/local/share/ca-certificates", true),
    ],
  },
  [
    hostPath("ca-certs", "/etc/ssl/certs", "DirectoryOrCreate"),
    hostPath("etc-ca-certificates", "/etc/ca-certificates", "DirectoryOrCreate"),
    hostPath("k8s-certs", "/etc/kubernetes/pki", "DirectoryOrCreate"),
    hostPath("usr-local-share-ca-certificates", "/usr/local/share/ca-certificates", "DirectoryOrCreate"),
  ],
);

const controllerManager = controlPlanePod(
  "kube-controller-manager",
  {},
  {
    command: ["kube-controller-manager", "--kubeconfig=/etc/kubernetes/controller-manager.conf", "--leader-elect=true"],
    image: "registry.k8s.io/kube-controller-manager:v1.35.0",
    livenessProbe: httpProbe(10257, "/healthz", 8),
    resources: { requests: { cpu: 0.2 } },
    startupProbe: httpProbe(10257, "/healthz", 24),
    volumeMounts: [
      mount("ca-certs", "/etc/ssl/certs", true),
      mount("flexvolume-dir", "/usr/libexec/kubernetes/kubelet-plugins/volume/exec"),
      mount("k8s-certs", "/etc/kubernetes/pki", true),
      mount("kubeconfig", "/etc/kubernetes/controller-manager.conf", true),
    ],
  },
  [
    hostPath("ca-certs", "/etc/ssl/certs", "DirectoryOrCreate"),
    hostPath("flexvolume-dir", "/usr/libexec/kubernetes/kubelet-plugins/volume/exec", "DirectoryOrCreate"),
    hostPath("k8s-certs", "/etc/kubernetes/pki", "DirectoryOrCreate"),
    hostPath("kubeconfig", "/etc/kubernetes/controller-manager.conf", "FileOrCreate"),
  ],
);

const scheduler = controlPlanePod(
  "kube-scheduler",
  {},
  {
    command: ["kube-scheduler", "--kubeconfig=/etc/kubernetes/scheduler.conf", "--leader-elect=true"],
    image: "registry.k8s.io/kube-scheduler:v1.35.0",
    livenessProbe: httpProbe(10259, "/livez", 8),
    readinessProbe: { failureThreshold: 3, httpGet: { host: "127.0.0.1", path: "/readyz", port: 10259, scheme: "HTTPS" }, periodSeconds: 1, timeoutSeconds: 15 },
    resources: { requests: { cpu: "100m" } },
    startupProbe: httpProbe(10259, "/livez", 24),
    volumeMounts: [mount("kubeconfig", "/etc/kubernetes/scheduler.conf", true)],
  },
  [hostPath("kubeconfig", "/etc/kubernetes/scheduler.conf", "FileOrCreate")],
);

describe("validatePod: realistic static pods", () => {
  for (const [name, manifest] of Object.entries({ etcd, apiserver, controllerManager, scheduler })) {
    it(`${name} (kubeadm-like) has no errors and no warnings`, () => {
      const issues = validatePod(manifest, { nodeName: "cp-1.example.com" });
      assertNoErrors(issues);
      assert.deepEqual(warnings(issues), []);
    });
  }

  it("H3: the kubelet's single-pod body is valid (uid and nodeName only warn)", () => {
    const body = {
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
    };
    const issues = validatePod(body, { nodeName: "different-value" });
    assertNoErrors(issues);
    assert.deepEqual(warnings(issues).map((i) => i.path).sort(), ["metadata.uid", "spec.nodeName", "status"]);
  });

  it("H4: the kubelet's PodList items are valid (empty imagePullPolicy is defaulted)", () => {
    const items = [
      { metadata: { name: "foo", uid: "111" }, spec: { nodeName: "different-value", containers: [{ name: "1", image: "foo", imagePullPolicy: "Always" }] } },
      { metadata: { name: "bar", uid: "222" }, spec: { nodeName: "different-value", containers: [{ name: "2", image: "bar:bartag", imagePullPolicy: "" }] } },
    ];
    items.forEach((item, i) => {
      assertNoErrors(validatePod({ apiVersion: "v1", kind: "Pod", ...item }, { nodeName: "different-value", basePath: `items[${i}]` }));
    });
  });
});
