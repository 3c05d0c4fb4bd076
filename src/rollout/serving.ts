// Decisions that change which document nodes are served, as they take effect at an agreed time (replicas): what
// each decision changes, and what a node is served at a given time while some decisions are still pending. Pure.
import { servedDoc, type Doc, type RolloutState } from "./state.js";

/** Nodes whose served document a decision changes, each with the document it was served before. */
export type ServingChanges = Record<string, Doc>;

/** A stored decision that changes served documents, effective at `effectiveAt` (the store's clock, epoch ms). */
export interface PendingServing {
  /** The store version of the rollout state that made it. */
  version: number;
  effectiveAt: number;
  before: ServingChanges;
}

/** An interval sure to hold the store's now (epoch ms). */
export interface TimeBounds {
  lower: number;
  upper: number;
}

/**
 * The nodes among `names` whose served document differs between states `a` and `b` (undefined: no rollout), with
 * what `a` serves them. `fallbackA` / `fallbackB` give a node's document where a state does not hold it.
 */
export function servingChanges(
  names: Iterable<string>,
  a: RolloutState | undefined,
  fallbackA: (node: string) => Doc | undefined,
  b: RolloutState | undefined,
  fallbackB: (node: string) => Doc | undefined,
): ServingChanges {
  const changes: ServingChanges = {};
  for (const name of names) {
    const before = servedDoc(a, name, fallbackA(name));
    const after = servedDoc(b, name, fallbackB(name));
    if (before !== undefined && after !== undefined && before.etag !== after.etag) changes[name] = before;
  }
  return changes;
}

/**
 * What the nodes of decisions not yet effective at `at` are served instead of what the latest state says: the
 * document before the earliest such decision (effective times increase with versions).
 */
export function notYetEffective(pending: readonly PendingServing[], at: number): Map<string, Doc> {
  const docs = new Map<string, Doc>();
  for (const p of [...pending].sort((x, y) => x.version - y.version)) {
    if (p.effectiveAt <= at) continue;
    for (const [name, doc] of Object.entries(p.before)) if (!docs.has(name)) docs.set(name, doc);
  }
  return docs;
}

/** True when a decision changing `node` may or may not be effective at `now` (the interval straddles it). */
export function straddles(pending: readonly PendingServing[], node: string, now: TimeBounds): boolean {
  return pending.some(
    (p) => p.effectiveAt > now.lower && p.effectiveAt <= now.upper && Object.hasOwn(p.before, node),
  );
}

/** The earliest effective time after `at`, if any: when the served documents change next. */
export function nextEffective(pending: readonly PendingServing[], at: number): number | undefined {
  let next: number | undefined;
  for (const p of pending)
    if (p.effectiveAt > at && (next === undefined || p.effectiveAt < next)) next = p.effectiveAt;
  return next;
}
