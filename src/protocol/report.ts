// The agent's report after each pass (POST /nodes/{node}/report): its shape and limits, shared by both sides.

/** Largest report body the server accepts. */
export const MAX_REPORT_BYTES = 256 * 1024;
/** At most this many pods, and this many errors, per report. */
export const MAX_REPORT_PODS = 1000;
export const MAX_REPORT_ERRORS = 50;
/** Longest error or reason text. */
export const MAX_REPORT_TEXT = 2000;
/** Longest pod name (`namespace/name`). */
export const MAX_REPORT_POD_NAME = 320;
/** Longest revision or ETag. */
export const MAX_REPORT_REF = 200;

export type PodState = "running" | "failed" | "pending";
export const POD_STATES: readonly PodState[] = ["running", "failed", "pending"];

/** One pod as the agent sees it: `running` (the runtime has it as served), `pending` (not applied yet), `failed`. */
export interface PodReport {
  /** `namespace/name` as the agent runs it, e.g. `kube-system/etcd-cp-1`. */
  name: string;
  state: PodState;
  reason?: string;
}

/** The body of `POST /nodes/{node}/report`. */
export interface AgentReport {
  /** X-Manifest-Revision of the document the agent applied; null before it got one. */
  revision: string | null;
  /** ETag of the document the agent applied; null before it got one. */
  etag: string | null;
  /** True when the runtime matched the document and nothing failed. */
  converged: boolean;
  pods: PodReport[];
  /** The agent's own errors during the pass (failed polls, runtime errors). */
  errors: string[];
}
