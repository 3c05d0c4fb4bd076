// Each node's state (current, behind, never fetched, agent error), computed from the fleet, the ledger and reports.
import type { CompiledFleet, CompiledNode } from "../../fleet/load-fleet.js";
import { reportHasErrors, type StoredReport } from "./agent-reports.js";
import type { FetchRecord } from "./fetch-ledger.js";
import { nodeEtag } from "../documents/etag.js";

export type NodeState = "current" | "behind" | "never-fetched" | "agent-error";
export const NODE_STATES: readonly NodeState[] = ["current", "behind", "never-fetched", "agent-error"];

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

/**
 * The state of one node. A node is `current` when its last fetch (or its agent's last report) got the document of
 * the served revision, byte for byte (the same ETag) or at the same revision; `agent-error` wins when the agent's
 * last report has errors or failed pods; `never-fetched` when neither a fetch nor a report is known.
 */
export function nodeStatus(
  fleet: CompiledFleet,
  node: CompiledNode,
  fetch: FetchRecord | undefined,
  report: StoredReport | undefined,
): NodeStatus {
  const base = { node, fetch, report };
  if (report !== undefined && reportHasErrors(report))
    return { ...base, state: "agent-error", reason: `agent: ${firstProblem(report)}` };
  const fetchedCurrent =
    fetch !== undefined && (fetch.etag === nodeEtag(node) || fetch.revision === fleet.revision);
  const appliedCurrent =
    report !== undefined && (report.etag === nodeEtag(node) || report.revision === fleet.revision);
  if (fetchedCurrent || appliedCurrent) {
    const how =
      fetch !== undefined && fetchedCurrent
        ? `fetched at ${new Date(fetch.at).toISOString()} by ${fetch.client}`
        : `agent applied it (reported ${new Date(report?.receivedAt ?? 0).toISOString()})`;
    return { ...base, state: "current", reason: `has the served document; ${how}` };
  }
  if (fetch !== undefined)
    return {
      ...base,
      state: "behind",
      reason: `last fetched revision ${shortRevision(fetch.revision)} at ${new Date(fetch.at).toISOString()} (${fetch.client}, ${fetch.status}); not polled since`,
    };
  if (report !== undefined)
    return {
      ...base,
      state: "behind",
      reason: `agent applied revision ${report.revision === null ? "(none yet)" : shortRevision(report.revision)}`,
    };
  return { ...base, state: "never-fetched", reason: "no fetch recorded by this server since it started" };
}

/** Every node of `fleet` with its state, in the fleet's order, and the count per state. */
export function fleetStates(
  fleet: CompiledFleet,
  fetchOf: (node: string) => FetchRecord | undefined,
  reportOf: (node: string) => StoredReport | undefined,
): FleetStates {
  const counts: Record<NodeState, number> = { current: 0, behind: 0, "never-fetched": 0, "agent-error": 0 };
  const nodes: NodeStatus[] = [];
  for (const node of fleet.nodes.values()) {
    const r = nodeStatus(fleet, node, fetchOf(node.name), reportOf(node.name));
    counts[r.state]++;
    nodes.push(r);
  }
  return { revision: fleet.revision, nodes, counts };
}
