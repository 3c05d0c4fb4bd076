// Is a switched node healthy on its new document? Fetched it; its agent (if any) applied it with every pod running;
// its probe (if any) answered 2xx. If not, the first unmet condition as one line a person understands.
import { formatDuration } from "../lib/duration.js";
import type { Observations, ReportSeen } from "./observations.js";
import type { Doc } from "./state.js";

/**
 * Healthy, or why not: `reason` does not change while the cause lasts (a rollout stores it at every step);
 * `lasting` says since when, for describeHealth.
 */
export type Health =
  | { healthy: true }
  | { healthy: false; reason: string; lasting?: { since: number; form: "for" | "last fetch" } };

const HEALTHY: Health = { healthy: true };

/** `kube-system/kube-proxy-edge-7` on edge-7 → `kube-proxy`: the name as written in the manifests. */
function podName(name: string, node: string): string {
  const bare = name.includes("/") ? name.slice(name.indexOf("/") + 1) : name;
  return bare.endsWith(`-${node}`) ? bare.slice(0, -node.length - 1) : bare;
}

function agentProblem(report: ReportSeen, node: string): string | undefined {
  const failed = report.pods.find((p) => p.state === "failed");
  if (failed !== undefined)
    return `agent reports ${podName(failed.name, node)} ${failed.reason ?? "failed"}`.trimEnd();
  if (report.errors[0] !== undefined) return `agent reports: ${report.errors[0]}`;
  const pending = report.pods.find((p) => p.state !== "running");
  if (pending !== undefined)
    return `agent reports ${podName(pending.name, node)} ${pending.reason ?? "not running yet"}`;
  return undefined;
}

function same(seen: { revision: string | null; etag: string | null }, doc: Doc): boolean {
  return seen.revision === doc.revision || seen.etag === doc.etag;
}

/**
 * The health of `node`, switched to `doc` at `switchedAt`, judged from what was seen since then. A node runs
 * manifest-agent when any report of it is known; `probe` says whether the policy has a probe. Pure; the result
 * does not depend on the time (describeHealth adds how long).
 */
export function nodeHealth(
  node: string,
  doc: Doc,
  switchedAt: number,
  obs: Observations,
  probe: boolean,
): Health {
  const fetch = obs.fetches.get(node);
  const report = obs.reports.get(node);
  const reportNew = report !== undefined && report.at >= switchedAt && same(report, doc);
  const fetched = (fetch !== undefined && fetch.at >= switchedAt && same(fetch, doc)) || reportNew;
  if (!fetched)
    return {
      healthy: false,
      reason: "never fetched the new document",
      ...(fetch === undefined ? {} : { lasting: { since: fetch.at, form: "last fetch" as const } }),
    };
  if (report !== undefined) {
    if (!reportNew)
      return {
        healthy: false,
        reason: `agent has not reported the new document applied (its last report is of ${report.revision ?? "no document"})`,
      };
    const problem = agentProblem(report, node);
    if (problem !== undefined) return { healthy: false, reason: problem };
  }
  if (!probe) return HEALTHY;
  const answer = obs.probes.get(node);
  if (answer === undefined || answer.at < switchedAt)
    return {
      healthy: false,
      reason:
        answer === undefined ? "probe not answered yet" : `probe ${answer.url} not answered since the switch`,
    };
  if (answer.status !== undefined && answer.status >= 200 && answer.status <= 299) return HEALTHY;
  return {
    healthy: false,
    reason:
      answer.status !== undefined
        ? `probe ${answer.url} answered ${answer.status}`
        : `probe ${answer.url} failed (${answer.error ?? "no answer"})`,
    lasting: { since: Math.max(answer.since, switchedAt), form: "for" },
  };
}

/** Why a node is not healthy at `now`, in full: `probe … answered 503 for 10m`. */
export function describeHealth(health: Health, now: number): string {
  if (health.healthy) return "healthy";
  const l = health.lasting;
  if (l === undefined) return health.reason;
  const d = formatDuration(now - l.since);
  return l.form === "for" ? `${health.reason} for ${d}` : `${health.reason} (last fetch ${d} ago)`;
}
