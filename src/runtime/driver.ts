// The one interface every runtime (podman, static-dir, dry-run) implements, and the pod shapes it works on.
import { ManifestServerError } from "../lib/errors.js";
import type { JsonObject } from "./json.js";

/**
 * Label (podman) that agents older than instances put on every pod they made (and removed every pod with it that
 * they did not want). Current agents recognise it on legacy pods but no longer set it.
 */
export const OWNED_LABEL = "manifest-agent.io/owned";
/**
 * Label (podman) / annotation (static-dir) naming the agent instance that created the pod. A driver lists, replaces
 * and removes only its own instance's pods, plus pods without it (made by agents older than instances), which the
 * agent adopts or leaves alone (see adoptLegacy).
 */
export const INSTANCE_KEY = "manifest-agent.io/instance";
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
  /** The hash older agents recorded for the same served pod (served bytes hashed): a running pod carrying it is kept. */
  legacyHash?: string;
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
  /** True when this agent instance created it (or adopted it). Unowned pods are never removed or replaced. */
  owned: boolean;
  /** True when the pod carries no instance (an older agent made it, or it is unreadable): the agent decides. */
  legacy?: boolean;
  /** True when the pod exists but is not running (stopped or exited by hand, or a failed start). */
  stopped?: boolean;
}

/** A runtime the agent reconciles. Every method may throw; the agent retries on its next pass. */
export interface RuntimeDriver {
  /** Human name for logs: `podman`, `static-dir`, `dry-run`. */
  readonly name: string;
  /**
   * Every pod of this agent instance (`owned`), and every agent pod without an instance (`legacy`, listed as not
   * owned), read fresh from the runtime on each call. Other instances' pods are not listed.
   */
  list(): Promise<ActualPod[]>;
  /**
   * Creates the pod, or replaces the pod with the same full name when it is this instance's or has no instance
   * (the caller only replaces legacy pods it adopted). Throws PodConflictError rather than touch any other pod.
   */
  apply(pod: DesiredPod): Promise<void>;
  /** Removes this instance's (or a legacy) pod with this full name; a no-op when it is already gone. */
  remove(fullName: string): Promise<void>;
}

/** The runtime holds something under the wanted name that is not this agent instance's to replace. */
export class PodConflictError extends ManifestServerError {
  /** `what` names it as the runtime does (`podman pod web-n1`, a file path); `hint` says how to clear it. */
  constructor(what: string, why: string, hint: string) {
    super("pod-conflict", `${what} exists and ${why}; leaving it alone`, { hint });
  }
}

/** Why a pod of `owner` (its instance label or annotation) is not this instance's, or undefined when it is. */
export function foreignOwner(owner: string | undefined, instance: string): string | undefined {
  if (owner === undefined || owner === instance) return undefined;
  return `belongs to manifest-agent instance ${owner} (this is ${instance})`;
}

/** Splits `namespace/name`; a name without a slash is in `default`. */
export function splitFullName(fullName: string): { namespace: string; name: string } {
  const slash = fullName.indexOf("/");
  if (slash < 0) return { namespace: "default", name: fullName };
  return { namespace: fullName.slice(0, slash), name: fullName.slice(slash + 1) };
}
