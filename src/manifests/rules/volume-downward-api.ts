// Downward API selectors: the fieldPaths allowed in a volume and in env, resourceFieldRef resources and divisors.
import { IssueSink, arrayAt, isRecord, pathOf, recordAt, stringAt } from "../validate-walk.js";
import { checkFileMode, checkQualifiedName, quoted, relativePathProblem } from "./common.js";

/** fieldPaths a downwardAPI volume file may use (spec.nodeName, status.* are env-only). */
export const VOLUME_FIELD_PATHS = ["metadata.name", "metadata.namespace", "metadata.labels", "metadata.annotations", "metadata.uid"];
/** fieldPaths an env var's valueFrom.fieldRef may use. */
export const ENV_FIELD_PATHS = [
  "metadata.name",
  "metadata.namespace",
  "metadata.uid",
  "spec.nodeName",
  "spec.serviceAccountName",
  "status.hostIP",
  "status.hostIPs",
  "status.podIP",
  "status.podIPs",
];
const RESOURCES = ["limits.cpu", "limits.memory", "limits.ephemeral-storage", "requests.cpu", "requests.memory", "requests.ephemeral-storage"];
const HUGEPAGES_PREFIXES = ["requests.hugepages-", "limits.hugepages-"];
const CPU_DIVISORS = ["1m", "1"];
const BYTE_DIVISORS = ["1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei"];
/** `metadata.labels['key']` / `metadata.annotations['key']`. */
const SUBSCRIPTED = /^(metadata\.[a-z]+)\['(.*)'\]$/;

/** Checks an ObjectFieldSelector against the fieldPaths allowed where it is used. */
export function checkFieldRef(ref: Record<string, unknown>, at: string, allowed: readonly string[], sink: IssueSink): void {
  const fieldPath = stringAt(ref, "fieldPath") ?? "";
  if (fieldPath === "") {
    sink.error(pathOf(at, "fieldPath"), "required", "Required value: fieldPath is required (e.g. metadata.name)");
    return;
  }
  const apiVersion = stringAt(ref, "apiVersion");
  if (apiVersion !== undefined && apiVersion !== "" && apiVersion !== "v1") {
    sink.error(pathOf(at, "fieldPath"), "invalid-field-ref", `error converting fieldPath: unsupported apiVersion "${apiVersion}": use v1`);
    return;
  }
  const subscripted = SUBSCRIPTED.exec(fieldPath);
  if (subscripted !== null) {
    const [, base = "", key = ""] = subscripted;
    if (base === "metadata.labels") checkQualifiedName(key, at, "label key", sink, "invalid-field-ref");
    else if (base === "metadata.annotations") checkQualifiedName(key.toLowerCase(), at, "annotation key", sink, "invalid-field-ref");
    else sink.error(pathOf(at, "fieldPath"), "invalid-field-ref", `error converting fieldPath: field label does not support subscript: ${fieldPath}`);
    return;
  }
  if (!allowed.includes(fieldPath)) {
    const envOnly = ENV_FIELD_PATHS.includes(fieldPath) && !VOLUME_FIELD_PATHS.includes(fieldPath);
    const hint = envOnly && allowed === VOLUME_FIELD_PATHS ? ` ("${fieldPath}" is only available to env vars, not to a downwardAPI volume)` : "";
    sink.error(pathOf(at, "fieldPath"), "unsupported-value", `Unsupported value: "${fieldPath}": supported values: ${quoted(allowed)}${hint}`);
  }
}

function divisorProblem(resource: string, divisor: unknown): string | undefined {
  if (divisor === undefined || divisor === null || divisor === "0" || divisor === 0) return undefined;
  if (typeof divisor !== "string" && typeof divisor !== "number") return undefined;
  const text = String(divisor);
  if (resource.endsWith(".cpu")) return CPU_DIVISORS.includes(text) ? undefined : "only divisor's values 1m and 1 are supported with the cpu resource";
  const kind = resource.endsWith(".memory") ? "memory" : resource.endsWith(".ephemeral-storage") ? "local ephemeral storage" : "hugepages";
  if (BYTE_DIVISORS.includes(text)) return undefined;
  return `only divisor's values ${BYTE_DIVISORS.join(", ")} are supported with the ${kind} resource`;
}

/** Checks a ResourceFieldSelector (env: containerName optional; volume: required). */
export function checkResourceFieldRef(ref: Record<string, unknown>, at: string, inVolume: boolean, sink: IssueSink): void {
  const resource = stringAt(ref, "resource") ?? "";
  if (inVolume && (stringAt(ref, "containerName") ?? "") === "") {
    sink.error(pathOf(at, "containerName"), "required", "Required value: containerName is required in a downwardAPI volume");
  } else if (resource === "") {
    sink.error(pathOf(at, "resource"), "required", "Required value: resource is required (e.g. limits.memory)");
  } else if (!RESOURCES.includes(resource) && !HUGEPAGES_PREFIXES.some((p) => resource.startsWith(p))) {
    sink.error(pathOf(at, "resource"), "unsupported-value", `Unsupported value: "${resource}": supported values: ${quoted(RESOURCES)}`);
  }
  const problem = divisorProblem(resource, ref["divisor"]);
  if (problem !== undefined) sink.error(pathOf(at, "divisor"), "invalid-field-ref", `"${resource}": ${problem}`);
}

/** Checks the items of a downwardAPI volume or projection: path, exactly one of fieldRef/resourceFieldRef, mode. */
export function checkDownwardApiItems(source: unknown, at: string, sink: IssueSink): void {
  arrayAt(source, "items").forEach((item) => {
    if (!isRecord(item)) return;
    const p = stringAt(item, "path") ?? "";
    if (p === "") sink.error(pathOf(at, "path"), "required", "Required value: each downward API item needs a path");
    else {
      const problem = relativePathProblem(p);
      if (problem !== undefined) sink.error(pathOf(at, "path"), "invalid-path", `"${p}": ${problem}`);
    }
    const fieldRef = recordAt(item, "fieldRef");
    const resourceRef = recordAt(item, "resourceFieldRef");
    if (fieldRef !== undefined) {
      checkFieldRef(fieldRef, pathOf(at, "fieldRef"), VOLUME_FIELD_PATHS, sink);
      if (resourceRef !== undefined) sink.error(at, "invalid-volume", "fieldRef and resourceFieldRef can not be specified simultaneously");
    } else if (resourceRef !== undefined) checkResourceFieldRef(resourceRef, pathOf(at, "resourceFieldRef"), true, sink);
    else sink.error(at, "required", "Required value: one of fieldRef and resourceFieldRef is required");
    checkFileMode(item, "mode", at, sink);
  });
}
