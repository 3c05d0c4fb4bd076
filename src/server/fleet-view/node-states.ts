// Each node's state (current, held, rolled back, behind, never fetched, agent error), computed from the fleet, the
// ledger, the agent reports and the nodes a rollout serves another document than the current revision's.
import type { CompiledFleet, CompiledNode } from "../../fleet/load-fleet.js";
import { reportHasErrors, type StoredReport } from "./agent-reports.js";
import type { FetchRecord } from "./fetch-ledger.js";
import { nodeEtag } from "../documents/etag.js";

/**
 * `current`: has the document it is served, the current revision's. `held`: a rollout keeps it on its previous
 * document (its wave has not switched it yet) and it has that document. `rolled-back`: the rollout was rolled back,
 * so it is served its previous document (put back, or never switched), and it has it. `behind`: it has not fetched
 * what it is served yet.
 */
export type NodeState = "current" | "held" | "rolled-back" | "behind" | "never-fetched" | "agent-error";
export const NODE_STATES: readonly NodeState[] = [
  "current",
  "held",
  "rolled-back",
  "behind",
  "never-fetched",
  "agent-error",
];

/**
 * A node a rollout serves another document than the current revision's: that document, and whether because the
 * rollout was rolled back (the node put back, or never switched before the rollback) rather than waiting for its wave.
 */
export interface Hold {
  revision: string;
  etag: string;
  rolledBack: boolean;
}

/** The hold of a node, or undefined when it is served the current revision. */
export type HoldOf = (node: string) => Hold | undefined;

export interface NodeStatus {
  node: CompiledNode;
  state: NodeState;
  /** One line saying why, e.g. `last fetched 3f2a9c1d0b7e at 2025-01-01T00:00:00.000Z`. */
  reason: string;
  fetch: FetchRecord | undefined;
  report: StoredReport | undefined;
}

export interface FleetStates {
  revision: string;
  nodes: NodeStatus[];
  counts: Record<NodeState, number>;
}

/** A revision short enough to show: 12 hex digits of a commit, or `sha256:` and 12 of a digest. */
export function shortRevision(revision: string): string {
  const digest = /^sha256:([0-9a-f]+)$/.exec(revision);
  if (digest !== null) return `sha256:${(digest[1] ?? "").slice(0, 12)}`;
  return /^[0-9a-f]{40,64}$/.test(revision) ? revision.slice(0, 12) : revision;
}

function firstProblem(report: StoredReport): string {
  const failed = report.pods.find((p) => p.state === "failed");
  if (report.errors[0] !== undefined) return report.errors[0];
  if (failed !== undefined)
    return `pod ${failed.name} failed${failed.reason === undefined ? "" : `: ${failed.reason}`}`;
  return "unknown error";
}

/** What `hold` says of a node that has its held document. */
function heldReason(hold: Hold): string {
  return hold.rolledBack
    ? `the rollout was rolled back: it is served its previous document (revision ${shortRevision(hold.revision)})`
    : `held by the rollout on revision ${shortRevision(hold.revision)} until its wave switches it`;
}

/**
 * The state of one node. The document it is served is the current revision's, or `hold`'s when a rollout holds it
 * on another. A node has it when its last fetch (or its agent's last report) got that document, byte for byte (the
 * same ETag) or at the same revision: then it is `current`, or `held` / `rolled-back` with a hold. `agent-error`
 * wins when the agent's last report has errors or failed pods; `never-fetched` when neither a fetch nor a report is
 * known; else `behind`.
 */
export function nodeStatus(
  fleet: CompiledFleet,
  node: CompiledNode,
  fetch: FetchRecord | undefined,
  report: StoredReport | undefined,
  hold?: Hold,
): NodeStatus {
  const base = { node, fetch, report };
  if (report !== undefined && reportHasErrors(report))
    return { ...base, state: "agent-error", reason: `agent: ${firstProblem(report)}` };
  const served = hold ?? { etag: nodeEtag(node), revision: fleet.revision };
  const fetchedServed =
    fetch !== undefined && (fetch.etag === served.etag || fetch.revision === served.revision);
  const appliedServed =
    report !== undefined && (report.etag === served.etag || report.revision === served.revision);
  if (fetchedServed || appliedServed) {
    const how =
      fetch !== undefined && fetchedServed
        ? `fetched at ${new Date(fetch.at).toISOString()} by ${fetch.client}`
        : `agent applied it (reported ${new Date(report?.receivedAt ?? 0).toISOString()})`;
    if (hold === undefined) return { ...base, state: "current", reason: `has the served document; ${how}` };
    return {
      ...base,
      state: hold.rolledBack ? "rolled-back" : "held",
      reason: `${heldReason(hold)}; ${how}`,
    };
  }
  const servedNote =
    hold === undefined ? "" : `; it is served revision ${shortRevision(hold.revision)} (${heldReason(hold)})`;
  if (fetch !== undefined)
    return {
      ...base,
      state: "behind",
      reason: `last fetched revision ${shortRevision(fetch.revision)} at ${new Date(fetch.at).toISOString()} (${fetch.client}, ${fetch.status}); not polled since${servedNote}`,
    };
  if (report !== undefined)
    return {
      ...base,
      state: "behind",
      reason: `agent applied revision ${report.revision === null ? "(none yet)" : shortRevision(report.revision)}${servedNote}`,
    };
  return { ...base, state: "never-fetched", reason: "no fetch recorded" };
}

/** Every node of `fleet` with its state, in the fleet's order, and the count per state. */
export function fleetStates(
  fleet: CompiledFleet,
  fetchOf: (node: string) => FetchRecord | undefined,
  reportOf: (node: string) => StoredReport | undefined,
  holdOf: HoldOf = () => undefined,
): FleetStates {
  const counts: Record<NodeState, number> = {
    current: 0,
    held: 0,
    "rolled-back": 0,
    behind: 0,
    "never-fetched": 0,
    "agent-error": 0,
  };
  const nodes: NodeStatus[] = [];
  for (const node of fleet.nodes.values()) {
    const r = nodeStatus(fleet, node, fetchOf(node.name), reportOf(node.name), holdOf(node.name));
    counts[r.state]++;
    nodes.push(r);
  }
  return { revision: fleet.revision, nodes, counts };
}
