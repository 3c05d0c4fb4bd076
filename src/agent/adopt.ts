// Which legacy pods (made by an agent older than instances, so without an instance) this agent takes over. Pure.
import type { ActualKey } from "./diff.js";

/** A pod the agent has wanted: its full name and content hash (the hash includes the URL). */
export interface Claim {
  fullName: string;
  hash: string;
  /** The same content's hash under the older scheme (served bytes hashed), which older agents recorded. */
  legacyHash?: string | undefined;
}

/**
 * Resolves every `legacy` pod of `actual` into owned or not: a legacy pod is adopted (owned, so kept when its hash
 * is current, replaced or removed like any own pod) when one of `claims` has its full name and hash: the pod was
 * made for this URL and node (the name ends with the node, the hash, under either scheme, covers the URL) from the desired pods or the
 * checkpoint an older agent left. A legacy pod with no readable hash (a damaged file) is adopted when a claim has
 * its full name. Every other legacy pod is left not owned: never removed, and reported as blocking if wanted.
 * Pods that are not legacy are returned as they are.
 */
export function adoptLegacy<A extends ActualKey & { legacy?: boolean }>(
  actual: readonly A[],
  claims: Iterable<Claim>,
): A[] {
  const exact = new Set<string>();
  const names = new Set<string>();
  for (const claim of claims) {
    exact.add(`${claim.fullName}\n${claim.hash}`);
    if (claim.legacyHash !== undefined) exact.add(`${claim.fullName}\n${claim.legacyHash}`);
    names.add(claim.fullName);
  }
  return actual.map((pod) => {
    if (pod.legacy !== true) return pod;
    const adopted = pod.hash === "" ? names.has(pod.fullName) : exact.has(`${pod.fullName}\n${pod.hash}`);
    return { ...pod, owned: adopted };
  });
}
