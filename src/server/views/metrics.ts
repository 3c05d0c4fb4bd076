// Prometheus metrics on a private registry: what the server observes (git fetches, HTTP requests, node fetches) and renders.
import { Counter, Histogram, Registry } from "prom-client";
import type { AgentReports } from "../fleet-view/agent-reports.js";
import type { FetchLedger } from "../fleet-view/fetch-ledger.js";
import type { RevisionStore } from "../../revisions/revision-store.js";
import { fleetStates, type FleetStates, type HoldOf } from "../fleet-view/node-states.js";
import { registerNodeStateMetrics, registerRevisionMetrics } from "./fleet-metrics.js";
import type { RouteLabel } from "./route-label.js";

/** `auto` exports per-node series up to `PER_NODE_AUTO_LIMIT` nodes; fleet-level aggregates are always exported. */
export type PerNodeMetrics = "auto" | "on" | "off";
export const PER_NODE_AUTO_LIMIT = 10_000;

export interface MetricsDeps {
  store: RevisionStore;
  ledger: FetchLedger;
  reports: AgentReports;
  /** Nodes held by a rollout (classified `held` or `rolled-back`); default none. */
  holds?: HoldOf;
  perNode?: PerNodeMetrics;
}

const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]);

/** Every metric of the server; `render()` is what GET /metrics answers. */
export class ServerMetrics {
  readonly registry = new Registry();
  private snapshot: FleetStates | undefined;
  private readonly requests: Counter<"route" | "method" | "status">;
  private readonly durations: Histogram<"route">;
  private readonly gitFetchDuration: Histogram;
  private readonly gitFetchFailures: Counter;
  private readonly nodeFetches: Counter<"client" | "status">;
  private readonly requestChildren = new Map<string, { inc(): void }>();
  private readonly fetchChildren = new Map<string, { inc(): void }>();
  private readonly durationChildren = new Map<string, { observe(v: number): void }>();
  private reportsReceived = 0;

  constructor(private readonly deps: MetricsDeps) {
    const registers = [this.registry];
    const { store, reports } = deps;
    const states = (): FleetStates | undefined => this.snapshot;
    const perNode = (): FleetStates | undefined => this.perNodeSnapshot();
    const received = (): number => this.reportsReceived;
    registerRevisionMetrics(registers, store);
    this.gitFetchDuration = new Histogram({
      name: "manifest_server_git_fetch_duration_seconds",
      help: "Duration of git fetches, failed ones included.",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.gitFetchFailures = new Counter({
      name: "manifest_server_git_fetch_failures_total",
      help: "Git fetches that failed.",
      registers,
    });
    this.requests = new Counter({
      name: "manifest_server_http_requests_total",
      help: "HTTP requests by route (a fixed set), method and status.",
      labelNames: ["route", "method", "status"],
      registers,
    });
    this.durations = new Histogram({
      name: "manifest_server_http_request_duration_seconds",
      help: "Time to answer HTTP requests, by route.",
      labelNames: ["route"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.nodeFetches = new Counter({
      name: "manifest_server_node_fetches_total",
      help: "Node documents served (200 or 304), by client kind from the User-Agent.",
      labelNames: ["client", "status"],
      registers,
    });
    registerNodeStateMetrics(registers, { reports, states, perNode, received });
  }

  /** Whether per-node series are exported for a fleet of `nodes` nodes. */
  perNodeEnabled(nodes: number): boolean {
    const mode = this.deps.perNode ?? "auto";
    return mode === "on" || (mode === "auto" && nodes <= PER_NODE_AUTO_LIMIT);
  }

  private perNodeSnapshot(): FleetStates | undefined {
    const s = this.snapshot;
    return s !== undefined && this.perNodeEnabled(s.nodes.length) ? s : undefined;
  }

  /** Counts one answered request. Cheap: label children are cached. */
  observeRequest(route: RouteLabel, method: string | undefined, status: number, seconds: number): void {
    const m = method !== undefined && KNOWN_METHODS.has(method) ? method : "other";
    const key = `${route} ${m} ${status}`;
    let child = this.requestChildren.get(key);
    if (child === undefined) {
      child = this.requests.labels(route, m, String(status));
      this.requestChildren.set(key, child);
    }
    child.inc();
    let hist = this.durationChildren.get(route);
    if (hist === undefined) {
      hist = this.durations.labels(route);
      this.durationChildren.set(route, hist);
    }
    hist.observe(seconds);
  }

  /** Counts one node document served (200/304) by client kind. */
  observeNodeFetch(client: string, status: number): void {
    const key = `${client} ${status}`;
    let child = this.fetchChildren.get(key);
    if (child === undefined) {
      child = this.nodeFetches.labels(client, String(status));
      this.fetchChildren.set(key, child);
    }
    child.inc();
  }

  /** Records one git fetch (its duration, and a failure when it failed). */
  observeGitFetch(result: { ok: boolean; durationMs: number }): void {
    this.gitFetchDuration.observe(result.durationMs / 1000);
    if (!result.ok) this.gitFetchFailures.inc();
  }

  /** Counts one stored agent report. */
  observeReport(): void {
    this.reportsReceived++;
  }

  /** The text exposition of every metric, every node's state computed once for this scrape. */
  async render(): Promise<string> {
    const current = this.deps.store.current;
    this.snapshot =
      current === undefined
        ? undefined
        : fleetStates(
            current.fleet,
            (n) => this.deps.ledger.get(n),
            (n) => this.deps.reports.get(n),
            this.deps.holds,
          );
    try {
      return await this.registry.metrics();
    } finally {
      this.snapshot = undefined;
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
