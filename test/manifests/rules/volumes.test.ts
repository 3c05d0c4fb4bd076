// Volumes: one source each and every source's fields, including the downward API and image volumes by version.
import { describe } from "node:test";
import { pod, runCases, type Obj, type RuleCase } from "./cases.js";

const vol = (source: Obj, name = "v") => pod({ volumes: [{ name, ...source }] });
const downward = (...items: Obj[]) => vol({ downwardAPI: { items } });
const field = (fieldPath: string, path = "f"): Obj => ({ path, fieldRef: { fieldPath } });
const projected = (...sources: Obj[]) => vol({ projected: { sources } });
const V = "spec.volumes[0]";

const sources: RuleCase[] = [
  { name: "emptyDir with medium and sizeLimit", pod: vol({ emptyDir: { medium: "Memory", sizeLimit: "64Mi" } }) },
  { name: "emptyDir on hugepages of a size", pod: vol({ emptyDir: { medium: "HugePages-2Mi" } }) },
  { name: "emptyDir with a negative sizeLimit", pod: vol({ emptyDir: { sizeLimit: "-1Gi" } }), error: [`${V}.emptyDir.sizeLimit`, "must be greater than or equal to 0"] },
  { name: "emptyDir with a medium the kubelet cannot mount (warning)", pod: vol({ emptyDir: { medium: "Disk" } }), warning: [`${V}.emptyDir.medium`, "never starts"] },
  { name: "two sources", pod: vol({ emptyDir: {}, hostPath: { path: "/x" } }), error: [V, "may not specify more than 1 volume type"] },
  { name: "hostPath with every type", pod: pod({ volumes: ["", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"].map((type, i) => ({ name: `v${i}`, hostPath: { path: "/dev/x", type } })) }) },
  { name: "hostPath with an unknown type", pod: vol({ hostPath: { path: "/x", type: "Dir" } }), error: [`${V}.hostPath.type`, 'Unsupported value: "Dir"'] },
  { name: "hostPath with '..'", pod: vol({ hostPath: { path: "/etc/../root" } }), error: [`${V}.hostPath.path`, "must not contain '..'"] },
  { name: "a volume name that is not a DNS label", pod: vol({ emptyDir: {} }, "Data"), error: [`${V}.name`, "RFC 1123 label"] },
  { name: "nfs", pod: vol({ nfs: { server: "nfs.example", path: "/exports/data" } }) },
  { name: "nfs with a relative path", pod: vol({ nfs: { server: "nfs.example", path: "exports" } }), error: [`${V}.nfs.path`, "must be an absolute path"] },
  { name: "iscsi", pod: vol({ iscsi: { targetPortal: "10.0.0.1:3260", iqn: "iqn.2015-02.example.com:test", lun: 0 } }) },
  { name: "iscsi without a lun (0)", pod: vol({ iscsi: { targetPortal: "10.0.0.1:3260", iqn: "iqn.2015-02.example.com:test" } }) },
  { name: "scaleIO without a secretRef", pod: vol({ scaleIO: { gateway: "https://gw", system: "s", volumeName: "v" } }) },
  { name: "iscsi with a bad iqn", pod: vol({ iscsi: { targetPortal: "10.0.0.1:3260", iqn: "iqn.2015-02.example.com", lun: 0 } }), error: [`${V}.iscsi.iqn`, "must be valid format"] },
  { name: "iscsi with lun 256", pod: vol({ iscsi: { targetPortal: "10.0.0.1:3260", iqn: "iqn.2015-02.example.com:t", lun: 256 } }), error: [`${V}.iscsi.lun`, "between 0 and 255"] },
  { name: "gitRepo with a directory", pod: vol({ gitRepo: { repository: "https://example.com/r.git", directory: "src" } }) },
  { name: "gitRepo escaping with '..'", pod: vol({ gitRepo: { repository: "https://example.com/r.git", directory: "../src" } }), error: [`${V}.gitRepo.directory`, "must not contain '..'"] },
  { name: "rbd", pod: vol({ rbd: { monitors: ["10.0.0.1:6789"], image: "disk" } }) },
  { name: "gcePersistentDisk", pod: vol({ gcePersistentDisk: { pdName: "d", partition: 1 } }) },
  { name: "fc with targetWWNs and a lun", pod: vol({ fc: { targetWWNs: ["500a0981891b8dc5"], lun: 0 } }) },
  { name: "fc with targetWWNs and no lun", pod: vol({ fc: { targetWWNs: ["500a0981891b8dc5"] } }), error: [`${V}.fc.lun`, "lun is required if targetWWNs is specified"] },
  { name: "flexVolume", pod: vol({ flexVolume: { driver: "example/lvm", options: { "example.com/size": "1Gi" } } }) },
  { name: "azureDisk", pod: vol({ azureDisk: { diskName: "d", diskURI: "https://a.blob.core.windows.net/c/d.vhd", cachingMode: "ReadOnly", kind: "Shared" } }) },
  { name: "azureDisk with an unknown cachingMode", pod: vol({ azureDisk: { diskName: "d", diskURI: "u", cachingMode: "Write" } }), error: [`${V}.azureDisk.cachingMode`, 'Unsupported value: "Write"'] },
  { name: "flocker with both a name and a UUID", pod: vol({ flocker: { datasetName: "n", datasetUUID: "u" } }), error: [`${V}.flocker`, "can not be specified simultaneously"] },
  { name: "storageos with an uppercase volumeName", pod: vol({ storageos: { volumeName: "Data" } }), error: [`${V}.storageos.volumeName`, "RFC 1123 label"] },
  { name: "rbd without monitors", pod: vol({ rbd: { image: "i" } }), error: [`${V}.rbd.monitors`, "rbd.monitors is required"] },
  { name: "gcePersistentDisk partition 256", pod: vol({ gcePersistentDisk: { pdName: "d", partition: 256 } }), error: [`${V}.gcePersistentDisk.partition`, "between 0 and 255"] },
  { name: "fc with neither targetWWNs nor wwids", pod: vol({ fc: { lun: 1 } }), error: [`${V}.fc.targetWWNs`, "must specify either targetWWNs or wwids"] },
  { name: "flexVolume options in a reserved namespace", pod: vol({ flexVolume: { driver: "example/lvm", options: { "kubernetes.io/x": "y" } } }), error: [`${V}.flexVolume.options[kubernetes.io/x]`, "namespaces are reserved"] },
];

const downwardApi: RuleCase[] = [
  {
    name: "every fieldPath a volume may use",
    pod: downward(...["metadata.name", "metadata.namespace", "metadata.labels", "metadata.annotations", "metadata.uid", "metadata.labels['app']", "metadata.annotations['Example.com/X']"].map((p, i) => field(p, `f${i}`))),
  },
  { name: "spec.nodeName in a volume (env only)", pod: downward(field("spec.nodeName")), error: [`${V}.downwardAPI.fieldRef.fieldPath`, "only available to env vars, not to a downwardAPI volume"] },
  { name: "status.podIP in a volume", pod: downward(field("status.podIP")), error: [`${V}.downwardAPI.fieldRef.fieldPath`, 'Unsupported value: "status.podIP"'] },
  { name: "a subscript on metadata.name", pod: downward(field("metadata.name['x']")), error: [`${V}.downwardAPI.fieldRef.fieldPath`, "does not support subscript"] },
  { name: "an absolute item path", pod: downward(field("metadata.name", "/etc/name")), error: [`${V}.downwardAPI.path`, "must be a relative path"] },
  { name: "an item path starting with '..'", pod: downward(field("metadata.name", "..data")), error: [`${V}.downwardAPI.path`, "must not start with '..'"] },
  { name: "an item with no selector", pod: downward({ path: "x" }), error: [`${V}.downwardAPI`, "one of fieldRef and resourceFieldRef is required"] },
  { name: "resourceFieldRef with containerName", pod: downward({ path: "mem", resourceFieldRef: { containerName: "app", resource: "limits.memory", divisor: "1Mi" } }) },
  { name: "resourceFieldRef without containerName", pod: downward({ path: "mem", resourceFieldRef: { resource: "limits.memory" } }), error: [`${V}.downwardAPI.resourceFieldRef.containerName`, "containerName is required"] },
  { name: "a cpu divisor of 1Mi", pod: downward({ path: "cpu", resourceFieldRef: { containerName: "app", resource: "limits.cpu", divisor: "1Mi" } }), error: [`${V}.downwardAPI.resourceFieldRef.divisor`, "only divisor's values 1m and 1"] },
  { name: "a mode above 0777", pod: downward({ ...field("metadata.name"), mode: 0o1000 }), error: [`${V}.downwardAPI.mode`, "between 0 and 0777"] },
  { name: "a defaultMode of 0644", pod: vol({ downwardAPI: { defaultMode: 0o644, items: [field("metadata.name")] } }) },
  { name: "a projected downward API source", pod: projected({ downwardAPI: { items: [field("metadata.labels")] } }) },
  { name: "an empty projected source (no type)", minor: 33, pod: projected({}) },
  { name: "an empty projected source (no type)", minor: 34, pod: projected({}), error: [`${V}.projected.sources[0]`, 'unknown source for projected volume "v"'] },
  { name: "two projected sources writing the same path", pod: projected({ downwardAPI: { items: [field("metadata.name", "x")] } }, { downwardAPI: { items: [field("metadata.uid", "x")] } }), error: [`${V}.projected`, "conflicting duplicate paths"] },
];

const image: RuleCase[] = [
  { name: "an image volume", pod: vol({ image: { reference: "registry.example/data:1.0", pullPolicy: "IfNotPresent" } }) },
  { name: "an image volume on an older kubelet (warning)", minor: 34, pod: vol({ image: { reference: "registry.example/data:1.0" } }), warning: [`${V}.image`, "ImageVolume feature gate"] },
  { name: "an image volume without a reference", pod: vol({ image: { pullPolicy: "Always" } }), error: [`${V}.image.reference`, "image.reference is required"] },
  { name: "an image volume with an unknown pullPolicy", pod: vol({ image: { reference: "r", pullPolicy: "Sometimes" } }), error: [`${V}.image.pullPolicy`, 'Unsupported value: "Sometimes"'] },
];

describe("rules: volume sources", () => runCases(sources));
describe("rules: downward API volumes", () => runCases(downwardApi));
describe("rules: image volumes", () => runCases(image));
