// Container checks the kubelet's pod validation makes: names, images, enums, ports, env, mounts, probes, resources.
import { ianaSvcNameProblem, labelProblem } from "./validate-names.js";
import { checkResources } from "./validate-quantity.js";
import { IssueSink, arrayAt, isRecord, isSet, numberAt, pathOf, recordAt, stringAt } from "./validate-walk.js";

/** What the container checks need to know about the pod around them. */
export interface ContainerContext {
  volumeNames: ReadonlySet<string>;
  hostNetwork: boolean;
  /** `protocol/hostIP/hostPort` keys seen so far, shared by all containers of the pod. */
  hostPorts: Set<string>;
}

const IMAGE_PULL_POLICIES = ["Always", "IfNotPresent", "Never"];
const TERMINATION_MESSAGE_POLICIES = ["File", "FallbackToLogsOnError"];
const CONTAINER_RESTART_POLICIES = ["Always", "OnFailure", "Never"];
const PROTOCOLS = ["TCP", "UDP", "SCTP"];
const PROBE_HANDLERS = ["exec", "httpGet", "tcpSocket", "grpc"];
const LIFECYCLE_HANDLERS = ["exec", "httpGet", "tcpSocket", "sleep"];
const ENV_SOURCES = ["fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef", "fileKeyRef"];

/** Checks that a string field, when set, holds one of `allowed`. */
export function checkEnum(obj: unknown, key: string, allowed: readonly string[], path: string, sink: IssueSink): void {
  const value = stringAt(obj, key);
  if (value === undefined || value === "" || allowed.includes(value)) return;
  sink.error(pathOf(path, key), "unsupported-value", `unsupported value "${value}": must be one of ${allowed.map((a) => `"${a}"`).join(", ")}`);
}

function checkPortNumber(value: unknown, path: string, sink: IssueSink, what: string): void {
  if (typeof value !== "number") return;
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    sink.error(path, "invalid-port", `${what} ${value} must be between 1 and 65535, inclusive`);
  }
}

function checkPortNumOrName(value: unknown, path: string, sink: IssueSink): void {
  if (value === undefined || value === null) {
    sink.error(path, "required", "port is required: a number (1-65535) or the name of a container port");
    return;
  }
  if (typeof value === "number") checkPortNumber(value, path, sink, "port");
  else if (typeof value === "string") {
    const problem = ianaSvcNameProblem(value);
    if (problem !== undefined) sink.error(path, "invalid-port", `port name "${value}" ${problem}`);
  }
}

function countSet(obj: unknown, keys: readonly string[]): string[] {
  return keys.filter((k) => isSet(obj, k));
}

function checkHandler(handler: unknown, kinds: readonly string[], path: string, sink: IssueSink, what: string): void {
  const set = countSet(handler, kinds);
  if (set.length === 0) sink.error(path, "required", `${what} must specify a handler: one of ${kinds.join(", ")}`);
  if (set.length > 1) sink.error(path, "invalid", `${what} may not specify more than one handler (found ${set.join(", ")}): keep one`);
  checkPortNumOrNameIfSet(recordAt(handler, "httpGet"), pathOf(path, "httpGet", "port"), sink);
  checkPortNumOrNameIfSet(recordAt(handler, "tcpSocket"), pathOf(path, "tcpSocket", "port"), sink);
  const grpc = recordAt(handler, "grpc");
  if (grpc !== undefined) checkPortNumber(grpc["port"], pathOf(path, "grpc", "port"), sink, "port");
}

function checkPortNumOrNameIfSet(action: Record<string, unknown> | undefined, path: string, sink: IssueSink): void {
  if (action !== undefined) checkPortNumOrName(action["port"], path, sink);
}

function checkProbe(container: unknown, key: string, path: string, sink: IssueSink): void {
  const probe = recordAt(container, key);
  if (probe === undefined) return;
  const at = pathOf(path, key);
  checkHandler(probe, PROBE_HANDLERS, at, sink, key);
  for (const field of ["initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"]) {
    const value = numberAt(probe, field);
    if (value !== undefined && value < 0) sink.error(pathOf(at, field), "invalid", `${field} must not be negative`);
  }
  const success = numberAt(probe, "successThreshold");
  if (key !== "readinessProbe" && success !== undefined && success !== 1) {
    sink.error(pathOf(at, "successThreshold"), "invalid", `successThreshold must be 1 for a ${key}`);
  }
}

function checkPorts(container: unknown, path: string, ctx: ContainerContext, sink: IssueSink): void {
  const names = new Set<string>();
  arrayAt(container, "ports").forEach((port, j) => {
    const at = pathOf(path, "ports", j);
    if (!isRecord(port)) return;
    const containerPort = port["containerPort"];
    if (containerPort === undefined || containerPort === null) {
      sink.error(pathOf(at, "containerPort"), "required", "containerPort is required (1-65535)");
    }
    checkPortNumber(containerPort, pathOf(at, "containerPort"), sink, "containerPort");
    const hostPort = numberAt(port, "hostPort");
    if (hostPort !== undefined && (!Number.isInteger(hostPort) || hostPort < 0 || hostPort > 65535)) {
      sink.error(pathOf(at, "hostPort"), "invalid-port", `hostPort ${hostPort} must be between 0 and 65535, inclusive`);
    }
    const name = stringAt(port, "name");
    if (name !== undefined && name !== "") {
      const problem = ianaSvcNameProblem(name);
      if (problem !== undefined) sink.error(pathOf(at, "name"), "invalid-port-name", `port name "${name}" ${problem}`);
      if (names.has(name)) sink.error(pathOf(at, "name"), "duplicate", `port name "${name}" is used twice in this container`);
      names.add(name);
    }
    checkEnum(port, "protocol", PROTOCOLS, at, sink);
    if (ctx.hostNetwork && hostPort !== undefined && hostPort !== 0 && typeof containerPort === "number" && hostPort !== containerPort) {
      sink.error(
        pathOf(at, "hostPort"),
        "invalid-port",
        `with hostNetwork, hostPort (${hostPort}) must equal containerPort (${containerPort}): drop hostPort or make them equal`,
      );
    }
    const effectiveHostPort = ctx.hostNetwork && typeof containerPort === "number" ? (hostPort || containerPort) : hostPort;
    if (effectiveHostPort !== undefined && effectiveHostPort !== 0) {
      const key = `${stringAt(port, "protocol") ?? "TCP"}/${stringAt(port, "hostIP") ?? ""}/${effectiveHostPort}`;
      if (ctx.hostPorts.has(key)) {
        sink.error(pathOf(at, "hostPort"), "duplicate", `host port ${effectiveHostPort} (${key.split("/")[0]}) is used twice in this pod`);
      }
      ctx.hostPorts.add(key);
    }
  });
}

function checkEnv(container: unknown, path: string, sink: IssueSink): void {
  arrayAt(container, "env").forEach((env, j) => {
    const at = pathOf(path, "env", j);
    const name = stringAt(env, "name");
    if (name === undefined || name === "") sink.error(pathOf(at, "name"), "required", "env var name is required");
    else if (!/^[\x20-\x7e]+$/.test(name) || name.includes("=")) {
      sink.error(pathOf(at, "name"), "invalid", `env var name "${name}" must consist of printable ASCII characters other than '='`);
    }
    const from = recordAt(env, "valueFrom");
    if (from === undefined) return;
    const sources = countSet(from, ENV_SOURCES);
    if (sources.length !== 1) {
      sink.error(pathOf(at, "valueFrom"), "invalid", `valueFrom must specify exactly one of ${ENV_SOURCES.join(", ")}`);
    }
    const value = stringAt(env, "value");
    if (value !== undefined && value !== "") {
      sink.error(pathOf(at, "valueFrom"), "invalid", "valueFrom may not be set together with a non-empty value: keep one");
    }
  });
}

function checkVolumeMounts(container: unknown, path: string, ctx: ContainerContext, sink: IssueSink): void {
  const mountPaths = new Set<string>();
  arrayAt(container, "volumeMounts").forEach((mount, j) => {
    const at = pathOf(path, "volumeMounts", j);
    const name = stringAt(mount, "name");
    if (name === undefined || name === "") sink.error(pathOf(at, "name"), "required", "volumeMount name is required");
    else if (!ctx.volumeNames.has(name)) {
      sink.error(pathOf(at, "name"), "not-found", `volume "${name}" is not defined in spec.volumes: add it or fix the name`);
    }
    const mountPath = stringAt(mount, "mountPath");
    if (mountPath === undefined || mountPath === "") sink.error(pathOf(at, "mountPath"), "required", "mountPath is required");
    else {
      if (mountPaths.has(mountPath)) {
        sink.error(pathOf(at, "mountPath"), "duplicate", `mountPath "${mountPath}" is mounted twice in this container`);
      }
      mountPaths.add(mountPath);
    }
    const subPath = stringAt(mount, "subPath");
    if (subPath !== undefined && (subPath.startsWith("/") || subPath.split("/").includes(".."))) {
      sink.error(pathOf(at, "subPath"), "invalid", `subPath "${subPath}" must be a relative path without '..'`);
    }
  });
}

function checkRestartPolicy(container: unknown, path: string, isInit: boolean, sink: IssueSink): boolean {
  const policy = stringAt(container, "restartPolicy");
  checkEnum(container, "restartPolicy", CONTAINER_RESTART_POLICIES, path, sink);
  if (policy !== undefined && CONTAINER_RESTART_POLICIES.includes(policy) && (!isInit || policy !== "Always")) {
    sink.warning(
      pathOf(path, "restartPolicy"),
      "needs-kubelet-1.35",
      `container restartPolicy "${policy}"${isInit ? " on an init container" : ""} needs the ContainerRestartRules feature (on by default from Kubernetes v1.35): older kubelets reject the pod`,
    );
  }
  arrayAt(container, "restartPolicyRules").forEach((rule, j) => {
    const at = pathOf(path, "restartPolicyRules", j);
    if (stringAt(rule, "action") === undefined) sink.error(pathOf(at, "action"), "required", 'action is required (e.g. "Restart")');
    if (!isSet(rule, "exitCodes")) sink.error(pathOf(at, "exitCodes"), "required", "exitCodes is required");
    checkEnum(recordAt(rule, "exitCodes"), "operator", ["In", "NotIn"], pathOf(at, "exitCodes"), sink);
  });
  return policy === "Always";
}

/** Checks one container (`isInit` for spec.initContainers). Name uniqueness is the caller's job. */
export function checkContainer(container: unknown, path: string, isInit: boolean, ctx: ContainerContext, sink: IssueSink): void {
  if (!isRecord(container)) return;
  const name = stringAt(container, "name");
  if (name === undefined || name === "") sink.error(pathOf(path, "name"), "required", "container name is required");
  else {
    const problem = labelProblem(name);
    if (problem !== undefined) sink.error(pathOf(path, "name"), "invalid-name", `container name "${name}" ${problem}`);
  }
  const image = stringAt(container, "image");
  if (image === undefined || image.trim() === "") {
    sink.error(pathOf(path, "image"), "required", "image is required, e.g. registry.k8s.io/pause:3.10");
  } else if (image !== image.trim()) {
    sink.error(pathOf(path, "image"), "invalid", "image must not have leading or trailing whitespace");
  }
  checkEnum(container, "imagePullPolicy", IMAGE_PULL_POLICIES, path, sink);
  checkEnum(container, "terminationMessagePolicy", TERMINATION_MESSAGE_POLICIES, path, sink);
  const restartable = checkRestartPolicy(container, path, isInit, sink);
  checkPorts(container, path, ctx, sink);
  checkEnv(container, path, sink);
  checkVolumeMounts(container, path, ctx, sink);
  for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) {
    if (isInit && !restartable && isSet(container, probe)) {
      sink.error(pathOf(path, probe), "forbidden", `${probe} may not be set on an init container unless its restartPolicy is "Always"`);
    }
    checkProbe(container, probe, path, sink);
  }
  const lifecycle = recordAt(container, "lifecycle");
  if (isInit && !restartable && lifecycle !== undefined) {
    sink.error(pathOf(path, "lifecycle"), "forbidden", 'lifecycle may not be set on an init container unless its restartPolicy is "Always"');
  }
  for (const hook of ["postStart", "preStop"]) {
    const handler = recordAt(lifecycle, hook);
    if (handler !== undefined) checkHandler(handler, LIFECYCLE_HANDLERS, pathOf(path, "lifecycle", hook), sink, hook);
  }
  checkResources(container["resources"], pathOf(path, "resources"), sink);
}
