// The application: an Express app for everything but the hot path, and the request handler that combines both.
import type { IncomingMessage, ServerResponse } from "node:http";
import express, { type NextFunction, type Request, type Response } from "express";
import type { CompiledFleet } from "../fleet/load-fleet.js";
import { HttpError } from "../lib/errors.js";
import { formatIssue } from "../lib/issues.js";
import type { Logger } from "../lib/logger.js";
import { AgentReports, reportRouter } from "./fleet-view/agent-reports.js";
import type { Authenticator } from "./access/auth.js";
import { dashboardRouter } from "./views/dashboard/routes.js";
import { DocumentCache } from "./documents/document-cache.js";
import { sendHttpError } from "./http-error.js";
import { rejectOversized } from "./limits.js";
import { FetchLedger } from "./fleet-view/fetch-ledger.js";
import { ServerMetrics, type PerNodeMetrics } from "./views/metrics.js";
import { routeOf } from "./views/route-label.js";
import { handleNodeDocument, type ServedDocument } from "./documents/node-document.js";
import type { GitSyncHealth, RevisionStore } from "../revisions/revision-store.js";
import { gitWebhookRouter, type WebhookDeps } from "./webhook.js";
import { nodeEtag } from "./documents/etag.js";
import type { DeniedRequest } from "./documents/node-lookup.js";
import type { NodeSelection } from "./documents/node-selection.js";
import type { HoldOf } from "./fleet-view/node-states.js";
import { rolloutRouter, type RolloutControl } from "./rollout-routes.js";

export interface AppDeps {
  store: RevisionStore;
  logger: Logger;
  /** Shown in /status, e.g. `dir:/srv/fleet`. */
  sourceDescription: string;
  version: string;
  /** Mounts POST /hooks/git (git sources only). */
  webhook?: WebhookDeps;
  /** For staleness in /status. */
  now?: () => Date;
  /** Access control (a tokens file); without it every route is open. */
  auth?: Authenticator;
  /** What the server saw of the fleet (fetch ledger, agent reports, metrics); created when absent. */
  fleetView?: FleetView;
  /** On a replica: may this node's document be served now? (see NodeDocumentDeps.admit) */
  admit?: (node: string) => DeniedRequest | undefined;
  /** On a replica: undefined when it knows which revision is current, else why not (for /readyz). */
  ready?: () => DeniedRequest | undefined;
  /** On a replica: its part of /status (store URL without password, leader, publications). */
  replicaStatus?: () => unknown;
  /** With a state folder: what keeping the fleet view there costs (the `state` of /status). */
  stateStatus?: () => unknown;
  /** Nodes a rollout holds on another document than the current revision's. */
  selection?: NodeSelection;
  /** The rollout driver: GET /api/rollout shows it, POST /api/rollout/{action} acts on it. */
  rollout?: RolloutControl;
}

/** What the server saw of the fleet (fetch ledger, agent reports) and its metrics: fed by the hot path, read by views. */
export interface FleetView {
  ledger: FetchLedger;
  reports: AgentReports;
  metrics: ServerMetrics;
  /** Take the client address from X-Forwarded-For (behind a trusted reverse proxy). */
  trustProxy: boolean;
  /** Which nodes a rollout holds on another document than the current revision's (none without rollouts). */
  holds: HoldOf;
}

/** A FleetView over `store`; `perNode` decides per-node metric series (see ServerMetrics). */
export function createFleetView(
  store: RevisionStore,
  options: { trustProxy?: boolean; perNode?: PerNodeMetrics; holds?: HoldOf } = {},
): FleetView {
  const trustProxy = options.trustProxy ?? false;
  const holds = options.holds ?? (() => undefined);
  const ledger = new FetchLedger(200_000, trustProxy);
  const reports = new AgentReports();
  const metrics = new ServerMetrics({ store, ledger, reports, holds, perNode: options.perNode ?? "auto" });
  return { ledger, reports, metrics, trustProxy, holds };
}

/** The fleet view of `deps`, or a new one whose holds are those of `deps.selection`. */
function fleetViewOf(deps: AppDeps): FleetView {
  const selection = deps.selection;
  return (
    deps.fleetView ??
    createFleetView(deps.store, selection === undefined ? {} : { holds: (n) => selection.hold(n) })
  );
}

const nodeListCache = new WeakMap<CompiledFleet, Buffer>();

function nodeList(fleet: CompiledFleet): Buffer {
  let body = nodeListCache.get(fleet);
  if (body === undefined) {
    const nodes = [...fleet.nodes.values()].map((n) => ({
      name: n.name,
      pods: n.pods.length,
      etag: nodeEtag(n),
      groups: n.groups.map((g) => g.group),
      labels: n.labels,
      url: `/nodes/${n.name}`,
    }));
    body = Buffer.from(JSON.stringify({ revision: fleet.revision, nodes }, null, 2) + "\n", "utf8");
    nodeListCache.set(fleet, body);
  }
  return body;
}

/** The `fetch` object of /status: how the git fetches go (the field names are part of /status). */
function gitSyncStatus(health: GitSyncHealth | undefined, now: Date): Record<string, unknown> | null {
  if (health === undefined) return null;
  const since = health.lastSuccessAt;
  return {
    lastAttemptAt: health.lastAttemptAt.toISOString(),
    lastSuccessAt: since?.toISOString() ?? null,
    fetchedRevision: health.fetchedRevision ?? null,
    lastError:
      health.lastError === undefined
        ? null
        : { at: health.lastError.at.toISOString(), message: health.lastError.message },
    stale: health.lastError !== undefined || since === undefined,
    staleSeconds:
      since === undefined ? null : Math.max(0, Math.round((now.getTime() - since.getTime()) / 1000)),
  };
}

/**
 * The rollout line of /status: which rollout, its state and why, and how many held nodes answer 503 because this
 * server is still loading (or lost) their documents; null without one.
 */
async function rolloutSummary(
  control: RolloutControl | undefined,
  selection: NodeSelection | undefined,
): Promise<Record<string, unknown> | null> {
  const view = (await control?.snapshot())?.rollout;
  if (view === undefined || view === null) return null;
  return {
    id: view.id,
    from: view.from,
    to: view.to,
    state: view.state,
    reason: view.reason ?? null,
    heldDocumentsLoading: selection?.pendingCount ?? 0,
  };
}

function sendJson(res: Response, value: unknown, status = 200): void {
  res
    .status(status)
    .type("application/json")
    .set("Cache-Control", "no-cache")
    .send(JSON.stringify(value, null, 2) + "\n");
}

/** The Express app (never listens): /nodes, /status, /healthz, /readyz, / and JSON errors for everything else. */
export function createApp(deps: AppDeps): express.Express {
  const { store } = deps;
  const fleetView = fleetViewOf(deps);
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.use((req, res, next) => {
    const started = performance.now();
    res.once("finish", () =>
      fleetView.metrics.observeRequest(
        routeOf(req.path),
        req.method,
        res.statusCode,
        (performance.now() - started) / 1000,
      ),
    );
    next();
  });
  if (deps.auth !== undefined) app.use(deps.auth.guard());

  app.get("/healthz", (_req, res) => sendJson(res, { status: "ok" }));
  app.get("/readyz", (_req, res) => {
    const loaded = store.current;
    if (loaded === undefined) {
      res.set("Retry-After", "5");
      sendJson(
        res,
        { ready: false, reason: store.lastError?.message ?? "no valid revision loaded yet" },
        503,
      );
      return;
    }
    // A replica that cannot tell which revision is current takes itself out of the load balancer.
    const refused = deps.ready?.();
    if (refused !== undefined) {
      res.set("Retry-After", "1");
      sendJson(res, { ready: false, reason: refused.message }, 503);
      return;
    }
    sendJson(res, { ready: true, revision: loaded.fleet.revision });
  });
  app.get("/nodes", (_req, res) => {
    const loaded = store.current;
    if (loaded === undefined) {
      throw new HttpError(503, "not-ready", "no valid fleet revision is loaded yet; see /status", {
        "Retry-After": "5",
      });
    }
    res.status(200).type("application/json").set("Cache-Control", "no-cache").send(nodeList(loaded.fleet));
  });
  app.get("/status", async (_req, res) => {
    const loaded = store.current;
    const err = store.lastError;
    sendJson(res, {
      ready: loaded !== undefined,
      version: deps.version,
      source: deps.sourceDescription,
      revision:
        loaded === undefined
          ? null
          : {
              id: loaded.fleet.revision,
              loadedAt: loaded.loadedAt.toISOString(),
              ...loaded.meta,
              ...loaded.fleet.stats,
              warnings: loaded.fleet.warnings.map(formatIssue),
            },
      lastError:
        err === undefined
          ? null
          : {
              kind: err.kind,
              at: err.at.toISOString(),
              revision: err.revision ?? null,
              message: err.message,
              ...(err.meta ?? {}),
              issues: (err.issues ?? []).map((i) => ({ ...i, text: formatIssue(i) })),
            },
      fetch: gitSyncStatus(store.gitSync, (deps.now ?? (() => new Date()))()),
      counters: store.counters,
      ...(deps.replicaStatus === undefined ? {} : { replica: deps.replicaStatus() }),
      ...(deps.stateStatus === undefined ? {} : { state: deps.stateStatus() }),
      rollout: await rolloutSummary(deps.rollout, deps.selection),
    });
  });
  app.get("/metrics", (_req, res, next) => {
    fleetView.metrics
      .render()
      .then(
        (text) =>
          res.status(200).type(fleetView.metrics.contentType).set("Cache-Control", "no-store").send(text),
        next,
      );
  });
  app.use(
    reportRouter({
      store,
      reports: fleetView.reports,
      trustProxy: fleetView.trustProxy,
      onReport: () => fleetView.metrics.observeReport(),
    }),
  );
  app.use(
    dashboardRouter({
      store,
      ledger: fleetView.ledger,
      reports: fleetView.reports,
      holds: fleetView.holds,
      version: deps.version,
      sourceDescription: deps.sourceDescription,
      ...(deps.now === undefined ? {} : { now: () => (deps.now ?? (() => new Date()))().getTime() }),
      ...(deps.rollout === undefined ? {} : { rollout: () => (deps.rollout as RolloutControl).snapshot() }),
    }),
  );

  if (deps.webhook !== undefined) app.use(gitWebhookRouter(deps.webhook));
  if (deps.rollout !== undefined)
    app.use(
      rolloutRouter(deps.rollout, {
        tokens: () => deps.auth?.enabled === true,
        principalOf: (req) => deps.auth?.principalOf(req),
      }),
    );

  app.use((req) => {
    throw new HttpError(
      404,
      "not-found",
      `no route for ${req.method} ${req.path.slice(0, 200)}; see the README for the API`,
    );
  });
  // The one error handler: every route throws (or passes to next) an HttpError; anything else is a 500.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    sendHttpError(res, err, (e) => deps.logger.error({ err: e, path: req.path }, "request failed"));
  });
  return app;
}

/** The server's request listener: the node-document hot path first, the Express app for the rest. */
export function createHandler(deps: AppDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const selection = deps.selection;
  // Registered after the rollout driver: a new revision's held nodes are known when priming starts.
  const cache = new DocumentCache((node) => selection?.get(node) !== undefined);
  const current = deps.store.current;
  if (current !== undefined) cache.prime(current.fleet);
  deps.store.onPublish((next) => cache.prime(next.fleet));
  const fleetView = fleetViewOf(deps);
  const app = createApp({ ...deps, fleetView });
  const { ledger, metrics } = fleetView;
  const documents = {
    store: deps.store,
    cache,
    ...(deps.selection === undefined ? {} : { selection: deps.selection }),
    ...(deps.auth === undefined ? {} : { authorize: deps.auth.nodeHook }),
    ...(deps.admit === undefined ? {} : { admit: deps.admit }),
    onServed: (served: ServedDocument, req: IncomingMessage) =>
      metrics.observeNodeFetch(ledger.recordServed(served, req).client, served.status),
  };
  return (req, res) => {
    if (rejectOversized(req, res)) return;
    const started = performance.now();
    if (!handleNodeDocument(req, res, documents)) app(req, res);
    else metrics.observeRequest("node", req.method, res.statusCode, (performance.now() - started) / 1000);
  };
}
