// Go's zero values: a non-pointer field written as false, 0 or "" decodes exactly as one left out.
import { walkTyped } from "../pod-schema.js";

/**
 * Non-pointer fields of the v1 types (k8s.io/api/core/v1 types.go) where the zero value is the same as the field
 * left out once decoded. Pointer fields (`privileged`, `runAsNonRoot`, `runtimeClassName`, …) are not here: for
 * them `false` and absent differ.
 */
const ZERO_IS_UNSET: Record<string, readonly string[]> = {
  ObjectMeta: ["namespace", "generateName"],
  PodSpec: ["hostNetwork", "hostPID", "hostIPC", "nodeName", "hostname", "subdomain", "serviceAccountName", "priorityClassName"],
  Container: ["stdin", "stdinOnce", "tty", "workingDir"],
  ContainerPort: ["hostPort", "hostIP", "name"],
  EnvVar: ["value"],
  VolumeMount: ["readOnly", "subPath", "subPathExpr"],
  Probe: ["initialDelaySeconds"],
};

/** Removes, in place, every listed field of `pod` holding its Go zero value (false, 0 or ""). */
export function dropGoZeroValues(pod: unknown): void {
  walkTyped(pod, (obj, type) => {
    for (const field of ZERO_IS_UNSET[type] ?? []) {
      const value = obj[field];
      if (value === false || value === 0 || value === "") delete obj[field];
    }
  });
}
