// The one interface every runtime (podman, static-dir, dry-run) implements, and the pod shapes it works on.
import type { JsonObject } from "./json.js";

/** Label (podman) marking a pod as created by manifest-agent; pods without it are never touched. */
export const OWNED_LABEL = "manifest-agent.io/owned";
/** Label/annotation holding the agent's content hash of the pod (see `DesiredPod.hash`). */
export const HASH_KEY = "manifest-agent.io/hash";
/** Label holding the pod's Kubernetes namespace (podman pods have none of their own). */
export const NAMESPACE_LABEL = "manifest-agent.io/namespace";
/** Label holding the grace period used when the pod is stopped (podman does not map it from the spec). */
export const GRACE_LABEL = "manifest-agent.io/grace-period";

/** A pod the agent wants running: the kubelet-defaulted pod plus what the drivers need to place it. */
export interface DesiredPod {
  /** `namespace/name` after defaults, e.g. `kube-system/etcd-cp-1`: the key of every diff. */
  fullName: string;
  namespace: string;
  /** The final name, `<name>-<lowercased node>`. */
  name: string;
  /**
   * Content hash of the served pod and the URL (32 hex digits). Equal to the UID unless the manifest pins
   * `metadata.uid`; unlike a pinned UID it changes with every content change, so the diff compares it.
   */
  hash: string;
  /** True when the pod should be running all the time (restartPolicy Always), so a stopped pod is drift. */
  keepRunning: boolean;
  /** The pod with the kubelet's defaults applied (name, namespace, nodeName, uid, config annotations). */
  pod: JsonObject;
  /** The pod as served (status removed), for runtimes such as a kubelet that apply the defaults themselves. */
  manifest: JsonObject;
}

/** A pod the runtime has. */
export interface ActualPod {
  fullName: string;
  /** The hash recorded when the agent created it; "" when unreadable (which forces a replace). */
  hash: string;
  /** True when the agent created it (ownership label or file prefix). Unowned pods are never planned. */
  owned: boolean;
  /** True when the pod exists but is not running (stopped or exited by hand, or a failed start). */
  stopped?: boolean;
}

/** A runtime the agent reconciles. Every method may throw; the agent retries on its next pass. */
export interface RuntimeDriver {
  /** Human name for logs: `podman`, `static-dir`, `dry-run`. */
  readonly name: string;
  /** Every pod the runtime has that the agent owns, read fresh from the runtime on each call. */
  list(): Promise<ActualPod[]>;
  /** Creates the pod, or replaces the owned pod with the same full name. Refuses to overwrite unowned pods. */
  apply(pod: DesiredPod): Promise<void>;
  /** Removes the owned pod with this full name; a no-op when it is already gone. */
  remove(fullName: string): Promise<void>;
}

/** Splits `namespace/name`; a name without a slash is in `default`. */
export function splitFullName(fullName: string): { namespace: string; name: string } {
  const slash = fullName.indexOf("/");
  if (slash < 0) return { namespace: "default", name: fullName };
  return { namespace: fullName.slice(0, slash), name: fullName.slice(slash + 1) };
}
