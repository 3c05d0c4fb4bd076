// A rollout's state as plain, serializable data: what the planner decides from and the store keeps.
import type { RolloutDraft } from "./book.js";
import type { Participants } from "./participants.js";
import type { RolloutPolicy } from "./policy.js";

/** One node document: the revision it belongs to and its ETag (a hash of its bytes). */
export interface Doc {
  revision: string;
  etag: string;
}

export type RolloutPhase = "progressing" | "paused" | "failed" | "succeeded" | "rolled-back";
export const ROLLOUT_PHASES: readonly RolloutPhase[] = [
  "progressing",
  "paused",
  "failed",
  "succeeded",
  "rolled-back",
];

/** Where a node taking part stands. `offline`: absent when the rollout started, so it does not hold its wave. */
export type NodeStep = "waiting" | "switched" | "healthy" | "failed" | "offline" | "rolled-back";

/** A node whose document changes in this rollout. */
export interface Participant {
  wave: number;
  /** What it was served when the rollout started (what a rollback gives back), and what it moves to. */
  from: Doc;
  to: Doc;
  step: NodeStep;
  /** When it was switched to `to` (undefined while waiting). */
  switchedAt?: number | undefined;
  /** While switched and not healthy: since when (switch time, or the time it stopped being healthy). */
  unhealthySince?: number | undefined;
  /** Why it is not healthy yet, or why it failed: one line a person understands. */
  reason?: string | undefined;
}

export interface WaveProgress {
  /** When the wave was released (its first nodes switched); undefined before. */
  releasedAt?: number | undefined;
  /** Since when every node of the wave is healthy (the soak clock); undefined while not. */
  healthySince?: number | undefined;
  /** When it finished (healthy for its soak, or promoted). */
  doneAt?: number | undefined;
}

export interface RolloutState {
  /** Unique and increasing: `1`, `2`, … */
  id: string;
  /** The revision most nodes come from (informational: each participant has its own `from`). */
  from: string;
  to: string;
  phase: RolloutPhase;
  /** Index of the wave in progress; `policy.waves.length` once every wave is done. */
  wave: number;
  startedAt: number;
  /** Why it is paused, failed or finished, when it is. */
  reason?: string | undefined;
  policy: RolloutPolicy;
  waves: WaveProgress[];
  /** Only the nodes whose document changes, by name (stored as a plain object). */
  nodes: Participants;
}

export type Actor = "planner" | `operator:${string}`;

export interface RolloutEvent {
  rollout: string;
  at: number;
  actor: Actor;
  kind:
    | "started"
    | "superseded"
    | "offline"
    | "wave-released"
    | "wave-skipped"
    | "wave-healthy"
    | "wave-done"
    | "switched"
    | "node-healthy"
    | "node-failed"
    | "node-back"
    | "paused"
    | "resumed"
    | "promoted"
    | "aborted"
    | "failed"
    | "rolled-back"
    | "succeeded";
  message: string;
  wave?: string | undefined;
  nodes?: string[] | undefined;
}

export function isFinished(state: Pick<RolloutState, "phase">): boolean {
  return state.phase === "succeeded" || state.phase === "rolled-back";
}

/** True when `p` is served its new document. */
export function servesNew(p: Participant): boolean {
  return (
    p.step === "switched" ||
    p.step === "healthy" ||
    p.step === "failed" ||
    (p.step === "offline" && p.switchedAt !== undefined)
  );
}

/**
 * The document `node` is served under `state`: a participant's new document once switched, else its old one; a node
 * that does not take part is served `target` (its bytes are the same either way). No state: `target`.
 */
export function servedDoc(
  state: RolloutState | undefined,
  node: string,
  target: Doc | undefined,
): Doc | undefined {
  const p = state?.nodes.get(node);
  if (p === undefined) return target;
  return servesNew(p) ? p.to : p.from;
}

/** Replaces (in `draft`, mutated) every participant that `match` accepts by `change(it)`; returns their names. */
export function updateNodes(
  draft: RolloutDraft,
  match: (p: Participant) => boolean,
  change: (p: Participant) => Participant,
): string[] {
  const names: string[] = [];
  for (const [name, p] of draft.nodes)
    if (match(p)) {
      draft.nodes.set(name, change(p));
      names.push(name);
    }
  return names;
}
