// Volumes: names, exactly one source each, and every source's own fields (hostPath, emptyDir, downwardAPI, projected, image, in-tree).
import { checkQuantity } from "../validate-quantity.js";
import { labelProblem } from "../validate-names.js";
import { IssueSink, arrayAt, isRecord, isSet, numberAt, pathOf, recordAt, stringAt } from "../validate-walk.js";
import { checkEnum, checkFileMode, checkKeyToPath, hasBacksteps, quoted } from "./common.js";
import type { PodRule, RuleContext } from "./context.js";
import { checkDownwardApiItems } from "./volume-downward-api.js";
import { checkInTreeSource } from "./volume-in-tree.js";

/** Every volume source key, in the order the kubelet's validation visits them. */
export const VOLUME_SOURCES = `emptyDir hostPath gitRepo gcePersistentDisk awsElasticBlockStore secret nfs iscsi glusterfs
  flocker persistentVolumeClaim rbd cinder cephfs quobyte downwardAPI fc flexVolume configMap azureFile vsphereVolume
  photonPersistentDisk portworxVolume azureDisk storageos projected scaleIO csi ephemeral image`
  .split(/\s+/)
  .filter((s) => s !== "");
const PROJECTED_SOURCES = ["secret", "configMap", "downwardAPI", "serviceAccountToken", "clusterTrustBundle", "podCertificate"];
const HOST_PATH_TYPES = ["", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"];
const PULL_POLICIES = ["Always", "IfNotPresent", "Never"];
/** Storage media the kubelet's emptyDir plugin can mount. */
const EMPTY_DIR_MEDIA = /^(|Memory|HugePages|HugePages-\d+(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?)$/;
/** ImageVolume is on by default from v1.35; older kubelets cannot mount image volumes. */
const IMAGE_VOLUME_MINOR = 35;

function checkHostPath(hostPath: Record<string, unknown>, at: string, sink: IssueSink): void {
  const p = stringAt(hostPath, "path") ?? "";
  if (p === "") sink.error(pathOf(at, "path"), "required", "Required value: hostPath.path is required (an absolute path on the node)");
  else if (hasBacksteps(p)) sink.error(pathOf(at, "path"), "invalid-path", `"${p}": must not contain '..'`);
  const type = stringAt(hostPath, "type");
  if (type !== undefined && !HOST_PATH_TYPES.includes(type)) {
    sink.error(pathOf(at, "type"), "unsupported-value", `Unsupported value: "${type}": supported values: ${quoted(HOST_PATH_TYPES)}`);
  }
}

function checkEmptyDir(emptyDir: Record<string, unknown>, at: string, sink: IssueSink): void {
  checkQuantity(emptyDir["sizeLimit"], pathOf(at, "sizeLimit"), sink);
  const medium = stringAt(emptyDir, "medium");
  if (medium !== undefined && !EMPTY_DIR_MEDIA.test(medium)) {
    sink.warning(
      pathOf(at, "medium"),
      "empty-dir-medium",
      `medium "${medium}" is not one the kubelet can mount ("", "Memory", "HugePages", "HugePages-<size>"): the pod is accepted but never starts`,
    );
  }
}

function checkImage(image: Record<string, unknown>, at: string, ctx: RuleContext, sink: IssueSink): void {
  if ((stringAt(image, "reference") ?? "") === "") {
    sink.error(pathOf(at, "reference"), "required", "Required value: image.reference is required (an OCI image or artifact, e.g. registry.example/data:1.0)");
  }
  checkEnum(image, "pullPolicy", PULL_POLICIES, at, sink);
  if (ctx.minor < IMAGE_VOLUME_MINOR) {
    sink.warning(
      at,
      "needs-newer-kubelet",
      `image volumes need the ImageVolume feature gate, on by default only from v1.35; this node runs v1.${ctx.minor}, whose kubelet accepts the pod but cannot mount the volume unless the gate is enabled`,
    );
  }
}

/** PreventStaticPodAPIReferences (on by default from v1.34) refuses a projected source of no known type. */
const UNKNOWN_PROJECTION_MINOR = 34;

function checkProjected(projected: Record<string, unknown>, at: string, volumeName: string, ctx: RuleContext, sink: IssueSink): void {
  checkFileMode(projected, "defaultMode", at, sink);
  const paths = new Set<string>();
  const claim = (p: unknown, name: string): void => {
    if (typeof p !== "string" || p === "") return;
    if (paths.has(p)) sink.error(at, "duplicate", `"${name}": conflicting duplicate paths ("${p}" is projected twice)`);
    paths.add(p);
  };
  arrayAt(projected, "sources").forEach((source, j) => {
    const srcPath = pathOf(at, "sources", j);
    const set = PROJECTED_SOURCES.filter((k) => isSet(source, k));
    if (set.length > 1) sink.error(srcPath, "invalid-volume", `may not specify more than 1 volume type per source (found ${set.join(", ")}): split them into separate sources`);
    if (set.length === 0 && ctx.minor >= UNKNOWN_PROJECTION_MINOR) {
      sink.error(srcPath, "static-pod-ban", `unknown source for projected volume "${volumeName}": give the source a type (a static pod may project only downwardAPI) or remove it`);
    }
    for (const key of ["secret", "configMap"]) {
      const ref = recordAt(source, key);
      if (ref === undefined) continue;
      if ((stringAt(ref, "name") ?? "") === "") sink.error(pathOf(srcPath, key, "name"), "required", "Required value: name is required");
      arrayAt(ref, "items").forEach((item, k) => {
        checkKeyToPath(item, pathOf(srcPath, key, "items", k), sink);
        claim(stringAt(item, "path"), stringAt(ref, "name") ?? "");
      });
    }
    const downward = recordAt(source, "downwardAPI");
    if (downward !== undefined) {
      checkDownwardApiItems(downward, pathOf(srcPath, "downwardAPI"), sink);
      for (const item of arrayAt(downward, "items")) claim(stringAt(item, "path"), stringAt(item, "path") ?? "");
    }
    const token = recordAt(source, "serviceAccountToken");
    const seconds = numberAt(token, "expirationSeconds");
    if (seconds !== undefined && seconds < 600) {
      sink.error(pathOf(srcPath, "serviceAccountToken", "expirationSeconds"), "invalid-volume", `${seconds}: may not specify a duration less than 10 minutes`);
    }
  });
}

function checkSource(volume: Record<string, unknown>, at: string, ctx: RuleContext, sink: IssueSink): void {
  const sources = VOLUME_SOURCES.filter((k) => isSet(volume, k));
  if (sources.length > 1) {
    sink.error(at, "invalid-volume", `volume has more than one source (${sources.join(", ")}): may not specify more than 1 volume type, keep one`);
  }
  // A volume without a source was defaulted to emptyDir before the rules run (validate-static.ts warns about it).
  const first = sources[0];
  if (first === undefined) return;
  const source = recordAt(volume, first) ?? {};
  const sourcePath = pathOf(at, first);
  if (first === "hostPath") checkHostPath(source, sourcePath, sink);
  else if (first === "emptyDir") checkEmptyDir(source, sourcePath, sink);
  else if (first === "image") checkImage(source, sourcePath, ctx, sink);
  else if (first === "projected") checkProjected(source, sourcePath, stringAt(volume, "name") ?? "", ctx, sink);
  else if (first === "downwardAPI") {
    checkFileMode(source, "defaultMode", sourcePath, sink);
    checkDownwardApiItems(source, sourcePath, sink);
  } else checkInTreeSource(first, source, sourcePath, stringAt(volume, "name") ?? "", sink);
}

/** spec.volumes: names (DNS-1123 labels, unique), exactly one source each, and each source's fields. */
export const volumesRule: PodRule = (pod, base, ctx, sink) => {
  const specPath = pathOf(base, "spec");
  const names = new Set<string>();
  arrayAt(recordAt(pod, "spec"), "volumes").forEach((volume, i) => {
    if (!isRecord(volume)) return;
    const at = pathOf(specPath, "volumes", i);
    const name = stringAt(volume, "name") ?? "";
    if (name === "") sink.error(pathOf(at, "name"), "required", "Required value: volume name is required");
    else {
      const problem = labelProblem(name);
      if (problem !== undefined) sink.error(pathOf(at, "name"), "invalid-name", `volume name "${name}" ${problem}`);
      if (names.has(name)) sink.error(pathOf(at, "name"), "duplicate", `Duplicate value: volume name "${name}" is used twice: rename one`);
      names.add(name);
    }
    checkSource(volume, at, ctx, sink);
  });
};
