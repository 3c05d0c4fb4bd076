// Field-type checks against the Kubernetes OpenAPI schema shipped (precompiled) in kubernetes-models.
import { Pod } from "kubernetes-models/v1/Pod";
import type { Issue } from "../lib/issues.js";
import { typeAtPath } from "./pod-schema.js";
import { isRecord, pathOf } from "./validate-walk.js";

interface SchemaError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/**
 * Fields the OpenAPI schema marks required that the kubelet's Go validation accepts empty: reporting them would
 * refuse pods the kubelet runs (`type.field`). SleepAction.seconds is judged by the lifecycle rules per version.
 */
const OPTIONAL_IN_GO = new Set([
  "Sysctl.value",
  "HTTPHeader.value",
  "SleepAction.seconds",
  // An empty node preference is valid; a missing pod term is judged (topologyKey) by the affinity rule.
  "PreferredSchedulingTerm.preference",
  "WeightedPodAffinityTerm.podAffinityTerm",
  // ISCSIVolumeSource.lun defaults to 0; the kubelet does not require a ScaleIO secretRef.
  "ISCSIVolumeSource.lun",
  "ScaleIOVolumeSource.secretRef",
]);

const YAML_HINT =
  "YAML 1.1 reads unquoted yes/no/on/off/y/n as booleans and 0644 as an octal number: quote the value";

function toSchemaError(value: unknown): SchemaError | undefined {
  if (!isRecord(value)) return undefined;
  const { instancePath, keyword, params, message } = value;
  if (typeof instancePath !== "string" || typeof keyword !== "string") return undefined;
  return {
    instancePath,
    keyword,
    params: isRecord(params) ? params : {},
    ...(typeof message === "string" ? { message } : {}),
  };
}

function runSchema(pod: unknown): SchemaError[] {
  try {
    Pod.prototype.validate.call(pod);
    return [];
  } catch (error: unknown) {
    const raw = isRecord(error) ? error["errors"] : undefined;
    if (!Array.isArray(raw)) return [];
    return raw.map(toSchemaError).filter((e): e is SchemaError => e !== undefined);
  }
}

function segmentsOf(instancePath: string): string[] {
  if (instancePath === "") return [];
  return instancePath
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function valueAt(root: unknown, segments: readonly string[]): unknown {
  let current = root;
  for (const segment of segments) {
    if (Array.isArray(current)) current = current[Number(segment)];
    else if (isRecord(current)) current = current[segment];
    else return undefined;
  }
  return current;
}

/** `/spec/containers/0/env/1/value` → `spec.containers[0].env[1].value`, under `basePath`. */
export function kubernetesPath(instancePath: string, basePath = "", root?: unknown): string {
  const segments = segmentsOf(instancePath);
  const keys: (string | number)[] = [];
  let current = root;
  for (const segment of segments) {
    const isIndex = Array.isArray(current) || (root === undefined && /^\d+$/.test(segment));
    keys.push(isIndex ? Number(segment) : segment);
    current = Array.isArray(current) ? current[Number(segment)] : isRecord(current) ? current[segment] : undefined;
  }
  return pathOf(basePath, ...keys);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "number" && !Number.isFinite(value)) return `the non-finite number ${value}`;
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `${typeof value} ${JSON.stringify(value)}`;
}

const ARTICLE: Record<string, string> = {
  string: "a string",
  integer: "an integer",
  number: "a number",
  boolean: "a boolean",
  object: "an object",
  array: "an array",
};

function typeMessage(expected: readonly string[], value: unknown): string {
  const wanted = [...new Set(expected)].map((t) => ARTICLE[t] ?? t).join(" or ");
  let message = `must be ${wanted}, got ${describe(value)}`;
  const wantsString = expected.includes("string");
  if (wantsString && (typeof value === "boolean" || typeof value === "number")) message += `. ${YAML_HINT}`;
  else if (!wantsString && typeof value === "string" && expected.some((t) => t === "integer" || t === "number")) {
    message += ": remove the quotes around the number";
  }
  return message;
}

/**
 * Type problems in `pod` according to the Kubernetes schema, as error issues with Kubernetes paths under `basePath`.
 * Missing-field and enum problems come apart (`fallback`) so the caller can prefer its own checks on the same path.
 * `apiVersion`/`kind` and quantity-grammar problems are left to the caller; missing fields under `status` are
 * ignored (the kubelet does not validate status). Never throws.
 */
export function schemaIssues(pod: unknown, basePath = ""): { types: Issue[]; fallback: Issue[] } {
  const types: Issue[] = [];
  const fallback: Issue[] = [];
  const groups = new Map<string, SchemaError[]>();
  for (const error of runSchema(pod)) {
    if (error.instancePath === "/apiVersion" || error.instancePath === "/kind") continue;
    if (error.keyword === "required") {
      if (error.instancePath.startsWith("/status")) continue;
      const missing = error.params["missingProperty"];
      if (typeof missing !== "string" || missing === "apiVersion" || missing === "kind") continue;
      if (OPTIONAL_IN_GO.has(`${typeAtPath(pod, segmentsOf(error.instancePath)) ?? ""}.${missing}`)) continue;
      fallback.push({
        severity: "error",
        code: "required",
        message: `required field "${missing}" is missing`,
        path: pathOf(kubernetesPath(error.instancePath, basePath, pod), missing),
      });
      continue;
    }
    const group = groups.get(error.instancePath) ?? [];
    group.push(error);
    groups.set(error.instancePath, group);
  }
  for (const [instancePath, group] of groups) {
    const value = valueAt(pod, segmentsOf(instancePath));
    if (group.some((e) => e.keyword === "format" && e.params["format"] === "quantity") && typeof value === "string") {
      continue;
    }
    if (instancePath === "" && !isRecord(pod)) continue;
    const enumError = group.find((e) => e.keyword === "enum");
    if (enumError !== undefined && typeof value === "string") {
      if (value === "") continue; // Go decodes "" as unset, and defaulting fills it in.
      const allowed = enumError.params["allowedValues"];
      const list = Array.isArray(allowed) ? allowed.map((a) => JSON.stringify(a)).join(", ") : "the allowed values";
      fallback.push({
        severity: "error",
        code: "unsupported-value",
        message: `unsupported value ${JSON.stringify(value)}: must be one of ${list}`,
        path: kubernetesPath(instancePath, basePath, pod),
      });
      continue;
    }
    const expected = group.flatMap((e) => (e.keyword === "type" && typeof e.params["type"] === "string" ? [e.params["type"]] : []));
    let message: string;
    if (expected.length > 0) {
      const typeMatched = expected.some((t) => matchesType(t, value));
      if (typeMatched) message = formatMessage(group, value);
      else message = typeMessage(expected, value);
    } else {
      message = formatMessage(group, value);
    }
    types.push({ severity: "error", code: "schema", message, path: kubernetesPath(instancePath, basePath, pod) });
  }
  return { types, fallback };
}

function matchesType(type: string, value: unknown): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "number":
      return typeof value === "number";
    case "boolean":
      return typeof value === "boolean";
    case "array":
      return Array.isArray(value);
    case "object":
      return isRecord(value);
    default:
      return false;
  }
}

function formatMessage(group: readonly SchemaError[], value: unknown): string {
  const format = group.find((e) => e.keyword === "format");
  const name = format?.params["format"];
  if (name === "int32") return `must be a 32-bit integer, got ${describe(value)}`;
  if (name === "int64") return `must be a 64-bit integer, got ${describe(value)}`;
  if (typeof name === "string") return `must be in ${name} format, got ${describe(value)}`;
  const first = group.find((e) => e.keyword !== "oneOf" && e.keyword !== "anyOf") ?? group[0];
  return `${first?.message ?? "is invalid"} (got ${describe(value)})`;
}
