// Volume mounts and devices of every container: references, paths, subPath/subPathExpr, mountPropagation, recursiveReadOnly.
import { IssueSink, arrayAt, isRecord, isSet, pathOf, recordAt, stringAt } from "../validate-walk.js";
import { containersOf, quoted, relativePathProblem, type ContainerAt } from "./common.js";
import type { PodRule, RuleContext } from "./context.js";

const PROPAGATIONS = ["Bidirectional", "HostToContainer", "None"];
const RECURSIVE_READ_ONLY = ["Disabled", "IfPossible", "Enabled"];
/** RecursiveReadOnlyMounts is on by default from v1.31 (the field is new in v1.30: unknown-field warnings cover v1.29). */
const RRO_DEFAULT_MINOR = 31;

type Volumes = ReadonlyMap<string, Record<string, unknown>>;

function localPath(value: string, path: string, sink: IssueSink): void {
  const problem = relativePathProblem(value);
  if (problem !== undefined && problem !== "must not start with '..'") sink.error(path, "invalid-path", `"${value}": ${problem}`);
}

function checkSubPaths(mount: Record<string, unknown>, at: string, volume: Record<string, unknown> | undefined, sink: IssueSink): void {
  const subPath = stringAt(mount, "subPath") ?? "";
  const subPathExpr = stringAt(mount, "subPathExpr") ?? "";
  if (volume !== undefined && isSet(volume, "image")) {
    if (subPath !== "") sink.error(pathOf(at, "subPath"), "invalid-mount", `"${subPath}": not allowed in image volume sources`);
    if (subPathExpr !== "") sink.error(pathOf(at, "subPathExpr"), "invalid-mount", `"${subPathExpr}": not allowed in image volume sources`);
  }
  if (subPath !== "") localPath(subPath, pathOf(at, "subPath"), sink);
  if (subPathExpr !== "") {
    if (subPath !== "") sink.error(pathOf(at, "subPathExpr"), "invalid-mount", "subPathExpr and subPath are mutually exclusive: keep one");
    localPath(subPathExpr, pathOf(at, "subPathExpr"), sink);
  }
}

function checkPropagation(mount: Record<string, unknown>, c: ContainerAt, mountPath: string, sink: IssueSink): void {
  const propagation = stringAt(mount, "mountPropagation");
  if (propagation === undefined) return;
  const at = pathOf(mountPath, "mountPropagation");
  if (!PROPAGATIONS.includes(propagation)) {
    sink.error(at, "unsupported-value", `Unsupported value: "${propagation}": supported values: ${quoted(PROPAGATIONS)}`);
  } else if (propagation === "Bidirectional" && recordAt(c.container, "securityContext")?.["privileged"] !== true) {
    sink.error(at, "invalid-mount", "Bidirectional mount propagation is available only to privileged containers: set securityContext.privileged or use HostToContainer");
  }
}

function checkRecursiveReadOnly(mount: Record<string, unknown>, mountPath: string, ctx: RuleContext, sink: IssueSink): void {
  const rro = stringAt(mount, "recursiveReadOnly");
  if (rro === undefined) return;
  const at = pathOf(mountPath, "recursiveReadOnly");
  if (rro === "Disabled") return;
  if (!RECURSIVE_READ_ONLY.includes(rro)) {
    sink.error(at, "unsupported-value", `Unsupported value: "${rro}": supported values: ${quoted(RECURSIVE_READ_ONLY)}`);
    return;
  }
  if (mount["readOnly"] !== true) sink.error(at, "invalid-mount", "may only be specified when readOnly is true: add readOnly: true");
  const propagation = stringAt(mount, "mountPropagation");
  if (propagation !== undefined && propagation !== "None") {
    sink.error(at, "invalid-mount", "may only be specified when mountPropagation is None or not specified");
  }
  if (ctx.minor < RRO_DEFAULT_MINOR) {
    sink.warning(at, "needs-newer-kubelet", `recursiveReadOnly needs the RecursiveReadOnlyMounts feature gate, on by default from v1.31: this node's v1.${ctx.minor} kubelet fails to start the container unless the gate is enabled`);
  }
}

function checkMounts(c: ContainerAt, volumes: Volumes, ctx: RuleContext, sink: IssueSink): Map<string, string> {
  const mountPaths = new Map<string, string>();
  const fieldsPath = pathOf(c.path, "volumeMounts");
  arrayAt(c.container, "volumeMounts").forEach((mount, j) => {
    if (!isRecord(mount)) return;
    const at = pathOf(fieldsPath, j);
    const name = stringAt(mount, "name") ?? "";
    if (name === "") sink.error(pathOf(at, "name"), "required", "Required value: volumeMount name is required");
    else if (!volumes.has(name)) sink.error(pathOf(at, "name"), "not-found", `Not found: volume "${name}" is not defined in spec.volumes: add it or fix the name`);
    const mountPath = stringAt(mount, "mountPath") ?? "";
    if (mountPath === "") sink.error(pathOf(at, "mountPath"), "required", "Required value: mountPath is required");
    else if ([...mountPaths.values()].includes(mountPath)) {
      sink.error(pathOf(at, "mountPath"), "duplicate", `"${mountPath}": must be unique (it is mounted twice in this container)`);
    }
    mountPaths.set(name, mountPath);
    // The kubelet names the list (volumeMounts.subPath) for some of these; the item is more useful.
    checkSubPaths(mount, at, volumes.get(name), sink);
    checkPropagation(mount, c, at, sink);
    checkRecursiveReadOnly(mount, at, ctx, sink);
  });
  return mountPaths;
}

function checkDevices(c: ContainerAt, volumes: Volumes, mounts: Map<string, string>, sink: IssueSink): void {
  const names = new Set<string>();
  const paths = new Set<string>();
  arrayAt(c.container, "volumeDevices").forEach((device, j) => {
    const at = pathOf(c.path, "volumeDevices", j);
    const name = stringAt(device, "name") ?? "";
    const devicePath = stringAt(device, "devicePath") ?? "";
    const volume = volumes.get(name);
    if (name === "") sink.error(pathOf(at, "name"), "required", "Required value: name is required");
    if (names.has(name)) sink.error(pathOf(at, "name"), "duplicate", `"${name}": must be unique`);
    if (volume === undefined) sink.error(pathOf(at, "name"), "not-found", `Not found: volume "${name}" is not defined in spec.volumes`);
    else if (!isSet(volume, "persistentVolumeClaim") && !isSet(volume, "ephemeral")) {
      sink.error(pathOf(at, "name"), "invalid-mount", `"${name}": can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode (neither is allowed in a static pod: mount the device with a hostPath volume instead)`);
    }
    if (devicePath === "") sink.error(pathOf(at, "devicePath"), "required", "Required value: devicePath is required");
    if (paths.has(devicePath)) sink.error(pathOf(at, "devicePath"), "duplicate", `"${devicePath}": must be unique`);
    if (mounts.has(name)) sink.error(pathOf(at, "name"), "invalid-mount", `"${name}": must not already exist in volumeMounts`);
    if ([...mounts.values()].includes(devicePath)) sink.error(pathOf(at, "devicePath"), "invalid-mount", `"${devicePath}": must not already exist as a path in volumeMounts`);
    names.add(name);
    paths.add(devicePath);
  });
}

/** Every container's volumeMounts and volumeDevices against the pod's volumes. */
export const mountsRule: PodRule = (pod, base, ctx, sink) => {
  const spec = recordAt(pod, "spec");
  const volumes = new Map<string, Record<string, unknown>>();
  for (const volume of arrayAt(spec, "volumes")) {
    const name = stringAt(volume, "name");
    if (isRecord(volume) && name !== undefined && name !== "" && !volumes.has(name)) volumes.set(name, volume);
  }
  for (const c of containersOf(spec, pathOf(base, "spec"))) {
    const mounts = checkMounts(c, volumes, ctx, sink);
    checkDevices(c, volumes, mounts, sink);
  }
};
