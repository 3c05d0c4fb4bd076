// The rollout policy of a revision (`rollout:` in fleet.yaml) as plain data, and how its amounts resolve.
import { formatDuration } from "../lib/duration.js";

/** A count of nodes, or a percentage of a wave's taking-part nodes. */
export type Amount = { count: number } | { percent: number };

export interface WavePolicy {
  name: string;
  /** How long the wave stays healthy before the next one starts. */
  soakMs: number;
  /** Nodes of the wave switched at a time; undefined = all at once. */
  maxNodes: Amount | undefined;
}

export interface HealthPolicy {
  /** The probe URL template (`{{ node.vars.ip }}` …); undefined = no probe. */
  probe: string | undefined;
  /** A switched node not healthy by then (or unhealthy this long after being healthy) has failed. */
  deadlineMs: number;
  /** Failed nodes a wave tolerates. */
  maxFailures: Amount;
}

export type OnFailure = "rollback" | "pause";

/** A validated policy. Serializable: a running rollout keeps a copy, so a restart resumes with the same rules. */
export interface RolloutPolicy {
  waves: WavePolicy[];
  health: HealthPolicy;
  onFailure: OnFailure;
}

/** The policy with each node's wave resolved (the first wave that selects it) and each node's probe URL. */
export interface ResolvedRollout {
  policy: RolloutPolicy;
  /** Node name → index into `policy.waves`. Every node of the fleet has one. */
  waveOf: Map<string, number>;
  /** Node name → its probe URL, when the policy has a probe. */
  probeOf: Map<string, string>;
}

export const DEFAULT_DEADLINE_MS = 10 * 60_000;

/**
 * Nodes switched at a time out of `total` taking part: a count as is, a percentage rounded up; at least 1
 * (a wave always moves) and at most `total`. Undefined (no maxNodes) = all of them.
 */
export function maxInFlight(amount: Amount | undefined, total: number): number {
  if (total <= 0) return 0;
  if (amount === undefined) return total;
  const n = "count" in amount ? amount.count : Math.ceil((total * amount.percent) / 100);
  return Math.min(total, Math.max(1, n));
}

/** Failed nodes tolerated out of `total` taking part: a count as is, a percentage rounded down. */
export function failuresTolerated(amount: Amount, total: number): number {
  return "count" in amount ? amount.count : Math.floor((total * amount.percent) / 100);
}

/** `3` or `25%`, as written in fleet.yaml. */
export function formatAmount(amount: Amount): string {
  return "count" in amount ? String(amount.count) : `${amount.percent}%`;
}

/** How a wave moves, for people: `all at once`, `1 at a time, soak 10m`. */
export function describeWave(wave: WavePolicy): string {
  return [
    wave.maxNodes === undefined ? "all at once" : `${formatAmount(wave.maxNodes)} at a time`,
    ...(wave.soakMs > 0 ? [`soak ${formatDuration(wave.soakMs)}`] : []),
  ].join(", ");
}
