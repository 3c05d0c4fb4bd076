// Volume mounts and devices: references, paths, subPath/subPathExpr, mountPropagation, recursiveReadOnly by version.
import { describe } from "node:test";
import { container, pod, runCases, type Obj, type RuleCase } from "./cases.js";

const volumes = [
  { name: "data", hostPath: { path: "/srv/data" } },
  { name: "img", image: { reference: "registry.example/data:1.0" } },
];
const mounting = (mounts: Obj[], extra: Obj = {}) => pod({ volumes, containers: [container({ volumeMounts: mounts, ...extra })] });
const M = "spec.containers[0].volumeMounts";
const privileged = { securityContext: { privileged: true } };

const cases: RuleCase[] = [
  { name: "a mount with subPath", pod: mounting([{ name: "data", mountPath: "/data", subPath: "app/logs" }]) },
  { name: "a mount with subPathExpr", pod: mounting([{ name: "data", mountPath: "/data", subPathExpr: "$(POD_NAME)" }]) },
  { name: "an absolute subPath", pod: mounting([{ name: "data", mountPath: "/data", subPath: "/etc" }]), error: [`${M}[0].subPath`, "must be a relative path"] },
  { name: "a subPath with '..'", pod: mounting([{ name: "data", mountPath: "/data", subPath: "a/../../b" }]), error: [`${M}[0].subPath`, "must not contain '..'"] },
  { name: "a subPath starting with '..' but no '..' element", pod: mounting([{ name: "data", mountPath: "/data", subPath: "..data" }]) },
  { name: "subPath and subPathExpr together", pod: mounting([{ name: "data", mountPath: "/data", subPath: "a", subPathExpr: "b" }]), error: [`${M}[0].subPathExpr`, "mutually exclusive"] },
  { name: "subPath on an image volume", pod: mounting([{ name: "img", mountPath: "/img", subPath: "a" }]), error: [`${M}[0].subPath`, "not allowed in image volume sources"] },
  { name: "the same volume at two paths", pod: mounting([{ name: "data", mountPath: "/a" }, { name: "data", mountPath: "/b" }]) },
  { name: "two volumes at one path", pod: mounting([{ name: "data", mountPath: "/a" }, { name: "img", mountPath: "/a" }]), error: [`${M}[1].mountPath`, "must be unique"] },
  { name: "a mount of an unknown volume", pod: mounting([{ name: "nope", mountPath: "/a" }]), error: [`${M}[0].name`, 'volume "nope" is not defined'] },
  { name: "HostToContainer propagation", pod: mounting([{ name: "data", mountPath: "/a", mountPropagation: "HostToContainer" }]) },
  { name: "Bidirectional propagation in a privileged container", pod: mounting([{ name: "data", mountPath: "/a", mountPropagation: "Bidirectional" }], privileged) },
  { name: "Bidirectional propagation unprivileged", pod: mounting([{ name: "data", mountPath: "/a", mountPropagation: "Bidirectional" }]), error: [`${M}[0].mountPropagation`, "Bidirectional mount propagation is available only to privileged containers"] },
  { name: "an unknown propagation", pod: mounting([{ name: "data", mountPath: "/a", mountPropagation: "Shared" }]), error: [`${M}[0].mountPropagation`, 'Unsupported value: "Shared"'] },
  { name: "recursiveReadOnly Enabled on a read-only mount", pod: mounting([{ name: "data", mountPath: "/a", readOnly: true, recursiveReadOnly: "Enabled" }]) },
  { name: "recursiveReadOnly Disabled on a writable mount", pod: mounting([{ name: "data", mountPath: "/a", recursiveReadOnly: "Disabled" }]) },
  { name: "recursiveReadOnly IfPossible without readOnly", pod: mounting([{ name: "data", mountPath: "/a", recursiveReadOnly: "IfPossible" }]), error: [`${M}[0].recursiveReadOnly`, "may only be specified when readOnly is true"] },
  {
    name: "recursiveReadOnly with HostToContainer propagation",
    pod: mounting([{ name: "data", mountPath: "/a", readOnly: true, recursiveReadOnly: "Enabled", mountPropagation: "HostToContainer" }]),
    error: [`${M}[0].recursiveReadOnly`, "may only be specified when mountPropagation is None"],
  },
  { name: "an unknown recursiveReadOnly", pod: mounting([{ name: "data", mountPath: "/a", readOnly: true, recursiveReadOnly: "Always" }]), error: [`${M}[0].recursiveReadOnly`, 'Unsupported value: "Always"'] },
  { name: "recursiveReadOnly before it is on by default (warning)", minor: 30, pod: mounting([{ name: "data", mountPath: "/a", readOnly: true, recursiveReadOnly: "Enabled" }]), warning: [`${M}[0].recursiveReadOnly`, "on by default from v1.31"] },
  { name: "recursiveReadOnly on a kubelet that does not know it (warning)", minor: 29, pod: mounting([{ name: "data", mountPath: "/a", recursiveReadOnly: "Enabled" }]), warning: [`${M}[0].recursiveReadOnly`, "is new in kubelet 1.30"] },
  {
    name: "a volumeDevice on a hostPath volume",
    pod: pod({ volumes, containers: [container({ volumeDevices: [{ name: "data", devicePath: "/dev/xvda" }] })] }),
    error: ["spec.containers[0].volumeDevices[0].name", "can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode"],
  },
  { name: "mounts of an init container are checked too", pod: pod({ volumes, initContainers: [container({ name: "init", volumeMounts: [{ name: "nope", mountPath: "/a" }] })] }), error: ["spec.initContainers[0].volumeMounts[0].name", "is not defined"] },
];

describe("rules: volume mounts", () => runCases(cases));
