// int64 fields: JavaScript numbers are exact only up to 2^53, so a larger integer would be served rounded (and a
// rounded 9223372036854775807 is beyond int64, which Go refuses).
import type { Issue } from "../lib/issues.js";
import { walkTyped } from "./pod-schema.js";
import { pathOf } from "./validate-walk.js";

/** The int64 fields of a v1 Pod by type (k8s.io/api/core/v1 types.go); every other integer field is int32. */
const INT64_FIELDS: Record<string, readonly string[]> = {
  ObjectMeta: ["deletionGracePeriodSeconds", "generation"],
  PodSpec: ["activeDeadlineSeconds", "terminationGracePeriodSeconds"],
  Probe: ["terminationGracePeriodSeconds"],
  PodSecurityContext: ["runAsUser", "runAsGroup", "fsGroup", "supplementalGroups"],
  SecurityContext: ["runAsUser", "runAsGroup"],
  ServiceAccountTokenProjection: ["expirationSeconds"],
  SleepAction: ["seconds"],
  Toleration: ["tolerationSeconds"],
};

function check(value: unknown, path: string, issues: Issue[]): void {
  if (Array.isArray(value)) value.forEach((v, i) => check(v, pathOf(path, i), issues));
  else if (typeof value === "number" && Number.isInteger(value) && !Number.isSafeInteger(value)) {
    issues.push({
      severity: "error",
      code: "int64-range",
      path,
      message: `${value} is too large to be represented exactly (beyond ±${Number.MAX_SAFE_INTEGER}); it would be served rounded, and near 2^63 beyond int64, which the kubelet refuses: use a smaller value`,
    });
  }
}

/** Errors for integers in int64 fields of `pod` that are not exact in JavaScript, with paths under `base`. */
export function int64Issues(pod: unknown, base: string): Issue[] {
  const issues: Issue[] = [];
  walkTyped(pod, "Pod", base, (obj, type, path) => {
    for (const field of INT64_FIELDS[type] ?? []) if (obj[field] !== undefined) check(obj[field], pathOf(path, field), issues);
  });
  return issues;
}
