// The pure reconcile plan: desired pods against what the runtime has, keyed by full name, compared by hash.

/** What the diff needs of a desired pod (DesiredPod satisfies it). */
export interface DesiredKey {
  fullName: string;
  hash: string;
  /** An older scheme's hash of the same content: a pod recorded with it counts as current (no restart on upgrade). */
  legacyHash?: string;
  keepRunning: boolean;
}

/** What the diff needs of a runtime pod (ActualPod satisfies it). */
export interface ActualKey {
  fullName: string;
  hash: string;
  owned: boolean;
  stopped?: boolean;
}

export interface Plan<D extends DesiredKey, A extends ActualKey> {
  /** Wanted and absent. */
  add: D[];
  /** Wanted and present but different (another hash), or stopped while it should run. */
  replace: { desired: D; actual: A; reason: "changed" | "stopped" }[];
  /** Owned, present and no longer wanted (or an owned extra copy of a full name). */
  remove: A[];
  /** Full names already as wanted. */
  unchanged: string[];
  /** Wanted, but a pod the agent does not own holds the full name: neither it nor an owned namesake is touched. */
  blocked: D[];
}

/**
 * Plans the changes that turn the owned part of `actual` into `desired`. Pure. Pods with `owned: false` are
 * never removed or replaced; a desired pod whose full name one of them holds is `blocked` instead of added.
 * `desired` must not repeat a full name (decodeResponse guarantees it); for repeats the first wins.
 */
export function planReconcile<D extends DesiredKey, A extends ActualKey>(
  desired: readonly D[],
  actual: readonly A[],
): Plan<D, A> {
  const plan: Plan<D, A> = { add: [], replace: [], remove: [], unchanged: [], blocked: [] };
  const owned = new Map<string, A>();
  const unowned = new Set<string>();
  for (const pod of actual) {
    if (!pod.owned) {
      unowned.add(pod.fullName);
    } else if (owned.has(pod.fullName)) {
      plan.remove.push(pod);
    } else {
      owned.set(pod.fullName, pod);
    }
  }
  const wanted = new Set<string>();
  for (const pod of desired) {
    if (wanted.has(pod.fullName)) continue;
    wanted.add(pod.fullName);
    const current = owned.get(pod.fullName);
    if (unowned.has(pod.fullName)) {
      plan.blocked.push(pod);
    } else if (current === undefined) {
      plan.add.push(pod);
    } else if (
      current.hash !== pod.hash &&
      (pod.legacyHash === undefined || current.hash !== pod.legacyHash)
    ) {
      plan.replace.push({ desired: pod, actual: current, reason: "changed" });
    } else if (current.stopped === true && pod.keepRunning) {
      plan.replace.push({ desired: pod, actual: current, reason: "stopped" });
    } else {
      plan.unchanged.push(pod.fullName);
    }
  }
  for (const [fullName, pod] of owned) if (!wanted.has(fullName)) plan.remove.push(pod);
  return plan;
}

/** True when the plan changes nothing (blocked pods aside). */
export function isNoop(plan: Plan<DesiredKey, ActualKey>): boolean {
  return plan.add.length === 0 && plan.replace.length === 0 && plan.remove.length === 0;
}

/** One line per change, e.g. `+ add default/web-n1`, `~ replace ... (changed)`, `- remove ...`, `! blocked ...`. */
export function describePlan(plan: Plan<DesiredKey, ActualKey>): string[] {
  return [
    ...plan.remove.map((p) => `- remove ${p.fullName}`),
    ...plan.add.map((p) => `+ add ${p.fullName} (hash ${p.hash})`),
    ...plan.replace.map(
      (r) =>
        `~ replace ${r.desired.fullName} (${r.reason}, hash ${r.actual.hash || "?"} -> ${r.desired.hash})`,
    ),
    ...plan.blocked.map(
      (p) => `! blocked ${p.fullName}: a pod with this name exists that manifest-agent does not own`,
    ),
  ];
}
