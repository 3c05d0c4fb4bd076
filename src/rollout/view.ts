// The rollout as GET /api/rollout shows it: `{ id, from, to, state, waves, events }`, and each node's part in it.
import { describeWave } from "./policy.js";
import {
  servesNew,
  type NodeStep,
  type RolloutEvent,
  type RolloutPhase,
  type RolloutState,
} from "./state.js";

/** `stopped`: released, not done, and the rollout failed or was rolled back there. */
export type WaveStatus = "pending" | "progressing" | "soaking" | "done" | "skipped" | "stopped";

export interface WaveView {
  name: string;
  status: WaveStatus;
  /** How it moves: `1 at a time, soak 10m`. */
  limits: string;
  /** Nodes of the wave taking part, by step. */
  nodes: number;
  counts: Record<NodeStep, number>;
  releasedAt?: string | undefined;
  doneAt?: string | undefined;
}

export interface EventView extends Omit<RolloutEvent, "at"> {
  at: string;
}

export interface RolloutView {
  id: string;
  from: string;
  to: string;
  state: RolloutPhase;
  reason?: string | undefined;
  startedAt: string;
  waves: WaveView[];
  events: EventView[];
}

/** A node's part in the rollout: its wave, its step and why, and the revision it is served. */
export interface NodeRolloutView {
  wave: string;
  step: NodeStep;
  reason?: string | undefined;
  revision: string;
}

const iso = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();

function emptyCounts(): Record<NodeStep, number> {
  return { waiting: 0, switched: 0, healthy: 0, failed: 0, offline: 0, "rolled-back": 0 };
}

function waveStatus(state: RolloutState, index: number, members: number): WaveStatus {
  const progress = state.waves[index];
  if (members === 0 && progress?.doneAt !== undefined) return "skipped";
  if (progress?.doneAt !== undefined) return "done";
  if (progress?.releasedAt === undefined) return "pending";
  if (state.phase === "rolled-back" || state.phase === "failed") return "stopped";
  return progress.healthySince !== undefined ? "soaking" : "progressing";
}

/** The view of `state` with its `events` (oldest first). Pure. */
export function rolloutView(state: RolloutState, events: readonly RolloutEvent[]): RolloutView {
  const counts = state.policy.waves.map(() => emptyCounts());
  for (const p of state.nodes.values()) {
    const c = counts[p.wave];
    if (c !== undefined) c[p.step]++;
  }
  return {
    id: state.id,
    from: state.from,
    to: state.to,
    state: state.phase,
    ...(state.reason === undefined ? {} : { reason: state.reason }),
    startedAt: new Date(state.startedAt).toISOString(),
    waves: state.policy.waves.map((wave, i) => {
      const c = counts[i] ?? emptyCounts();
      const nodes = Object.values(c).reduce((a, b) => a + b, 0);
      return {
        name: wave.name,
        status: waveStatus(state, i, nodes),
        limits: describeWave(wave),
        nodes,
        counts: c,
        releasedAt: iso(state.waves[i]?.releasedAt),
        doneAt: iso(state.waves[i]?.doneAt),
      };
    }),
    events: events.map((e) => ({ ...e, at: new Date(e.at).toISOString() })),
  };
}

/** `node`'s part in the rollout, or undefined when its document does not change in it. */
export function nodeRolloutView(state: RolloutState, node: string): NodeRolloutView | undefined {
  const p = state.nodes.get(node);
  if (p === undefined) return undefined;
  return {
    wave: state.policy.waves[p.wave]?.name ?? "",
    step: p.step,
    ...(p.reason === undefined ? {} : { reason: p.reason }),
    revision: (servesNew(p) ? p.to : p.from).revision,
  };
}
