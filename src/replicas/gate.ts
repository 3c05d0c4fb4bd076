// "May this replica serve a node document now?": pure, from what it read of the publications and the DB clock.
import type { DeniedRequest } from "../server/documents/node-lookup.js";
import type { ClockBounds } from "./db-clock.js";

/** The nodes whose document a revision changes, relative to the revision of publication `base`. */
export interface NodeChanges {
  base: number;
  nodes: ReadonlySet<string>;
}

/** A change every replica applies at the same DB time: a new revision to serve. */
export interface Publication {
  seq: number;
  revision: string;
  /** Epoch milliseconds, DB clock. */
  effectiveAt: number;
  /** The nodes it changes; null: unknown (any node may change); absent: not read (the reader has them). */
  changes?: NodeChanges | null;
}

/** A rollout decision that changes served documents, published by the state store when committed. */
export interface DecisionPublication {
  seq: number;
  /** The rollout state's version that holds it. */
  version: number;
  effectiveAt: number;
}

/** What the replica knows: the publications it read (any order) and until when that read is known complete. */
export interface GateView {
  publications: readonly Publication[];
  /** The DB time of the last successful read plus D: no change it missed can be effective before this. */
  freshUntil: number | undefined;
}

export type GateDecision =
  | { kind: "serve"; revision: string; seq: number }
  | {
      kind: "unavailable";
      /** `loading` is the replica's own: the agreed revision is not loaded here yet (decide never says it). */
      reason: "stale" | "switching" | "unpublished" | "loading";
      retryAfterMs: number;
    };

/**
 * The revision to serve at DB time `now` (an interval), or why not: `stale` when the last read of publications is
 * too old to be sure nothing newer is effective; `switching` when a publication may or may not be effective yet
 * (the interval straddles its effective time); `unpublished` when nothing is effective yet. Never an older
 * revision once a newer one may be effective, and never a newer one before it surely is.
 */
export function decide(view: GateView, now: ClockBounds | undefined): GateDecision {
  if (now === undefined || view.freshUntil === undefined || now.upper >= view.freshUntil)
    return { kind: "unavailable", reason: "stale", retryAfterMs: 1000 };
  let effective: Publication | undefined;
  for (const p of view.publications) {
    if (p.effectiveAt <= now.lower) {
      if (effective === undefined || p.seq > effective.seq) effective = p;
    } else if (p.effectiveAt <= now.upper)
      return { kind: "unavailable", reason: "switching", retryAfterMs: 1000 };
  }
  if (effective === undefined) return { kind: "unavailable", reason: "unpublished", retryAfterMs: 1000 };
  return { kind: "serve", revision: effective.revision, seq: effective.seq };
}

/**
 * Whether `node`'s document may differ between the revision of publication `servedSeq` (what this replica
 * serves) and the publications after it that may be effective at `now`: true unless each of them lists the
 * nodes it changes relative to the one before, and none lists `node`. Lets a replica keep serving the nodes a
 * revision does not change while it is unsure of (or still loading) that revision.
 */
export function mayChange(
  publications: readonly Publication[],
  servedSeq: number | undefined,
  node: string,
  now: ClockBounds,
): boolean {
  if (servedSeq === undefined) return true;
  const ahead = publications
    .filter((p) => p.seq > servedSeq && p.effectiveAt <= now.upper)
    .sort((a, b) => a.seq - b.seq);
  let base = servedSeq;
  for (const p of ahead) {
    if (p.changes == null || p.changes.base !== base || p.changes.nodes.has(node)) return true;
    base = p.seq;
  }
  return false;
}

/** Why a replica refuses, as its 503 says. */
const WHY = {
  stale: "this replica cannot reach the database to know which revision is current",
  switching: "a new revision is taking effect",
  unpublished: "no revision is published yet",
  loading: "the current revision is still loading on this replica",
  deciding: "a rollout decision on this node is taking effect",
};

/** The 503 a replica answers for `reason` (Retry-After: 1; another replica may answer meanwhile). */
export function refusal(reason: keyof typeof WHY): DeniedRequest {
  return {
    status: 503,
    code: "replica-not-current",
    message: `${WHY[reason]}; retry shortly (another replica may answer)`,
    headers: { "Retry-After": "1" },
  };
}
