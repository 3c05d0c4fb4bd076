// The agent's report after each pass: POST {node URL}/report with what it applied, each pod's state and its errors.
import { ManifestServerError } from "../lib/errors.js";
import type { FetchLike } from "./poll.js";

/** A pod as the agent sees it after a pass: `running` (the runtime has it as served), `pending`, or `failed`. */
export interface ReportedPod {
  /** `namespace/name` as run, e.g. `kube-system/etcd-cp-1`. */
  name: string;
  state: "running" | "pending" | "failed";
  reason?: string;
}

/** The JSON body the server accepts at `POST /nodes/{node}/report`. */
export interface AgentReportBody {
  revision: string | null;
  etag: string | null;
  converged: boolean;
  pods: ReportedPod[];
  errors: string[];
}

const MAX_PODS = 1000;
const MAX_ERRORS = 50;
const MAX_TEXT = 2000;

/** Where the reports of the node document at `nodeUrl` go: the same URL without query, plus `/report`. */
export function reportUrlFor(nodeUrl: string): string {
  const url = new URL(nodeUrl);
  url.search = "";
  url.hash = "";
  url.pathname = url.pathname.replace(/\/+$/, "") + "/report";
  return url.toString();
}

/** The body cut to the server's limits (pods, errors and text lengths), so a report is never refused for size. */
export function boundReport(body: AgentReportBody): AgentReportBody {
  const cut = (s: string): string => (s.length > MAX_TEXT ? s.slice(0, MAX_TEXT - 1) + "…" : s);
  return {
    revision: body.revision === null ? null : body.revision.slice(0, 200),
    etag: body.etag === null ? null : body.etag.slice(0, 200),
    converged: body.converged,
    pods: body.pods.slice(0, MAX_PODS).map((p) => ({
      name: p.name.slice(0, 320),
      state: p.state,
      ...(p.reason === undefined ? {} : { reason: cut(p.reason) }),
    })),
    errors: body.errors.slice(0, MAX_ERRORS).map(cut),
  };
}

export interface ReportRequest {
  url: string;
  /** The same headers as the polls (credentials included). */
  headers: readonly (readonly [string, string])[];
  userAgent: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * POSTs one report. Resolves on a 2xx answer; throws ManifestServerError `report-failed` for anything else
 * (network error, timeout after `timeoutMs`, default 5 s, or another status).
 */
export async function postReport(
  request: ReportRequest,
  body: AgentReportBody,
  fetchFn: FetchLike = fetch,
): Promise<void> {
  const headers = new Headers();
  for (const [key, value] of request.headers) headers.append(key, value);
  if (!headers.has("User-Agent")) headers.set("User-Agent", request.userAgent);
  headers.set("Content-Type", "application/json");
  const timeout = AbortSignal.timeout(request.timeoutMs ?? 5000);
  const signal = request.signal === undefined ? timeout : AbortSignal.any([timeout, request.signal]);
  let response: Response;
  try {
    response = await fetchFn(request.url, {
      method: "POST",
      headers,
      body: JSON.stringify(boundReport(body)),
      signal,
      redirect: "error",
    });
  } catch (cause) {
    const reason =
      cause instanceof Error && cause.cause instanceof Error ? cause.cause.message : String(cause);
    throw new ManifestServerError("report-failed", `POST ${request.url} failed: ${reason}`, { cause });
  }
  const text = await response.text().catch(() => "");
  if (response.status < 200 || response.status > 299)
    throw new ManifestServerError(
      "report-failed",
      `POST ${request.url}: ${response.status} ${text.slice(0, 300)}`.trimEnd(),
    );
}
