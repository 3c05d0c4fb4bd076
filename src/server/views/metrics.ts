// Prometheus metrics on a private registry: revisions, git fetches, HTTP requests, and the fleet's rollout state.
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { POD_STATES } from "../../protocol/report.js";
import type { AgentReports } from "../fleet-view/agent-reports.js";
import type { FetchLedger } from "../fleet-view/fetch-ledger.js";
import type { RevisionStore } from "../../revisions/revision-store.js";
import { fleetStates, NODE_STATES, type FleetStates } from "../fleet-view/node-states.js";

/** `auto` exports per-node series up to `PER_NODE_AUTO_LIMIT` nodes; fleet-level aggregates are always exported. */
export type PerNodeMetrics = "auto" | "on" | "off";
export const PER_NODE_AUTO_LIMIT = 10_000;

/** The fixed set of route labels: a path never becomes a label. */
export type RouteLabel =
  | "node"
  | "node-report"
  | "nodes"
  | "status"
  | "healthz"
  | "readyz"
  | "metrics"
  | "dashboard"
  | "dashboard-node"
  | "rollout"
  | "webhook"
  | "other";

/** The route label of a request path (without query). */
export function routeOf(path: string): RouteLabel {
  if (path.startsWith("/nodes/")) {
    const rest = path.slice(7);
    const slash = rest.indexOf("/");
    if (slash < 0) return rest === "" ? "other" : "node";
    return rest.slice(slash) === "/report" ? "node-report" : "other";
  }
  if (path.startsWith("/ui/nodes/")) return "dashboard-node";
  switch (path) {
    case "/":
      return "dashboard";
    case "/nodes":
      return "nodes";
    case "/status":
      return "status";
    case "/healthz":
      return "healthz";
    case "/readyz":
      return "readyz";
    case "/metrics":
      return "metrics";
    case "/api/rollout":
      return "rollout";
    case "/hooks/git":
      return "webhook";
    default:
      return "other";
  }
}

export interface MetricsDeps {
  store: RevisionStore;
  ledger: FetchLedger;
  reports: AgentReports;
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
    new Gauge({
      name: "manifest_server_revision_info",
      help: "The revision being served (value 1); absent before the first valid revision.",
      labelNames: ["revision"],
      registers,
      collect() {
        this.reset();
        const current = store.current;
        if (current !== undefined) this.set({ revision: current.fleet.revision }, 1);
      },
    });
    new Gauge({
      name: "manifest_server_revision_loaded_timestamp_seconds",
      help: "When the served revision was published (Unix time).",
      registers,
      collect() {
        this.reset();
        const current = store.current;
        if (current !== undefined) this.set(current.loadedAt.getTime() / 1000);
      },
    });
    new Counter({
      name: "manifest_server_revision_switches_total",
      help: "Revisions published (the first load included).",
      registers,
      collect() {
        this.reset();
        this.inc(store.counters.published);
      },
    });
    new Counter({
      name: "manifest_server_revision_rejections_total",
      help: "Revisions rejected because they failed validation.",
      registers,
      collect() {
        this.reset();
        this.inc(store.counters.rejected);
      },
    });
    new Counter({
      name: "manifest_server_source_errors_total",
      help: "Times the fleet source could not be read.",
      registers,
      collect() {
        this.reset();
        this.inc(store.counters.sourceErrors);
      },
    });
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
    new Gauge({
      name: "manifest_server_nodes",
      help: "Nodes of the served revision by rollout state: current, behind, never_fetched, agent_error.",
      labelNames: ["state"],
      registers,
      collect() {
        this.reset();
        const r = states();
        if (r === undefined) return;
        for (const s of NODE_STATES) this.set({ state: s.replace("-", "_") }, r.counts[s]);
      },
    });
    new Gauge({
      name: "manifest_server_agent_pods",
      help: "Pods by state as the nodes' agents last reported them (nodes of the served revision).",
      labelNames: ["state"],
      registers,
      collect() {
        this.reset();
        const r = states();
        if (r === undefined) return;
        const counts = new Map<string, number>(POD_STATES.map((s) => [s, 0]));
        for (const n of r.nodes)
          for (const p of n.report?.pods ?? []) counts.set(p.state, (counts.get(p.state) ?? 0) + 1);
        for (const [state, n] of counts) this.set({ state }, n);
      },
    });
    new Counter({
      name: "manifest_server_agent_reports_total",
      help: "Agent reports received.",
      registers,
      collect() {
        this.reset();
        this.inc(received());
      },
    });
    new Gauge({
      name: "manifest_server_node_last_fetch_timestamp_seconds",
      help: "When each node last fetched its document (Unix time); per-node series, see --per-node-metrics.",
      labelNames: ["node"],
      registers,
      collect() {
        this.reset();
        for (const n of perNode()?.nodes ?? [])
          if (n.fetch !== undefined) this.set({ node: n.node.name }, n.fetch.at / 1000);
      },
    });
    new Gauge({
      name: "manifest_server_node_current",
      help: "1 when the node has the served revision's document, 0 otherwise; per-node series.",
      labelNames: ["node"],
      registers,
      collect() {
        this.reset();
        for (const n of perNode()?.nodes ?? [])
          this.set({ node: n.node.name }, n.state === "current" ? 1 : 0);
      },
    });
    new Gauge({
      name: "manifest_server_node_agent_pods",
      help: "Pods by state in each node's last agent report; per-node series, states with pods only.",
      labelNames: ["node", "state"],
      registers,
      collect() {
        this.reset();
        for (const n of perNode()?.nodes ?? []) {
          const report = reports.get(n.node.name);
          if (report === undefined) continue;
          for (const s of POD_STATES) {
            const count = report.pods.filter((p) => p.state === s).length;
            if (count > 0) this.set({ node: n.node.name, state: s }, count);
          }
        }
      },
    });
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
