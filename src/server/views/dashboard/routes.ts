// Dashboard routes: GET / (fleet), GET /ui/nodes/{node} (one node), GET /api/rollout (the same data as JSON).
import express, { type Response } from "express";
import type { AgentReports } from "../../fleet-view/agent-reports.js";
import type { FetchLedger } from "../../fleet-view/fetch-ledger.js";
import { HttpError } from "../../../lib/errors.js";
import type { RevisionStore } from "../../../revisions/revision-store.js";
import {
  fleetStates,
  nodeStatus,
  type FleetStates,
  type HoldOf,
  type NodeStatus,
} from "../../fleet-view/node-states.js";
import { fleetPage, matchesFilters, parseFilters } from "./fleet-page.js";
import type { SafeHtml } from "./html.js";
import { nodePage } from "./node-page.js";
import { nodeEtag } from "../../documents/etag.js";
import type { RolloutSnapshot } from "../../../revisions/rollout-driver.js";
import { rolloutSection, type UnhealthyNode } from "./rollout-section.js";

export interface DashboardDeps {
  store: RevisionStore;
  ledger: FetchLedger;
  reports: AgentReports;
  /** Nodes held by a rollout on another document than the current revision's. */
  holds: HoldOf;
  version: string;
  sourceDescription: string;
  now?: () => number;
  /** The running rollout (GET /api/rollout shows it); absent: none. */
  rollout?: () => Promise<RolloutSnapshot>;
}

function sendHtml(res: Response, body: SafeHtml, status = 200): void {
  res
    .status(status)
    .type("html")
    .set("Cache-Control", "no-cache")
    .set("X-Content-Type-Options", "nosniff")
    .set(
      "Content-Security-Policy",
      "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'self' data:",
    )
    .send(body.text);
}

function nodeJson(n: NodeStatus): Record<string, unknown> {
  return {
    name: n.node.name,
    state: n.state,
    reason: n.reason,
    etag: nodeEtag(n.node),
    groups: n.node.groups.map((g) => g.group),
    labels: n.node.labels,
    lastFetch: n.fetch === undefined ? null : { ...n.fetch, at: new Date(n.fetch.at).toISOString() },
    report:
      n.report === undefined
        ? null
        : { ...n.report, receivedAt: new Date(n.report.receivedAt).toISOString() },
  };
}

/** The rollout's nodes that are not healthy, with why. */
function unhealthy(snap: RolloutSnapshot, store: RevisionStore): UnhealthyNode[] {
  const out: UnhealthyNode[] = [];
  for (const name of store.current?.fleet.nodes.keys() ?? []) {
    const part = snap.node(name);
    if (part?.reason !== undefined) out.push({ name, wave: part.wave, step: part.step, reason: part.reason });
  }
  return out;
}

/** The dashboard's routes, plain Express routes so access control can guard them like any other. */
export function dashboardRouter(deps: DashboardDeps): express.Router {
  const router = express.Router();
  const now = deps.now ?? Date.now;
  const meta = `${deps.version} · ${deps.sourceDescription}`;
  const states = (): FleetStates | undefined => {
    const current = deps.store.current;
    return current === undefined
      ? undefined
      : fleetStates(
          current.fleet,
          (n) => deps.ledger.get(n),
          (n) => deps.reports.get(n),
          deps.holds,
        );
  };

  router.get("/", async (req, res) => {
    const snap = await deps.rollout?.();
    sendHtml(
      res,
      fleetPage({
        now: now(),
        meta,
        current: deps.store.current,
        lastError: deps.store.lastError,
        history: deps.store.history,
        states: states(),
        filters: parseFilters(req.query),
        rollout: snap === undefined ? undefined : rolloutSection(snap.rollout, unhealthy(snap, deps.store)),
      }),
    );
  });

  router.get("/ui/nodes/:node", (req, res) => {
    const current = deps.store.current;
    const name = String(req.params["node"]).toLowerCase();
    const node = current?.fleet.nodes.get(name);
    if (current === undefined || node === undefined) {
      throw new HttpError(
        404,
        "unknown-node",
        current === undefined
          ? "no valid fleet revision is loaded yet"
          : `node "${name.slice(0, 253)}" is not in revision ${current.fleet.revision}`,
      );
    }
    sendHtml(
      res,
      nodePage({
        now: now(),
        meta,
        revision: current.fleet.revision,
        status: nodeStatus(
          current.fleet,
          node,
          deps.ledger.get(node.name),
          deps.reports.get(node.name),
          deps.holds(node.name),
        ),
      }),
    );
  });

  router.get("/api/rollout", (req, res, next) => {
    const r = states();
    if (r === undefined) {
      throw new HttpError(503, "not-ready", "no valid fleet revision is loaded yet; see /status", {
        "Retry-After": "5",
      });
    }
    const filters = parseFilters(req.query);
    const none: RolloutSnapshot = { rollout: null, node: () => undefined };
    (deps.rollout?.() ?? Promise.resolve(none))
      .then((snap) => {
        res
          .status(200)
          .type("application/json")
          .set("Cache-Control", "no-cache")
          .send(
            JSON.stringify({
              revision: r.revision,
              rollout: snap.rollout,
              counts: r.counts,
              nodes: r.nodes
                .filter((n) => matchesFilters(n, filters))
                .map((n) => ({ ...nodeJson(n), rollout: snap.node(n.node.name) ?? null })),
            }) + "\n",
          );
      })
      .catch(next);
  });
  return router;
}
