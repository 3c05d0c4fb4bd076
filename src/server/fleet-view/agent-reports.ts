// Agent reports: what each node's manifest-agent applied after its last pass, validated and kept (latest per node).
import express, { type Request } from "express";
import { BoundedMap } from "../../lib/bounded-map.js";
import { clientAddress } from "./fetch-ledger.js";
import { HttpError } from "../../lib/errors.js";
import { parseBody } from "../http-error.js";
import { INVALID_NODE_NAME, lookupNode, normalizeNodeName } from "../documents/node-lookup.js";
import {
  MAX_REPORT_BYTES,
  MAX_REPORT_ERRORS,
  MAX_REPORT_POD_NAME,
  MAX_REPORT_PODS,
  MAX_REPORT_REF,
  MAX_REPORT_TEXT,
  POD_STATES,
  type AgentReport,
  type PodReport,
} from "../../protocol/report.js";
import type { RevisionStore } from "../../revisions/revision-store.js";
import { isRecord } from "../../lib/json.js";

/** A report as kept by the server. */
export interface StoredReport extends AgentReport {
  /** Milliseconds since the epoch, server clock. */
  receivedAt: number;
  address: string;
  userAgent: string;
}

function text(v: unknown, path: string, problems: string[], max = MAX_REPORT_TEXT): string | undefined {
  if (typeof v !== "string") {
    problems.push(`${path}: must be a string`);
    return undefined;
  }
  if (v.length > max) problems.push(`${path}: must be at most ${max} characters`);
  return v;
}

function nullableText(v: unknown, path: string, problems: string[]): string | null {
  if (v === null || v === undefined) return null;
  return text(v, path, problems, MAX_REPORT_REF) ?? null;
}

/**
 * Validates a report body. Returns the report, or every problem as `path: message` (unknown fields are ignored,
 * so newer agents can report more).
 */
export function parseReport(
  body: unknown,
): { ok: true; report: AgentReport } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  if (!isRecord(body)) return { ok: false, problems: ["(body): must be a JSON object"] };
  const revision = nullableText(body["revision"], "revision", problems);
  const etag = nullableText(body["etag"], "etag", problems);
  const converged = body["converged"];
  if (typeof converged !== "boolean") problems.push("converged: must be true or false");
  const pods: PodReport[] = [];
  const rawPods = body["pods"] ?? [];
  if (!Array.isArray(rawPods)) problems.push("pods: must be a list");
  else if (rawPods.length > MAX_REPORT_PODS) problems.push(`pods: at most ${MAX_REPORT_PODS} pods`);
  else
    rawPods.forEach((p: unknown, i) => {
      const at = `pods[${i}]`;
      if (!isRecord(p)) {
        problems.push(`${at}: must be an object with name and state`);
        return;
      }
      const name = text(p["name"], `${at}.name`, problems, MAX_REPORT_POD_NAME);
      const state = p["state"];
      const known = POD_STATES.find((s) => s === state);
      if (known === undefined) problems.push(`${at}.state: must be one of ${POD_STATES.join(", ")}`);
      const reason = p["reason"] === undefined ? undefined : text(p["reason"], `${at}.reason`, problems);
      if (name !== undefined && known !== undefined)
        pods.push({ name, state: known, ...(reason === undefined ? {} : { reason }) });
    });
  const errors: string[] = [];
  const rawErrors = body["errors"] ?? [];
  if (!Array.isArray(rawErrors)) problems.push("errors: must be a list of strings");
  else if (rawErrors.length > MAX_REPORT_ERRORS)
    problems.push(`errors: at most ${MAX_REPORT_ERRORS} entries`);
  else
    rawErrors.forEach((e: unknown, i) => {
      const s = text(e, `errors[${i}]`, problems);
      if (s !== undefined) errors.push(s);
    });
  if (problems.length > 0 || typeof converged !== "boolean") return { ok: false, problems };
  return { ok: true, report: { revision, etag, converged, pods, errors } };
}

/** True when the agent says something is wrong: an error of its own or a failed pod. */
export function reportHasErrors(report: AgentReport): boolean {
  return report.errors.length > 0 || report.pods.some((p) => p.state === "failed");
}

/** The latest report per node, bounded: beyond `maxNodes`, a new node forgets the node that reported first. */
export class AgentReports extends BoundedMap<string, StoredReport> {
  private readonly listeners: Array<(node: string, report: StoredReport) => void> = [];

  constructor(maxNodes = 200_000) {
    super(maxNodes);
  }

  /** Keeps a report this server received and tells the listeners (reports merged from elsewhere use `set`). */
  receive(node: string, report: StoredReport): void {
    this.set(node, report);
    for (const l of this.listeners) l(node, report);
  }

  /** Subscribes to every report this server receives. */
  onReceive(listener: (node: string, report: StoredReport) => void): void {
    this.listeners.push(listener);
  }
}

export interface ReportRouteDeps {
  store: RevisionStore;
  reports: AgentReports;
  trustProxy?: boolean;
  now?: () => number;
  /** Called after a report is stored (metrics). */
  onReport?: (node: string, report: StoredReport) => void;
}

/** The node the request's path names; throws the HttpError to answer when it is not a served node. */
function nodeName(req: Request, store: RevisionStore): string {
  const raw = req.params["node"];
  const name = typeof raw === "string" ? normalizeNodeName(raw, true) : undefined;
  const found = name === undefined ? INVALID_NODE_NAME : lookupNode(store, name);
  if ("node" in found) return found.node.name;
  throw HttpError.from(found);
}

/**
 * `POST /nodes/{node}/report` (JSON, at most 256 KiB): 204 when stored; 400 with every problem, 404 unknown node,
 * 413 too large, 415 not JSON, 503 before the first revision. `GET /nodes/{node}/report`: the stored report or 404.
 */
export function reportRouter(deps: ReportRouteDeps): express.Router {
  const router = express.Router();
  const now = deps.now ?? Date.now;
  const json = parseBody(express.json({ limit: MAX_REPORT_BYTES, type: () => true }), (err) => {
    const type = isRecord(err) ? err["type"] : undefined;
    if (type === "entity.too.large")
      return new HttpError(413, "too-large", `a report is at most ${MAX_REPORT_BYTES} bytes`);
    if (type === "entity.parse.failed")
      return new HttpError(400, "invalid-json", "the report is not valid JSON");
    return err;
  });
  router.post("/nodes/:node/report", (req, res, next) => {
    if (!(req.headers["content-type"] ?? "").toLowerCase().startsWith("application/json"))
      throw new HttpError(415, "unsupported-media-type", "send the report as application/json");
    json(req, res, next);
  });
  router.post("/nodes/:node/report", (req, res) => {
    const node = nodeName(req, deps.store);
    const parsed = parseReport(req.body);
    if (!parsed.ok)
      throw new HttpError(
        400,
        "invalid-report",
        parsed.problems.join("; "),
        {},
        { problems: parsed.problems },
      );
    const stored: StoredReport = {
      ...parsed.report,
      receivedAt: now(),
      address: clientAddress(req, deps.trustProxy ?? false),
      userAgent: (req.headers["user-agent"] ?? "").slice(0, 200),
    };
    deps.reports.receive(node, stored);
    deps.onReport?.(node, stored);
    res.status(204).end();
  });
  router.get("/nodes/:node/report", (req, res) => {
    const node = nodeName(req, deps.store);
    const report = deps.reports.get(node);
    if (report === undefined) throw new HttpError(404, "no-report", `node "${node}" has not reported yet`);
    res
      .status(200)
      .type("application/json")
      .set("Cache-Control", "no-cache")
      .send(
        JSON.stringify({ node, ...report, receivedAt: new Date(report.receivedAt).toISOString() }, null, 2) +
          "\n",
      );
  });
  return router;
}
