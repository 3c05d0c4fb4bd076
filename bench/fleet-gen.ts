// Writes a synthetic fleet folder shaped like manifests/: common pods, selector groups, a priority override group, node folders.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface FleetShape {
  /** Number of nodes, all declared in fleet.yaml. */
  nodes: number;
  /** Pods every node receives (at least 2): common pods plus two per group. */
  podsPerNode: number;
  /** Number of selector groups; each node is in exactly one. */
  groups: number;
  /** Every n-th node has its own folder overriding the templated exporter (0: none). */
  overrideEvery: number;
  /** Every n-th node carries `canary: "true"`, selected by a priority-10 group that overrides the log shipper (0: none). */
  canaryEvery: number;
}

export const DEFAULT_SHAPE: FleetShape = {
  nodes: 10_000,
  podsPerNode: 5,
  groups: 20,
  overrideEvery: 100,
  canaryEvery: 50,
};

/** `node-00042`: zero-padded so names sort like numbers. */
export function nodeName(i: number): string {
  return `node-${String(i).padStart(5, "0")}`;
}

function groupName(g: number): string {
  return `g-${String(g).padStart(2, "0")}`;
}

function ipOf(i: number): string {
  return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
}

function fleetYaml(shape: FleetShape): string {
  const lines = [
    "# Synthetic fleet for benchmarks.",
    "vars:",
    '  kubernetesVersion: "v1.31.2"',
    '  registry: "registry.example.com"',
    '  logEndpoint: "https://logs.example.com:8443"',
    "nodes:",
  ];
  for (let i = 0; i < shape.nodes; i++) {
    const canary = shape.canaryEvery > 0 && i % shape.canaryEvery === 0 ? ', canary: "true"' : "";
    lines.push(
      `  ${nodeName(i)}: { labels: { group: "${groupName(i % shape.groups)}", site: "s-${i >> 4}"${canary} }, vars: { ip: "${ipOf(i)}" } }`,
    );
  }
  lines.push("groups:");
  for (let g = 0; g < shape.groups; g++)
    lines.push(`  ${groupName(g)}: { selector: { matchLabels: { group: "${groupName(g)}" } } }`);
  if (shape.canaryEvery > 0)
    lines.push(`  canary: { priority: 10, selector: { matchLabels: { canary: "true" } } }`);
  return lines.join("\n") + "\n";
}

/** A node exporter bound to the node's address: templated per node. */
function exporterPod(version: string, extraArg = ""): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: node-exporter
  namespace: monitoring
  labels:
    app.kubernetes.io/name: "node-exporter"
spec:
  hostNetwork: true
  hostPID: true
  priorityClassName: "system-node-critical"
  containers:
    - name: node-exporter
      image: "{{ vars.registry }}/prometheus/node-exporter:${version}"
      args:
        - "--path.rootfs=/host"
        - "--web.listen-address={{ node.vars.ip }}:9100"${extraArg === "" ? "" : `\n        - "${extraArg}"`}
      ports:
        - { name: "metrics", containerPort: 9100, protocol: "TCP" }
      resources:
        requests: { cpu: "10m", memory: "32Mi" }
        limits: { memory: "64Mi" }
      volumeMounts:
        - { name: "root", mountPath: "/host", readOnly: true, mountPropagation: "HostToContainer" }
  volumes:
    - name: root
      hostPath: { path: "/" }
`;
}

/** A log shipper identical on every node: untemplated, validated and rendered once. */
function logShipperPod(image: string): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: log-shipper
  namespace: logging
  labels:
    app.kubernetes.io/name: "log-shipper"
spec:
  hostNetwork: true
  containers:
    - name: shipper
      image: "${image}"
      args: ["--config=/etc/shipper/shipper.conf", "--storage.path=/var/lib/shipper"]
      resources:
        requests: { cpu: "20m", memory: "48Mi" }
        limits: { memory: "128Mi" }
      volumeMounts:
        - { name: "varlog", mountPath: "/var/log", readOnly: true }
        - { name: "state", mountPath: "/var/lib/shipper" }
  volumes:
    - { name: "varlog", hostPath: { path: "/var/log" } }
    - { name: "state", hostPath: { path: "/var/lib/shipper", type: "DirectoryOrCreate" } }
`;
}

/** Extra common pods beyond the first two: a node-name-templated proxy each. */
function proxyPod(n: number): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: node-proxy-${n}
  namespace: kube-system
spec:
  hostNetwork: true
  containers:
    - name: proxy
      image: "{{ vars.registry }}/kube-proxy:{{ vars.kubernetesVersion }}"
      command: ["kube-proxy", "--hostname-override={{ node.name }}", "--bind-address={{ node.vars.ip }}"]
      securityContext: { privileged: true }
      resources:
        requests: { cpu: "50m", memory: "64Mi" }
`;
}

/** The group's site gateway: templated with the node's site label and address. */
function gatewayPod(group: string): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: site-gateway
  namespace: edge
  labels:
    app.kubernetes.io/name: "site-gateway"
    example.com/group: "${group}"
    example.com/site: "{{ node.labels.site }}"
spec:
  restartPolicy: Always
  containers:
    - name: proxy
      image: "docker.io/library/nginx:1.27-alpine"
      env:
        - { name: "SITE", value: "{{ node.labels.site }}" }
        - { name: "LISTEN", value: "{{ node.vars.ip }}:8080" }
      ports:
        - { name: "http", containerPort: 80, hostPort: 8080, protocol: "TCP" }
      readinessProbe:
        httpGet: { path: "/", port: "http" }
        periodSeconds: 5
      resources:
        requests: { cpu: "50m", memory: "32Mi" }
        limits: { memory: "128Mi" }
`;
}

/** The group's cache: the same for every node of the group, untemplated. */
function cachePod(group: string, n: number): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: cache-${n}
  namespace: edge
  labels: { app.kubernetes.io/name: "cache", example.com/group: "${group}" }
spec:
  containers:
    - name: cache
      image: "docker.io/library/redis:7.4-alpine"
      args: ["--maxmemory", "256mb", "--save", ""]
      ports:
        - { name: "redis", containerPort: 6379, protocol: "TCP" }
      resources:
        requests: { cpu: "25m", memory: "64Mi" }
        limits: { memory: "300Mi" }
  volumes:
    - { name: "data", emptyDir: { sizeLimit: "512Mi" } }
`;
}

/** The files of the fleet, path → text, without writing them. */
export function fleetFiles(shape: FleetShape): Map<string, string> {
  if (shape.podsPerNode < 2) throw new Error("podsPerNode must be at least 2");
  const files = new Map<string, string>();
  files.set("fleet.yaml", fleetYaml(shape));
  const groupPods = shape.podsPerNode >= 4 ? 2 : 1;
  const commonPods = shape.podsPerNode - groupPods;
  files.set("common/node-exporter.yaml", exporterPod("v1.8.2"));
  if (commonPods >= 2)
    files.set("common/log-shipper.yaml", logShipperPod("docker.io/fluent/fluent-bit:3.1.9"));
  for (let n = 2; n < commonPods; n++) files.set(`common/node-proxy-${n}.yaml`, proxyPod(n));
  for (let g = 0; g < shape.groups; g++) {
    const group = groupName(g);
    files.set(`groups/${group}/site-gateway.yaml`, gatewayPod(group));
    if (groupPods === 2) files.set(`groups/${group}/cache.yaml`, cachePod(group, 1));
  }
  if (shape.canaryEvery > 0 && commonPods >= 2)
    files.set("groups/canary/log-shipper.yaml", logShipperPod("docker.io/fluent/fluent-bit:3.2.0-rc.1"));
  if (shape.overrideEvery > 0)
    for (let i = 0; i < shape.nodes; i += shape.overrideEvery)
      files.set(`nodes/${nodeName(i)}/node-exporter.yaml`, exporterPod("v1.7.0", "--no-collector.hwmon"));
  return files;
}

/** Writes the fleet under `dir` (created) and returns the number of files. */
export async function writeFleet(dir: string, shape: FleetShape): Promise<number> {
  const files = fleetFiles(shape);
  const dirs = new Set([...files.keys()].map((p) => join(dir, p, "..")));
  for (const d of dirs) await mkdir(d, { recursive: true });
  for (const [path, text] of files) await writeFile(join(dir, path), text);
  return files.size;
}
