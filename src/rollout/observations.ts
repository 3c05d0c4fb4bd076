// What the planner learns about nodes: their last fetch, their agent's last report, their last probe answer.

/** A lookup by node name; a Map is one. */
export interface ByNode<T> {
  get(node: string): T | undefined;
}

/** A node's last fetch of its document, from the fetch ledger. */
export interface FetchSeen {
  at: number;
  etag: string;
  /** X-Manifest-Revision of the document it got. */
  revision: string;
}

/** A manifest-agent's last report: what it applied and how each pod runs. */
export interface ReportSeen {
  at: number;
  revision: string | null;
  etag: string | null;
  /** `namespace/name` as run (`kube-system/kube-proxy-edge-7`), its state and why. */
  pods: ReadonlyArray<{ name: string; state: "running" | "pending" | "failed"; reason?: string | undefined }>;
  errors: readonly string[];
}

/** The last answer of a node's health probe. */
export interface ProbeSeen {
  at: number;
  url: string;
  /** The HTTP status, when it answered. */
  status?: number | undefined;
  /** Why it did not answer (refused, timed out …). */
  error?: string | undefined;
  /** Since when the probe has given this same outcome (2xx, the same status, or no answer). */
  since: number;
}

export interface Observations {
  fetches: ByNode<FetchSeen>;
  reports: ByNode<ReportSeen>;
  probes: ByNode<ProbeSeen>;
}

/** No observation at all. */
export const NOTHING_SEEN: Observations = { fetches: new Map(), reports: new Map(), probes: new Map() };

/** When the node was last heard of (a fetch or a report), or undefined. */
export function lastSeen(obs: Observations, node: string): number | undefined {
  const times = [obs.fetches.get(node)?.at, obs.reports.get(node)?.at].filter((t) => t !== undefined);
  return times.length === 0 ? undefined : Math.max(...times);
}
