// The v1 defaults the kubelet's decoder applies to a pod before validating it (pkg/apis/core/v1/defaults.go).
import { isRecord } from "../validate-walk.js";
import { defaultContainer } from "./container-defaults.js";
import { child, children, list, setNil, setZero, trimQuantities, type Obj } from "./set-default.js";
import { defaultVolume } from "./volume-defaults.js";

/** The termination grace period the kubelet fills in, in seconds. */
export const DEFAULT_TERMINATION_GRACE_SECONDS = 30;

/** A field the defaults copied from another one: problems found at `to` are the user's at `from`. */
export interface DefaultCopy {
  from: (string | number)[];
  to: (string | number)[];
}

/** SetDefaults_PodSpec: dnsPolicy, restartPolicy, securityContext, terminationGracePeriodSeconds, schedulerName. */
function defaultPodSpec(spec: Obj, copies: DefaultCopy[]): void {
  setZero(spec, "dnsPolicy", "ClusterFirst");
  setZero(spec, "restartPolicy", "Always");
  setNil(spec, "securityContext", {});
  setNil(spec, "terminationGracePeriodSeconds", DEFAULT_TERMINATION_GRACE_SECONDS);
  setZero(spec, "schedulerName", "default-scheduler");
  // SetDefaults_Pod: enableServiceLinks (a pointer) defaults to true.
  setNil(spec, "enableServiceLinks", true);
  trimQuantities(child(spec, "overhead"));
  trimQuantities(child(child(spec, "resources"), "limits"));
  trimQuantities(child(child(spec, "resources"), "requests"));
  const hostNetwork = spec["hostNetwork"] === true;
  for (const kind of ["initContainers", "containers", "ephemeralContainers"]) {
    list(spec, kind).forEach((container, i) => {
      if (!isRecord(container)) return;
      for (const name of defaultContainer(container, hostNetwork && kind !== "ephemeralContainers")) {
        const at = ["spec", kind, i, "resources"];
        copies.push({ from: [...at, "limits", name], to: [...at, "requests", name] });
      }
    });
  }
  for (const volume of children(spec, "volumes")) defaultVolume(volume);
}

/**
 * The pod after the kubelet's v1 defaulting, as a new object (the input is never changed). Defaults only fill in
 * fields, so every path of the input stays valid in the output. Values of the wrong type are left as they are
 * (the schema check reports them); a non-object returns unchanged. Pure, never throws.
 *
 * Quantity strings are trimmed, as Go's Quantity decoder does. Not modelled: rounding quantities up to milli-units, and the pod-level resource defaults of PodLevelResources.
 */
export function applyPodDefaults<T>(pod: T): T {
  return applyPodDefaultsTraced(pod).pod;
}

/** applyPodDefaults, also telling which fields were copied from others (requests from limits). */
export function applyPodDefaultsTraced<T>(pod: T): { pod: T; copies: DefaultCopy[] } {
  const copies: DefaultCopy[] = [];
  if (!isRecord(pod)) return { pod, copies };
  const copy: Obj = { ...pod };
  const spec = child(copy, "spec");
  if (spec !== undefined) defaultPodSpec(spec, copies);
  return { pod: copy as T, copies };
}
