// The agent's report after each pass: POST {node URL}/report with what it applied, each pod's state and its errors.
import { ManifestServerError, messageOf } from "../lib/errors.js";
import {
  MAX_REPORT_ERRORS,
  MAX_REPORT_POD_NAME,
  MAX_REPORT_PODS,
  MAX_REPORT_REF,
  MAX_REPORT_TEXT,
  type AgentReport,
  type PodReport,
} from "../protocol/report.js";
import { nodeHttpClient, type HttpClient, type HttpResponse } from "./http-client.js";

/** A pod as the agent sees it after a pass (the protocol's PodReport). */
export type ReportedPod = PodReport;
/** The JSON body the server accepts at `POST /nodes/{node}/report` (the protocol's AgentReport). */
export type AgentReportBody = AgentReport;

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
  const cut = (s: string): string => (s.length > MAX_REPORT_TEXT ? s.slice(0, MAX_REPORT_TEXT - 1) + "…" : s);
  return {
    revision: body.revision === null ? null : body.revision.slice(0, MAX_REPORT_REF),
    etag: body.etag === null ? null : body.etag.slice(0, MAX_REPORT_REF),
    converged: body.converged,
    pods: body.pods.slice(0, MAX_REPORT_PODS).map((p) => ({
      name: p.name.slice(0, MAX_REPORT_POD_NAME),
      state: p.state,
      ...(p.reason === undefined ? {} : { reason: cut(p.reason) }),
    })),
    errors: body.errors.slice(0, MAX_REPORT_ERRORS).map(cut),
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
  client: HttpClient = nodeHttpClient,
): Promise<void> {
  const headers: Array<readonly [string, string]> = request.headers.filter(
    ([k]) => k.toLowerCase() !== "content-type",
  );
  if (!headers.some(([k]) => k.toLowerCase() === "user-agent"))
    headers.push(["User-Agent", request.userAgent]);
  headers.push(["Content-Type", "application/json"]);
  const timeout = AbortSignal.timeout(request.timeoutMs ?? 5000);
  const signal = request.signal === undefined ? timeout : AbortSignal.any([timeout, request.signal]);
  let response: HttpResponse;
  let text = "";
  try {
    response = await client(request.url, {
      method: "POST",
      headers,
      body: JSON.stringify(boundReport(body)),
      signal,
      followRedirects: false,
    });
    for await (const chunk of response.body) if (text.length < 1000) text += chunk.toString("utf8");
  } catch (cause) {
    const reason = messageOf(cause);
    throw new ManifestServerError("report-failed", `POST ${request.url} failed: ${reason}`, { cause });
  }
  if (response.status < 200 || response.status > 299)
    throw new ManifestServerError(
      "report-failed",
      `POST ${request.url}: ${response.status} ${text.slice(0, 300)}`.trimEnd(),
    );
}
