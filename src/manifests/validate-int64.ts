// int64 fields: JavaScript numbers are exact only up to 2^53, so a larger integer would be served rounded (and a
// rounded 9223372036854775807 is beyond int64, which Go refuses).
import { IssueSink, pathOf } from "./validate-walk.js";

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

function check(value: unknown, at: () => string, sink: IssueSink): void {
  if (Array.isArray(value)) value.forEach((v, i) => check(v, () => pathOf(at(), i), sink));
  else if (typeof value === "number" && Number.isInteger(value) && !Number.isSafeInteger(value)) {
    const served = JSON.stringify(value);
    const fix = `use a value within ±${Number.MAX_SAFE_INTEGER}`;
    sink.error(
      at(),
      "int64-range",
      Math.abs(value) >= 2 ** 63
        ? `${served} is beyond int64: the kubelet refuses the whole response ("json: cannot unmarshal number ${served} into Go struct field … of type int64"); ${fix}`
        : `too large to be represented exactly: it would be served rounded, as ${served}, not as written; ${fix}`,
    );
  }
}

/** Errors for integers in the int64 fields of `obj` (of schema type `type`, at `at()`) that are not exact in JavaScript. */
export function checkInt64At(obj: Record<string, unknown>, type: string, at: () => string, sink: IssueSink): void {
  const fields = INT64_FIELDS[type];
  if (fields === undefined) return;
  for (const field of fields) if (obj[field] !== undefined) check(obj[field], () => pathOf(at(), field), sink);
}
