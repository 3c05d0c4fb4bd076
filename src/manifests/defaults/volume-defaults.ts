// v1 defaults of pod volumes: a volume without a source is an emptyDir, file modes 0644, hostPath type "", and the
// legacy in-tree sources' fixed defaults.
import { defaultPullPolicy } from "./image-pull-policy.js";
import { child, children, setNil, setZero, type Obj } from "./set-default.js";

/** 0644, the default mode of secret, configMap, downwardAPI and projected volumes. */
const DEFAULT_MODE = 0o644;

function hasSource(volume: Obj): boolean {
  return Object.keys(volume).some((k) => k !== "name" && volume[k] !== undefined && volume[k] !== null);
}

function defaultFieldRefs(items: Obj[]): void {
  for (const item of items) {
    const fieldRef = child(item, "fieldRef");
    if (fieldRef !== undefined) setZero(fieldRef, "apiVersion", "v1");
  }
}

function defaultProjected(projected: Obj): void {
  setNil(projected, "defaultMode", DEFAULT_MODE);
  for (const source of children(projected, "sources")) {
    defaultFieldRefs(children(child(source, "downwardAPI"), "items"));
    const token = child(source, "serviceAccountToken");
    if (token !== undefined) setNil(token, "expirationSeconds", 3600);
  }
}

/** SetDefaults_Volume and the defaults of each volume source, in place. Unknown sources count as a source. */
export function defaultVolume(volume: Obj): void {
  if (!hasSource(volume)) volume["emptyDir"] = {};
  for (const kind of ["secret", "configMap"]) {
    const source = child(volume, kind);
    if (source !== undefined) setNil(source, "defaultMode", DEFAULT_MODE);
  }
  const downward = child(volume, "downwardAPI");
  if (downward !== undefined) {
    setNil(downward, "defaultMode", DEFAULT_MODE);
    defaultFieldRefs(children(downward, "items"));
  }
  const projected = child(volume, "projected");
  if (projected !== undefined) defaultProjected(projected);
  const emptyDir = child(volume, "emptyDir");
  if (emptyDir !== undefined && typeof emptyDir["sizeLimit"] === "string") emptyDir["sizeLimit"] = emptyDir["sizeLimit"].trim();
  const hostPath = child(volume, "hostPath");
  if (hostPath !== undefined) setNil(hostPath, "type", "");
  const image = child(volume, "image");
  if (image !== undefined) setZero(image, "pullPolicy", defaultPullPolicy(image["reference"]));
  const iscsi = child(volume, "iscsi");
  if (iscsi !== undefined) setZero(iscsi, "iscsiInterface", "default");
  const rbd = child(volume, "rbd");
  if (rbd !== undefined) {
    setZero(rbd, "pool", "rbd");
    setZero(rbd, "user", "admin");
    setZero(rbd, "keyring", "/etc/ceph/keyring");
  }
  const azureDisk = child(volume, "azureDisk");
  if (azureDisk !== undefined) {
    setNil(azureDisk, "cachingMode", "ReadWrite");
    setNil(azureDisk, "fsType", "ext4");
    setNil(azureDisk, "readOnly", false);
    setNil(azureDisk, "kind", "Shared");
  }
  const scaleIO = child(volume, "scaleIO");
  if (scaleIO !== undefined) {
    setZero(scaleIO, "storageMode", "ThinProvisioned");
    setZero(scaleIO, "fsType", "xfs");
  }
}
