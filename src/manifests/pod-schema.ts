// The v1 Pod's shape by type name, from the generated schema table: which type each field holds.
import { POD_FIELDS } from "./pod-fields.generated.js";
import { isRecord, pathOf } from "./validate-walk.js";

/** Fields newer than the bundled schema (type → field → child type), and the first kubelet minor knowing them. */
export const NEWER_FIELDS: Record<string, Record<string, [string, number]>> = {
  PodSpec: { hostnameOverride: ["", 34], workloadRef: ["WorkloadReference", 35] },
  Container: { restartPolicyRules: ["ContainerRestartRule", 34] },
  EnvVarSource: { fileKeyRef: ["FileKeySelector", 34] },
  VolumeProjection: { podCertificate: ["PodCertificateProjection", 34] },
  WorkloadReference: { name: ["", 35], podGroup: ["", 35], podGroupReplicaKey: ["", 35] },
  ContainerRestartRule: { action: ["", 34], exitCodes: ["ContainerRestartRuleOnExitCodes", 34] },
  ContainerRestartRuleOnExitCodes: { operator: ["", 34], values: ["", 34] },
  FileKeySelector: { volumeName: ["", 34], path: ["", 34], key: ["", 34], optional: ["", 34] },
  PodCertificateProjection: {
    signerName: ["", 34],
    keyType: ["", 34],
    maxExpirationSeconds: ["", 34],
    credentialBundlePath: ["", 34],
    keyPath: ["", 34],
    certificateChainPath: ["", 34],
    userAnnotations: ["", 35],
  },
};

/** Schema fields that appeared after the oldest modelled kubelet: type.field → first kubelet minor knowing it. */
const SINCE: Record<string, number> = {
  "PodSpec.resources": 32,
  "PodSecurityContext.seLinuxChangePolicy": 32,
  "Lifecycle.stopSignal": 33,
  "Volume.image": 31,
  "PodSecurityContext.supplementalGroupsPolicy": 31,
  "PodSecurityContext.appArmorProfile": 30,
  "SecurityContext.appArmorProfile": 30,
  "VolumeMount.recursiveReadOnly": 30,
};

/** The child type of `type.field` for kubelet `minor`, or undefined when that kubelet does not know the field. */
export function fieldOf(type: string, field: string, minor: number): { child: string; since: number } | undefined {
  const newer = NEWER_FIELDS[type]?.[field];
  if (newer !== undefined) return minor >= newer[1] ? { child: newer[0], since: newer[1] } : { child: "", since: newer[1] };
  const child = POD_FIELDS[type]?.[field];
  if (child === undefined) return undefined;
  return { child, since: SINCE[`${type}.${field}`] ?? 0 };
}

/** Resolves the child type of `type.field` ("" scalar, "*T" map of T), or undefined for an unknown field. */
export type ChildType = (type: string, field: string) => string | undefined;

/** The bundled schema's resolver. */
export const schemaChild: ChildType = (type, field) => POD_FIELDS[type]?.[field];

/** Visits every object of `value` whose type is known, with its type and path; lists and maps are walked through. */
export function walkTyped(
  value: unknown,
  type: string,
  path: string,
  visit: (obj: Record<string, unknown>, type: string, path: string) => void,
  childOf: ChildType = schemaChild,
): void {
  if (type === "") return;
  if (Array.isArray(value)) value.forEach((item, i) => walkTyped(item, type, pathOf(path, i), visit, childOf));
  else if (type.startsWith("*")) {
    if (isRecord(value))
      for (const key of Object.keys(value)) walkTyped(value[key], type.slice(1), pathOf(path, key), visit, childOf);
  } else if (isRecord(value)) {
    visit(value, type, path);
    for (const key of Object.keys(value)) {
      const child = childOf(type, key);
      if (child !== undefined && !(type === "Pod" && key === "status")) walkTyped(value[key], child, pathOf(path, key), visit, childOf);
    }
  }
}

/** The schema type of the value at `segments` (JSON-pointer segments from the pod), or undefined when unknown. */
export function typeAtPath(root: unknown, segments: readonly string[]): string | undefined {
  let type = "Pod";
  let current = root;
  for (const segment of segments) {
    if (Array.isArray(current)) current = current[Number(segment)];
    else if (type.startsWith("*")) {
      type = type.slice(1);
      current = isRecord(current) ? current[segment] : undefined;
    } else {
      const child = schemaChild(type, segment);
      if (child === undefined || child === "") return undefined;
      type = child;
      current = isRecord(current) ? current[segment] : undefined;
    }
  }
  return type.startsWith("*") ? undefined : type;
}

/** A copy of `pod` without the fields kubelet `minor` does not know (its decoder drops them) and without nulls. */
export function withoutUnknownFields(pod: unknown, minor: number): unknown {
  const strip = (value: unknown, type: string): unknown => {
    if (Array.isArray(value)) return value.map((item) => strip(item, type));
    if (!isRecord(value)) return value;
    if (type === "") return value;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const item = value[key];
      if (item === null || item === undefined) continue;
      if (type.startsWith("*")) out[key] = strip(item, type.slice(1));
      else {
        const field = fieldOf(type, key, minor);
        if (field !== undefined && field.since <= minor) out[key] = strip(item, field.child);
      }
    }
    return out;
  };
  return strip(pod, "Pod");
}
