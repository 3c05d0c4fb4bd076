// Pod spec checks: containers (required, unique names), volumes (names, sources) and pod-level enums and limits.
import { checkContainer, checkEnum, type ContainerContext } from "./validate-containers.js";
import { labelProblem } from "./validate-names.js";
import { checkQuantity, checkResources } from "./validate-quantity.js";
import { IssueSink, arrayAt, isRecord, isSet, numberAt, pathOf, recordAt, stringAt } from "./validate-walk.js";

const VOLUME_SOURCES = `awsElasticBlockStore azureDisk azureFile cephfs cinder configMap csi downwardAPI emptyDir
  ephemeral fc flexVolume flocker gcePersistentDisk gitRepo glusterfs hostPath image iscsi nfs persistentVolumeClaim
  photonPersistentDisk portworxVolume projected quobyte rbd scaleIO secret storageos vsphereVolume`
  .split(/\s+/)
  .filter((s) => s !== "");
const PROJECTED_SOURCES = ["configMap", "secret", "downwardAPI", "serviceAccountToken", "clusterTrustBundle", "podCertificate"];
const HOST_PATH_TYPES = ["DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"];
const RESTART_POLICIES = ["Always", "OnFailure", "Never"];
const DNS_POLICIES = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];

function checkVolume(volume: unknown, path: string, sink: IssueSink): void {
  if (!isRecord(volume)) return;
  const sources = VOLUME_SOURCES.filter((k) => isSet(volume, k));
  if (sources.length > 1) {
    sink.error(path, "invalid-volume", `volume may not specify more than one source (found ${sources.join(", ")}): keep one`);
  } else if (sources.length === 0) {
    sink.warning(path, "volume-defaulted", "volume has no source: the kubelet makes it an emptyDir. Say emptyDir: {} explicitly");
  }
  const hostPath = recordAt(volume, "hostPath");
  if (hostPath !== undefined) {
    const hp = stringAt(hostPath, "path");
    if (hp === undefined || hp === "") sink.error(pathOf(path, "hostPath", "path"), "required", "hostPath.path is required");
    checkEnum(hostPath, "type", HOST_PATH_TYPES, pathOf(path, "hostPath"), sink);
  }
  const emptyDir = recordAt(volume, "emptyDir");
  if (emptyDir !== undefined) checkQuantity(emptyDir["sizeLimit"], pathOf(path, "emptyDir", "sizeLimit"), sink);
  arrayAt(recordAt(volume, "projected"), "sources").forEach((source, j) => {
    const at = pathOf(path, "projected", "sources", j);
    const set = PROJECTED_SOURCES.filter((k) => isSet(source, k));
    if (set.length !== 1) {
      sink.error(at, "invalid-volume", `a projected source must specify exactly one of ${PROJECTED_SOURCES.join(", ")}`);
    }
  });
}

function checkVolumes(spec: unknown, specPath: string, sink: IssueSink): Set<string> {
  const names = new Set<string>();
  arrayAt(spec, "volumes").forEach((volume, i) => {
    const at = pathOf(specPath, "volumes", i);
    const name = stringAt(volume, "name");
    if (name === undefined || name === "") sink.error(pathOf(at, "name"), "required", "volume name is required");
    else {
      const problem = labelProblem(name);
      if (problem !== undefined) sink.error(pathOf(at, "name"), "invalid-name", `volume name "${name}" ${problem}`);
      if (names.has(name)) sink.error(pathOf(at, "name"), "duplicate", `volume name "${name}" is used twice: rename one`);
      names.add(name);
    }
    checkVolume(volume, at, sink);
  });
  return names;
}

function checkContainers(spec: unknown, specPath: string, volumeNames: Set<string>, sink: IssueSink): void {
  const containers = isRecord(spec) ? spec["containers"] : undefined;
  if (!Array.isArray(containers) || containers.length === 0) {
    if (containers === undefined || containers === null || Array.isArray(containers)) {
      sink.error(pathOf(specPath, "containers"), "required", "at least one container is required in spec.containers");
    }
  }
  const ctx: ContainerContext = {
    volumeNames,
    hostNetwork: isRecord(spec) && spec["hostNetwork"] === true,
    hostPorts: new Set(),
  };
  const seen = new Set<string>();
  for (const kind of ["initContainers", "containers"]) {
    arrayAt(spec, kind).forEach((container, i) => {
      const at = pathOf(specPath, kind, i);
      checkContainer(container, at, kind === "initContainers", ctx, sink);
      const name = stringAt(container, "name");
      if (name === undefined || name === "") return;
      if (seen.has(name)) {
        sink.error(pathOf(at, "name"), "duplicate", `container name "${name}" is used twice (names are unique across initContainers and containers): rename one`);
      }
      seen.add(name);
    });
  }
}

/** Checks `spec` of a pod: containers, volumes, enums, deadlines, pod-level resources. */
export function checkSpec(pod: unknown, base: string, sink: IssueSink): void {
  const spec = recordAt(pod, "spec");
  const specPath = pathOf(base, "spec");
  const volumeNames = checkVolumes(spec, specPath, sink);
  checkContainers(spec, specPath, volumeNames, sink);
  checkEnum(spec, "restartPolicy", RESTART_POLICIES, specPath, sink);
  checkEnum(spec, "dnsPolicy", DNS_POLICIES, specPath, sink);
  if (stringAt(spec, "dnsPolicy") === "None" && !isSet(spec, "dnsConfig")) {
    sink.error(pathOf(specPath, "dnsConfig"), "required", 'dnsConfig is required when dnsPolicy is "None"');
  }
  const deadline = numberAt(spec, "activeDeadlineSeconds");
  if (deadline !== undefined && deadline < 1) {
    sink.error(pathOf(specPath, "activeDeadlineSeconds"), "invalid", "activeDeadlineSeconds must be at least 1 (or unset)");
  }
  const hostname = stringAt(spec, "hostname");
  if (hostname !== undefined && hostname !== "") {
    const problem = labelProblem(hostname);
    if (problem !== undefined) sink.error(pathOf(specPath, "hostname"), "invalid-name", `hostname "${hostname}" ${problem}`);
  }
  if (spec !== undefined) checkResources(spec["resources"], pathOf(specPath, "resources"), sink);
  const overhead = recordAt(spec, "overhead");
  if (overhead !== undefined) {
    for (const [name, value] of Object.entries(overhead)) checkQuantity(value, pathOf(specPath, "overhead", name), sink);
  }
}
