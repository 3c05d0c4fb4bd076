// The v1 Pod's shape by type name, from the generated schema table plus newer fields, per kubelet minor.
import { POD_FIELDS } from "./pod-fields.generated.js";
import { isRecord } from "./validate-walk.js";

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
/** What the schema says of `type.field`: its child type and `since`, the first kubelet minor that knows it. */
export function fieldOf(type: string, field: string): { child: string; since: number } | undefined {
  const newer = NEWER_FIELDS[type]?.[field];
  if (newer !== undefined) return { child: newer[0], since: newer[1] };
  const child = POD_FIELDS[type]?.[field];
  if (child === undefined) return undefined;
  return { child, since: SINCE[`${type}.${field}`] ?? 0 };
}

/** Resolves the child type of `type.field` ("" scalar, "*T" map of T), or undefined for an unknown field. */
export type ChildType = (type: string, field: string) => string | undefined;

/** The bundled schema's resolver (every field it has, whatever the version). */
export const schemaChild: ChildType = (type, field) => POD_FIELDS[type]?.[field];

const tables = new Map<number, ChildType>();

/** The resolver for the fields kubelet `minor` knows (its table is built once per minor). */
export function knownChild(minor: number): ChildType {
  const cached = tables.get(minor);
  if (cached !== undefined) return cached;
  const table = new Map<string, Map<string, string>>();
  for (const type of new Set([...Object.keys(POD_FIELDS), ...Object.keys(NEWER_FIELDS)])) {
    const fields = new Map<string, string>();
    for (const [field, child] of Object.entries(POD_FIELDS[type] ?? {}))
      if ((SINCE[`${type}.${field}`] ?? 0) <= minor) fields.set(field, child);
    for (const [field, [child, since]] of Object.entries(NEWER_FIELDS[type] ?? {}))
      if (since <= minor) fields.set(field, child);
    table.set(type, fields);
  }
  const resolve: ChildType = (type, field) => table.get(type)?.get(field);
  tables.set(minor, resolve);
  return resolve;
}

/** Keys from the pod to the current object (indexes for list items, keys for map entries). */
export type Segments = readonly (string | number)[];

/**
 * Visits every object of `root` (a pod) whose type `childOf` knows, with its type and the keys leading to it
 * (build a path with `pathOf(base, ...segments)` only when needed; the array is reused). Lists and maps are
 * walked through; `status` is not.
 */
export function walkTyped(
  root: unknown,
  visit: (obj: Record<string, unknown>, type: string, segments: Segments) => void,
  childOf: ChildType = schemaChild,
): void {
  const segments: (string | number)[] = [];
  const walk = (value: unknown, type: string): void => {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        segments.push(i);
        walk(value[i], type);
        segments.pop();
      }
    } else if (!isRecord(value)) return;
    else if (type.startsWith("*")) {
      const inner = type.slice(1);
      for (const key of Object.keys(value)) {
        segments.push(key);
        walk(value[key], inner);
        segments.pop();
      }
    } else {
      visit(value, type, segments);
      for (const key of Object.keys(value)) {
        const child = childOf(type, key);
        if (child === undefined || child === "" || (type === "Pod" && key === "status")) continue;
        segments.push(key);
        walk(value[key], child);
        segments.pop();
      }
    }
  };
  walk(root, "Pod");
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
  const childOf = knownChild(minor);
  const strip = (value: unknown, type: string): unknown => {
    if (Array.isArray(value)) return value.map((item) => strip(item, type));
    if (!isRecord(value) || type === "") return value;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const item = value[key];
      if (item === null || item === undefined) continue;
      const child = type.startsWith("*") ? type.slice(1) : childOf(type, key);
      if (child !== undefined) out[key] = strip(item, child);
    }
    return out;
  };
  return strip(pod, "Pod");
}
