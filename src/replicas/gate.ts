// "May this replica serve a node document now?": pure, from what it read of the publications and the DB clock.
import type { ClockBounds } from "./db-clock.js";

/** A change every replica applies at the same DB time: a new revision to serve. */
export interface Publication {
  seq: number;
  revision: string;
  /** Epoch milliseconds, DB clock. */
  effectiveAt: number;
}

/** What the replica knows: the publications it read (any order) and until when that read is known complete. */
export interface GateView {
  publications: readonly Publication[];
  /** The DB time of the last successful read plus D: no change it missed can be effective before this. */
  freshUntil: number | undefined;
}

export type GateDecision =
  | { kind: "serve"; revision: string }
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
  return { kind: "serve", revision: effective.revision };
}
