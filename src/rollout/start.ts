// Starts a rollout towards a new revision: which nodes take part (their bytes change), in which wave, who is offline.
import { formatDuration } from "../lib/duration.js";
import { every, runAtOnce, type Sliced } from "../lib/slices.js";
import { EventLog, nodeList } from "./events.js";
import { Participants } from "./participants.js";
import { lastSeen, type ByNode, type Observations } from "./observations.js";
import type { ResolvedRollout } from "./policy.js";
import type { Doc, Participant, RolloutEvent, RolloutState } from "./state.js";

/** A node not heard of for this long (no fetch, no report) when a rollout starts is offline. */
export const DEFAULT_OFFLINE_AFTER_MS = 5 * 60_000;

export interface StartInput {
  id: string;
  now: number;
  rollout: ResolvedRollout;
  /** The revision the fleet comes from (for display) and the new one. */
  from: string;
  to: string;
  /** Every node of the new revision and its new document. */
  target: ReadonlyMap<string, Doc>;
  /** What each node is served right now (undefined for a node new in this revision). */
  served: ByNode<Doc>;
  obs: Observations;
  offlineAfterMs?: number | undefined;
  /**
   * Since when `obs` is complete (when this server started: while it was down, nodes could not reach it). Silence
   * counts only from then: a node (never seen, or last seen before the restart) is offline only once both its
   * last sighting and this are longer ago than `offlineAfterMs`. Default: observations are complete.
   */
  observingSince?: number | undefined;
  /** The rollout still running that this one supersedes. */
  superseding?: RolloutState | undefined;
}

/**
 * A new rollout in phase `progressing`, its first wave not yet released (stepRollout releases it), and its events.
 * Only nodes served other bytes than their new document take part; a node new in this revision has nothing to
 * protect and is not held. Undefined when no node takes part. Pure.
 */
export function startRollout(input: StartInput): Started {
  return runAtOnce(startInSlices(input));
}

export interface Started {
  state: RolloutState | undefined;
  events: RolloutEvent[];
}

/** startRollout as a computation that yields every few thousand nodes (for a server: runInSlices). */
export function* startInSlices(input: StartInput): Sliced<Started> {
  const { now, rollout } = input;
  const offlineAfter = input.offlineAfterMs ?? DEFAULT_OFFLINE_AFTER_MS;
  const nodes: Array<[string, Participant]> = [];
  const offline: string[] = [];
  const turn = every(2000);
  for (const name of [...input.target.keys()].sort()) {
    if (turn()) yield;
    const to = input.target.get(name);
    const from = input.served.get(name);
    const wave = rollout.waveOf.get(name);
    if (to === undefined || from === undefined || from.etag === to.etag || wave === undefined) continue;
    const seen = lastSeen(input.obs, name);
    const absent = now - Math.max(seen ?? -Infinity, input.observingSince ?? -Infinity) > offlineAfter;
    if (absent) offline.push(name);
    nodes.push([name, { wave, from, to, step: absent ? "offline" : "waiting" }]);
  }
  const count = nodes.length;
  if (count === 0) return { state: undefined, events: [] };
  const state: RolloutState = {
    id: input.id,
    from: input.from,
    to: input.to,
    phase: "progressing",
    wave: 0,
    startedAt: now,
    policy: rollout.policy,
    waves: rollout.policy.waves.map(() => ({})),
    nodes: Participants.of(nodes),
  };
  const log = new EventLog(input.id, now);
  const prior = input.superseding;
  const waves = rollout.policy.waves.map((w) => w.name).join(" → ");
  log.add(
    "planner",
    "started",
    `rollout ${input.id} of ${input.to} started: ${count} node${count === 1 ? "" : "s"} change, waves ${waves}` +
      (prior === undefined ? "" : `; it supersedes rollout ${prior.id} (${prior.to}, ${prior.phase})`),
  );
  if (offline.length > 0)
    log.add(
      "planner",
      "offline",
      `${nodeList(offline)} ${offline.length === 1 ? "was" : "were"} offline when the rollout started (not heard of for ${formatDuration(offlineAfter)} or never): ${offline.length === 1 ? "it does" : "they do"} not hold ${offline.length === 1 ? "its wave" : "their waves"} and get the new document when back`,
      { nodes: offline },
    );
  const events = log.events;
  if (prior !== undefined)
    events.unshift({
      rollout: prior.id,
      at: now,
      actor: "planner",
      kind: "superseded",
      message: `superseded by rollout ${input.id} of ${input.to}; its waves start again from the first`,
    });
  return { state, events };
}
