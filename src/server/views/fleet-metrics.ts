// The metrics Prometheus reads from the server's state at each scrape: the served revision and every node's state.
import { Counter, Gauge, type Registry } from "prom-client";
import { POD_STATES } from "../../protocol/report.js";
import type { RevisionStore } from "../../revisions/revision-store.js";
import type { AgentReports } from "../fleet-view/agent-reports.js";
import { NODE_STATES, type FleetStates } from "../fleet-view/node-states.js";

/** The served revision and the store's counters: `manifest_server_revision_*` and `manifest_server_source_errors_total`. */
export function registerRevisionMetrics(registers: Registry[], store: RevisionStore): void {
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
}

/** What the node-state metrics read at a scrape. */
export interface NodeStateSources {
  reports: AgentReports;
  /** Every node's state, computed once for the scrape (undefined before the first valid revision). */
  states: () => FleetStates | undefined;
  /** The same when per-node series are exported, else undefined. */
  perNode: () => FleetStates | undefined;
  /** Agent reports received since start. */
  received: () => number;
}

/** Nodes and pods by state (fleet-wide), and the per-node series. */
export function registerNodeStateMetrics(registers: Registry[], sources: NodeStateSources): void {
  const { reports, states, perNode, received } = sources;
  new Gauge({
    name: "manifest_server_nodes",
    help:
      "Nodes of the served revision by state: current, held (a rollout keeps it on its previous document), " +
      "rolled_back, behind (not fetched what it is served yet), never_fetched, agent_error.",
    labelNames: ["state"],
    registers,
    collect() {
      this.reset();
      const r = states();
      if (r === undefined) return;
      for (const s of NODE_STATES) this.set({ state: s.replaceAll("-", "_") }, r.counts[s]);
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
      for (const n of perNode()?.nodes ?? []) this.set({ node: n.node.name }, n.state === "current" ? 1 : 0);
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
