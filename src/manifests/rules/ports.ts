// Container ports: numbers, names, protocols, hostNetwork's hostPort rule and host port conflicts.
import { ianaSvcNameProblem } from "../validate-names.js";
import { IssueSink, arrayAt, isRecord, numberAt, pathOf, recordAt, stringAt } from "../validate-walk.js";
import { containersOf, isSidecar, quoted, type ContainerAt } from "./common.js";
import type { PodRule } from "./context.js";

const PROTOCOLS = ["TCP", "UDP", "SCTP"];

function portNumberProblem(value: number): string | undefined {
  return Number.isInteger(value) && value >= 1 && value <= 65535 ? undefined : "must be between 1 and 65535, inclusive";
}

function checkPort(port: Record<string, unknown>, at: string, names: Set<string>, hostNetwork: boolean, sink: IssueSink): void {
  const name = stringAt(port, "name") ?? "";
  if (name !== "") {
    const problem = ianaSvcNameProblem(name);
    if (problem !== undefined) sink.error(pathOf(at, "name"), "invalid-port-name", `port name "${name}" ${problem}`);
    else if (names.has(name)) sink.error(pathOf(at, "name"), "duplicate", `Duplicate value: port name "${name}" is used twice in this container`);
    else names.add(name);
  }
  const containerPort = numberAt(port, "containerPort") ?? 0;
  if (containerPort === 0) sink.error(pathOf(at, "containerPort"), "required", "Required value: containerPort is required: a port number between 1 and 65535");
  else {
    const problem = portNumberProblem(containerPort);
    if (problem !== undefined) sink.error(pathOf(at, "containerPort"), "invalid-port", `containerPort ${containerPort} ${problem}`);
  }
  const hostPort = numberAt(port, "hostPort") ?? 0;
  if (hostPort !== 0 && portNumberProblem(hostPort) !== undefined) {
    sink.error(pathOf(at, "hostPort"), "invalid-port", `hostPort ${hostPort} must be between 0 and 65535, inclusive (0 or unset: no host port)`);
  }
  const protocol = stringAt(port, "protocol");
  if (protocol !== undefined && protocol !== "" && !PROTOCOLS.includes(protocol)) {
    sink.error(pathOf(at, "protocol"), "unsupported-value", `Unsupported value: "${protocol}": supported values: ${quoted(PROTOCOLS)}`);
  }
  // The kubelet defaults hostPort to containerPort under hostNetwork; any other value is rejected.
  if (hostNetwork && hostPort !== 0 && hostPort !== containerPort) {
    sink.error(
      pathOf(at, "hostPort"),
      "invalid-port",
      `${hostPort}: must match \`containerPort\` when \`hostNetwork\` is true: with hostNetwork, hostPort must equal containerPort (${containerPort}); drop hostPort or make them equal`,
    );
  }
}

/** The host port a port takes on the node: hostPort, or containerPort under hostNetwork (the kubelet's default). */
function effectiveHostPort(port: Record<string, unknown>, hostNetwork: boolean): number {
  const hostPort = numberAt(port, "hostPort") ?? 0;
  return hostPort === 0 && hostNetwork ? (numberAt(port, "containerPort") ?? 0) : hostPort;
}

/** The `protocol/hostIP/port` keys of the host ports a container takes, with the path of each. */
function hostPortsOf(c: ContainerAt, hostNetwork: boolean): { key: string; hostPort: number; path: string }[] {
  return arrayAt(c.container, "ports").flatMap((port, j) => {
    if (!isRecord(port)) return [];
    const hostPort = effectiveHostPort(port, hostNetwork);
    if (hostPort === 0) return [];
    const key = `${stringAt(port, "protocol") || "TCP"}/${stringAt(port, "hostIP") ?? ""}/${hostPort}`;
    return [{ key, hostPort, path: pathOf(c.path, "ports", j, "hostPort") }];
  });
}

/** Reports host ports used twice among `group` (containers the kubelet's validation treats as running together). */
function checkConflicts(group: readonly ContainerAt[], hostNetwork: boolean, sink: IssueSink): Set<string> {
  const seen = new Set<string>();
  for (const c of group) {
    for (const { key, hostPort, path } of hostPortsOf(c, hostNetwork)) {
      if (seen.has(key)) sink.error(path, "duplicate", `Duplicate value: "${key}": host port ${hostPort} is used twice by containers that run together`);
      seen.add(key);
    }
  }
  return seen;
}

/** Sidecars run beside the regular containers, though validation checks them alone: a shared host port cannot bind twice. */
function warnSidecarSharing(sidecar: ContainerAt, regular: ReadonlySet<string>, hostNetwork: boolean, sink: IssueSink): void {
  for (const { key, hostPort, path } of hostPortsOf(sidecar, hostNetwork)) {
    if (!regular.has(key)) continue;
    sink.warning(
      path,
      "host-port-shared",
      `host port ${hostPort} ("${key}") is also used by a regular container: the kubelet accepts the pod, but this sidecar runs at the same time and one of them cannot bind the port`,
    );
  }
}

/** Ports of every container. Host ports conflict among regular containers, and within each init container (they run one by one). */
export const portsRule: PodRule = (pod, base, _ctx, sink) => {
  const spec = recordAt(pod, "spec");
  const hostNetwork = isRecord(spec) && spec["hostNetwork"] === true;
  const containers = containersOf(spec, pathOf(base, "spec"));
  for (const c of containers) {
    const names = new Set<string>();
    arrayAt(c.container, "ports").forEach((port, j) => {
      // Only a Pod's own containers get the hostNetwork rule; ephemeral containers may not have ports at all.
      if (isRecord(port)) checkPort(port, pathOf(c.path, "ports", j), names, hostNetwork && c.kind === "containers", sink);
    });
  }
  const regular = checkConflicts(
    containers.filter((c) => c.kind === "containers"),
    hostNetwork,
    sink,
  );
  for (const c of containers.filter((c) => c.kind === "initContainers")) {
    checkConflicts([c], hostNetwork, sink);
    if (isSidecar(c)) warnSidecarSharing(c, regular, hostNetwork, sink);
  }
};
