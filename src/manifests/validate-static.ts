// The static-pod rules: API references the kubelet refuses (PreventStaticPodAPIReferences) and fields it ignores or rewrites.
import { IssueSink, arrayAt, isRecord, isSet, numberAt, pathOf, recordAt, stringAt } from "./validate-walk.js";

const BAN = "static-pod-ban";
const REJECTS = "the kubelet rejects the whole response";

const FIXES: Record<string, string> = {
  serviceaccounts:
    "Remove it: a static pod gets no API credentials; mount a kubeconfig or token file from a hostPath volume instead",
  secrets: "Use a hostPath volume or bake the value into the manifest",
  configmaps: "Use a hostPath volume, or put the values into env, args or the manifest itself",
  persistentvolumeclaims: "Use a hostPath (or an in-tree network) volume instead",
  csidrivers: "Use a hostPath (or an in-tree) volume instead",
  endpoints: "Use a hostPath or nfs volume instead",
  clustertrustbundles: "Put the CA bundle on the node and mount it with a hostPath volume",
  podcertificates: "Put the certificate on the node and mount it with a hostPath volume",
  resourceclaims: "Remove resourceClaims (and the containers' resources.claims); reach devices through hostPath instead",
};

/** The first kubelet minor with PreventStaticPodAPIReferences on by default (before it only these two were refused). */
const API_REFERENCES_REFUSED_SINCE = 34;
const ALWAYS_REFUSED = new Set(["clustertrustbundles", "resourceclaims"]);

/** The sink and the kubelet minor the bans are judged for. */
interface BanContext {
  sink: IssueSink;
  minor: number;
}

function ban({ sink, minor }: BanContext, path: string, resource: string, via = ""): void {
  const fix = FIXES[resource] ?? "Remove the reference";
  if (minor >= API_REFERENCES_REFUSED_SINCE || ALWAYS_REFUSED.has(resource)) {
    sink.error(path, BAN, `static pods may not reference ${resource}${via}: ${REJECTS}. ${fix}`);
  } else {
    sink.warning(
      path,
      BAN,
      `kubelet 1.${minor} runs a static pod referencing ${resource}${via}, but its mirror pod cannot be created (NodeRestriction) and kubelets from 1.${API_REFERENCES_REFUSED_SINCE} on reject the whole response ("static pods may not reference ${resource}"). ${fix}`,
    );
  }
}

const SECRET_REF_VOLUMES = ["cephfs", "cinder", "flexVolume", "iscsi", "rbd", "scaleIO", "storageos"];
const REF_VOLUMES: Record<string, [string, string]> = {
  secret: ["secrets", " (via secret volumes)"],
  configMap: ["configmaps", " (via configMap volumes)"],
  csi: ["csidrivers", " (via CSI volumes)"],
  glusterfs: ["endpoints", " (via glusterfs volumes)"],
  persistentVolumeClaim: ["persistentvolumeclaims", ""],
  ephemeral: ["persistentvolumeclaims", " (via ephemeral volumes)"],
  azureFile: ["secrets", " (via azureFile volumes)"],
};
const PROJECTED_REFS: Record<string, string> = {
  configMap: "configmaps",
  secret: "secrets",
  serviceAccountToken: "serviceaccounts",
  clusterTrustBundle: "clustertrustbundles",
  podCertificate: "podcertificates",
};
const BUILTIN_PRIORITY_CLASSES = new Set(["system-node-critical", "system-cluster-critical"]);

function checkContainerRefs(container: unknown, path: string, sink: BanContext): void {
  arrayAt(container, "envFrom").forEach((source, j) => {
    if (isSet(source, "secretRef")) ban(sink, pathOf(path, "envFrom", j, "secretRef"), "secrets");
    if (isSet(source, "configMapRef")) ban(sink, pathOf(path, "envFrom", j, "configMapRef"), "configmaps");
  });
  arrayAt(container, "env").forEach((env, j) => {
    const from = recordAt(env, "valueFrom");
    const at = pathOf(path, "env", j, "valueFrom");
    if (isSet(from, "secretKeyRef")) ban(sink, pathOf(at, "secretKeyRef"), "secrets");
    if (isSet(from, "configMapKeyRef")) ban(sink, pathOf(at, "configMapKeyRef"), "configmaps");
  });
}

function checkVolumeRefs(volume: unknown, path: string, sink: BanContext): void {
  for (const [key, [resource, via]] of Object.entries(REF_VOLUMES)) {
    if (isSet(volume, key)) ban(sink, pathOf(path, key), resource, via);
  }
  for (const key of SECRET_REF_VOLUMES) {
    if (isSet(recordAt(volume, key), "secretRef")) ban(sink, pathOf(path, key, "secretRef"), "secrets");
  }
  if (isSet(recordAt(volume, "csi"), "nodePublishSecretRef")) {
    ban(sink, pathOf(path, "csi", "nodePublishSecretRef"), "secrets");
  }
  const projected = recordAt(volume, "projected");
  arrayAt(projected, "sources").forEach((source, j) => {
    const at = pathOf(path, "projected", "sources", j);
    for (const [key, resource] of Object.entries(PROJECTED_REFS)) {
      if (isSet(source, key)) ban(sink, pathOf(at, key), resource, " (via projected volumes)");
    }
  });
}

/**
 * Errors for every API-object reference kubelet 1.`minor` refuses in a static pod (before 1.34 only cluster trust
 * bundles and resource claims; the other references are warnings), plus ephemeral containers and scheduling gates.
 */
export function checkStaticPodBans(pod: unknown, base: string, sink: IssueSink, minor: number): void {
  const bans: BanContext = { sink, minor };
  const spec = recordAt(pod, "spec");
  const specPath = pathOf(base, "spec");
  for (const key of ["serviceAccountName", "serviceAccount"]) {
    const value = stringAt(spec, key);
    if (value !== undefined && value !== "") ban(bans, pathOf(specPath, key), "serviceaccounts");
  }
  // The kubelet skips empty names when it looks for Secret references, so `- name: ""` is no reference.
  if (arrayAt(spec, "imagePullSecrets").some((ref) => (stringAt(ref, "name") ?? "") !== "")) {
    ban(bans, pathOf(specPath, "imagePullSecrets"), "secrets");
  }
  for (const kind of ["initContainers", "containers", "ephemeralContainers"]) {
    arrayAt(spec, kind).forEach((c, i) => checkContainerRefs(c, pathOf(specPath, kind, i), bans));
  }
  arrayAt(spec, "volumes").forEach((v, i) => checkVolumeRefs(v, pathOf(specPath, "volumes", i), bans));
  if (arrayAt(spec, "resourceClaims").length > 0) ban(bans, pathOf(specPath, "resourceClaims"), "resourceclaims");
  if (arrayAt(spec, "ephemeralContainers").length > 0) {
    sink.error(
      pathOf(specPath, "ephemeralContainers"),
      BAN,
      `static pods cannot have ephemeral containers: ${REJECTS}. Remove ephemeralContainers (debug with a separate pod or on the node)`,
    );
  }
  if (arrayAt(spec, "schedulingGates").length > 0) {
    sink.error(
      pathOf(specPath, "schedulingGates"),
      BAN,
      `static pods cannot have schedulingGates: the kubelet sets spec.nodeName and nodeName together with schedulingGates is forbidden, so ${REJECTS}. Remove schedulingGates`,
    );
  }
}

/** Warnings for fields the kubelet accepts in a static pod but ignores, rewrites, or that cause restarts or mirror-pod failures. */
export function checkStaticPodWarnings(pod: unknown, base: string, sink: IssueSink): void {
  if (!isRecord(pod)) return;
  const status = pod["status"];
  if (status !== undefined && status !== null && !(isRecord(status) && Object.keys(status).length === 0)) {
    sink.warning(
      pathOf(base, "status"),
      "status-ignored",
      "status is dropped when serving: the kubelet would hash it into the pod UID, so any change to it restarts the pod. Remove it",
    );
  }
  const metadata = recordAt(pod, "metadata");
  const metaPath = pathOf(base, "metadata");
  if (isSet(metadata, "uid") && stringAt(metadata, "uid") !== "") {
    sink.warning(
      pathOf(metaPath, "uid"),
      "uid-pinned",
      "metadata.uid pins the pod UID: changes then arrive as in-place updates instead of a restart, and may not take effect. Remove it unless that is intended",
    );
  }
  if (isSet(metadata, "generateName")) {
    sink.warning(pathOf(metaPath, "generateName"), "generate-name-ignored", "generateName is ignored for static pods: set metadata.name");
  }
  const spec = recordAt(pod, "spec");
  const specPath = pathOf(base, "spec");
  const nodeName = stringAt(spec, "nodeName");
  if (nodeName !== undefined && nodeName !== "") {
    sink.warning(pathOf(specPath, "nodeName"), "node-name-overwritten", "spec.nodeName is overwritten by the kubelet with its own node name: remove it");
  }
  arrayAt(spec, "volumes").forEach((volume, i) => {
    if (isRecord(volume) && Object.keys(volume).every((k) => k === "name" || volume[k] === undefined || volume[k] === null))
      sink.warning(
        pathOf(specPath, "volumes", i),
        "volume-defaulted",
        "volume has no source: the kubelet makes it an emptyDir. Say emptyDir: {} explicitly",
      );
  });
  const priorityClassName = stringAt(spec, "priorityClassName");
  if (priorityClassName !== undefined && priorityClassName !== "" && !BUILTIN_PRIORITY_CLASSES.has(priorityClassName)) {
    sink.warning(
      pathOf(specPath, "priorityClassName"),
      "priority-class",
      `priorityClassName "${priorityClassName}" must exist in the cluster or the kubelet cannot create the mirror pod (the pod still runs): prefer system-node-critical or make sure the class exists`,
    );
  }
  if (isSet(spec, "priority")) {
    sink.warning(
      pathOf(specPath, "priority"),
      "priority-class",
      "spec.priority is computed from priorityClassName; a value that differs makes mirror pod creation fail. Remove it",
    );
  }
  const grace = numberAt(spec, "terminationGracePeriodSeconds");
  if (grace !== undefined && grace < 0) {
    sink.warning(
      pathOf(specPath, "terminationGracePeriodSeconds"),
      "grace-period-clamped",
      `terminationGracePeriodSeconds ${grace} is negative: the kubelet clamps it to 1. Set 0 or a positive number`,
    );
  }
}
