// Realistic static pods that use many areas at once are accepted by every modelled kubelet minor.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NEWEST_KUBELET_MINOR, OLDEST_KUBELET_MINOR } from "../../../src/manifests/rules/context.js";
import { validatePod } from "../../../src/manifests/validate.js";
import { errors, type Obj } from "../validate-helpers.js";

const meta = (name: string, namespace = "kube-system", labels: Obj = {}): Obj => ({ name, namespace, labels });

const kubeVip: Obj = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: meta("kube-vip"),
  spec: {
    hostNetwork: true,
    hostAliases: [{ hostnames: ["kubernetes"], ip: "127.0.0.1" }],
    containers: [
      {
        name: "kube-vip",
        image: "ghcr.io/kube-vip/kube-vip:v0.8.0",
        args: ["manager"],
        env: [
          { name: "vip_arp", value: "true" },
          { name: "address", value: "10.0.0.100" },
        ],
        securityContext: { capabilities: { add: ["NET_ADMIN", "NET_RAW"] } },
        volumeMounts: [{ mountPath: "/etc/kubernetes/admin.conf", name: "kubeconfig" }],
      },
    ],
    volumes: [{ hostPath: { path: "/etc/kubernetes/admin.conf" }, name: "kubeconfig" }],
  },
};

const haproxy: Obj = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: meta("haproxy", "kube-system", { app: "haproxy" }),
  spec: {
    hostNetwork: true,
    priorityClassName: "system-node-critical",
    dnsPolicy: "ClusterFirstWithHostNet",
    tolerations: [{ operator: "Exists" }, { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" }],
    containers: [
      {
        name: "haproxy",
        image: "haproxy:2.9",
        ports: [{ containerPort: 8443, name: "https", protocol: "TCP" }],
        livenessProbe: { httpGet: { host: "localhost", path: "/healthz", port: 8443, scheme: "HTTPS" }, failureThreshold: 8 },
        env: [
          { name: "NODE_IP", valueFrom: { fieldRef: { fieldPath: "status.hostIP" } } },
          { name: "MEM", valueFrom: { resourceFieldRef: { resource: "limits.memory" } } },
        ],
        resources: { limits: { memory: "256Mi" } },
        volumeMounts: [
          { mountPath: "/usr/local/etc/haproxy/haproxy.cfg", name: "cfg", readOnly: true },
          { name: "info", mountPath: "/etc/podinfo" },
          { name: "cache", mountPath: "/cache" },
        ],
      },
    ],
    volumes: [
      { name: "cfg", hostPath: { path: "/etc/haproxy/haproxy.cfg", type: "FileOrCreate" } },
      {
        name: "info",
        downwardAPI: {
          items: [
            { path: "labels", fieldRef: { fieldPath: "metadata.labels" } },
            { path: "cpu", resourceFieldRef: { containerName: "haproxy", resource: "requests.cpu", divisor: "1m" } },
          ],
        },
      },
      { name: "cache", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
    ],
  },
};

const nodeExporter: Obj = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: meta("node-exporter", "monitoring"),
  spec: {
    hostNetwork: true,
    hostPID: true,
    terminationGracePeriodSeconds: 10,
    initContainers: [
      { name: "wait", image: "busybox:1.36", command: ["sh", "-c", "true"], ports: [{ containerPort: 9100 }] },
      { name: "logs", image: "fluent/fluent-bit:3", restartPolicy: "Always", readinessProbe: { tcpSocket: { port: 2020 } } },
    ],
    containers: [
      {
        name: "node-exporter",
        image: "quay.io/prometheus/node-exporter:v1.8.0",
        ports: [{ containerPort: 9100, hostPort: 9100, name: "metrics" }],
        readinessProbe: { httpGet: { path: "/", port: "metrics" }, periodSeconds: 5, successThreshold: 2 },
        startupProbe: { grpc: { port: 9100 }, failureThreshold: 30 },
        volumeMounts: [{ name: "root", mountPath: "/host", readOnly: true, mountPropagation: "HostToContainer" }],
      },
    ],
    volumes: [{ name: "root", hostPath: { path: "/" } }],
    nodeSelector: { "kubernetes.io/os": "linux" },
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/os", operator: "In", values: ["linux"] }] }],
        },
      },
    },
    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { app: "x" } } }],
    dnsConfig: { options: [{ name: "ndots", value: "1" }] },
  },
};

describe("rules: realistic static pods on every kubelet minor", () => {
  for (const [name, manifest] of Object.entries({ kubeVip, haproxy, nodeExporter })) {
    for (let minor = OLDEST_KUBELET_MINOR; minor <= NEWEST_KUBELET_MINOR; minor++) {
      it(`${name} (v1.${minor})`, () => {
        const found = errors(validatePod(manifest, { nodeName: "cp-1", kubeletMinor: minor }));
        assert.deepEqual(found, []);
      });
    }
  }
});
