// The other volume sources' own fields (nfs, iscsi, rbd, gitRepo, cloud disks, ...), as the kubelet's validation checks them.
import { IssueSink, arrayAt, isRecord, numberAt, pathOf, stringAt } from "../validate-walk.js";
import { labelProblem } from "../validate-names.js";
import { checkEnum, checkFileMode, checkKeyToPath, relativePathProblem } from "./common.js";

/** Fields each source requires (a non-empty string, or a non-empty list for monitors). */
const REQUIRED: Record<string, readonly string[]> = {
  gitRepo: ["repository"],
  gcePersistentDisk: ["pdName"],
  awsElasticBlockStore: ["volumeID"],
  secret: ["secretName"],
  configMap: ["name"],
  nfs: ["server", "path"],
  iscsi: ["targetPortal", "iqn"],
  glusterfs: ["endpoints", "path"],
  persistentVolumeClaim: ["claimName"],
  rbd: ["monitors", "image"],
  cinder: ["volumeID"],
  cephfs: ["monitors"],
  quobyte: ["registry", "volume"],
  flexVolume: ["driver"],
  azureFile: ["secretName", "shareName"],
  vsphereVolume: ["volumePath"],
  photonPersistentDisk: ["pdID"],
  portworxVolume: ["volumeID"],
  azureDisk: ["diskName", "diskURI"],
  scaleIO: ["gateway", "system", "volumeName"],
  storageos: ["volumeName"],
  ephemeral: ["volumeClaimTemplate"],
};
const IQN = /^iqn\.\d{4}-\d{2}\.([A-Za-z0-9\-.]+)(:[^,;*&$|\s]+)$/;
const EUI = /^eui.[A-Za-z0-9]{16}$/;
const NAA = /^naa.[A-Za-z0-9]{32}$/;

function present(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "string") return value !== "";
  return value !== undefined && value !== null;
}

function iqnProblem(value: string): string | undefined {
  if (!value.startsWith("iqn") && !value.startsWith("eui") && !value.startsWith("naa")) return "must be valid format starting with iqn, eui, or naa";
  const regex = value.startsWith("iqn") ? IQN : value.startsWith("eui") ? EUI : NAA;
  return regex.test(value) ? undefined : "must be valid format";
}

function checkRange(source: unknown, key: string, min: number, max: number, at: string, sink: IssueSink): void {
  const value = numberAt(source, key);
  if (value !== undefined && (value < min || value > max)) {
    sink.error(pathOf(at, key), "invalid-volume", `${value}: must be between ${min} and ${max}, inclusive`);
  }
}

function checkIscsi(source: Record<string, unknown>, at: string, volumeName: string, sink: IssueSink): void {
  for (const key of ["iqn", "initiatorName"]) {
    const value = stringAt(source, key);
    if (value === undefined || value === "") continue;
    const problem = iqnProblem(value);
    if (problem !== undefined) sink.error(pathOf(at, key === "iqn" ? "iqn" : "initiatorname"), "invalid-volume", `"${value}": ${problem}`);
  }
  checkRange(source, "lun", 0, 255, at, sink);
  if ((source["chapAuthDiscovery"] === true || source["chapAuthSession"] === true) && !isRecord(source["secretRef"])) {
    sink.error(pathOf(at, "secretRef"), "required", "Required value: CHAP authentication needs secretRef");
  }
  if (stringAt(source, "initiatorName") !== undefined && `${volumeName}:${stringAt(source, "targetPortal") ?? ""}`.length > 64) {
    sink.error(
      pathOf(at, "name"),
      "invalid-volume",
      "Total length of <volume name>:<iscsi.targetPortal> must be under 64 characters if iscsi.initiatorName is specified.",
    );
  }
}

function checkSpecifics(kind: string, source: Record<string, unknown>, at: string, volumeName: string, sink: IssueSink): void {
  if (kind === "gitRepo") {
    const dir = stringAt(source, "directory") ?? "";
    const problem = dir === "" ? undefined : relativePathProblem(dir);
    if (problem !== undefined && problem !== "must not start with '..'") sink.error(pathOf(at, "directory"), "invalid-path", `"${dir}": ${problem}`);
  } else if (kind === "nfs") {
    const p = stringAt(source, "path") ?? "";
    if (!p.startsWith("/")) sink.error(pathOf(at, "path"), "invalid-path", `"${p}": must be an absolute path`);
  } else if (kind === "iscsi") checkIscsi(source, at, volumeName, sink);
  else if (kind === "gcePersistentDisk" || kind === "awsElasticBlockStore") checkRange(source, "partition", 0, 255, at, sink);
  else if (kind === "fc") {
    const wwns = arrayAt(source, "targetWWNs");
    const wwids = arrayAt(source, "wwids");
    if (wwns.length === 0 && wwids.length === 0) sink.error(pathOf(at, "targetWWNs"), "required", "Required value: must specify either targetWWNs or wwids, but not both");
    if (wwns.length > 0 && wwids.length > 0) sink.error(pathOf(at, "targetWWNs"), "invalid-volume", "targetWWNs and wwids can not be specified simultaneously");
    if (wwns.length > 0 && numberAt(source, "lun") === undefined) sink.error(pathOf(at, "lun"), "required", "Required value: lun is required if targetWWNs is specified");
    checkRange(source, "lun", 0, 255, at, sink);
  } else if (kind === "flexVolume") {
    for (const key of Object.keys(isRecord(source["options"]) ? source["options"] : {})) {
      const ns = `.${(key.includes("/") ? key.slice(0, key.indexOf("/")) : key).toLowerCase()}`;
      if (ns.endsWith(".kubernetes.io") || ns.endsWith(".k8s.io")) {
        sink.error(pathOf(at, "options", key), "invalid-volume", `"${key}": kubernetes.io and k8s.io namespaces are reserved`);
      }
    }
  } else if (kind === "azureDisk") {
    checkEnum(source, "cachingMode", ["None", "ReadOnly", "ReadWrite"], at, sink);
    checkEnum(source, "kind", ["Shared", "Dedicated", "Managed"], at, sink);
  } else if (kind === "storageos") {
    const name = stringAt(source, "volumeName") ?? "";
    const problem = name === "" ? undefined : labelProblem(name);
    if (problem !== undefined) sink.error(pathOf(at, "volumeName"), "invalid-name", `"${name}" ${problem}`);
  } else if (kind === "secret" || kind === "configMap") {
    checkFileMode(source, "defaultMode", at, sink);
    arrayAt(source, "items").forEach((item, i) => checkKeyToPath(item, pathOf(at, "items", i), sink));
  } else if (kind === "flocker") {
    const name = stringAt(source, "datasetName") ?? "";
    const uuid = stringAt(source, "datasetUUID") ?? "";
    if (name === "" && uuid === "") sink.error(at, "required", "Required value: one of datasetName and datasetUUID is required");
    if (name !== "" && uuid !== "") sink.error(at, "invalid-volume", "datasetName and datasetUUID can not be specified simultaneously");
  }
}

/** Checks the fields of a source other than hostPath, emptyDir, downwardAPI, projected and image. `volumeName` is for iscsi's length rule. */
export function checkInTreeSource(kind: string, source: Record<string, unknown>, at: string, volumeName: string, sink: IssueSink): void {
  for (const key of REQUIRED[kind] ?? []) {
    if (!present(source[key])) sink.error(pathOf(at, key), "required", `Required value: ${kind}.${key} is required`);
  }
  checkSpecifics(kind, source, at, volumeName, sink);
}
