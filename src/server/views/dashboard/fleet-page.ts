// The dashboard's main page: served revision and history, state counts, filters, and the fleet grid.
import type { LastError, LoadedRevision, RevisionEvent } from "../../../revisions/revision-store.js";
import {
  NODE_STATES,
  shortRevision,
  type FleetStates,
  type NodeStatus,
  type NodeState,
} from "../../fleet-view/node-states.js";
import { ago, html, urlWith, type SafeHtml } from "./html.js";
import { page } from "./layout.js";

/** Grid cells rendered at most; the counts always cover the whole fleet. */
export const MAX_CELLS = 5000;
const MAX_LABEL_CHOICES = 500;

/** Dashboard filters, all optional, from the query string: `group`, `label` (`key=value`), `state`, `q` (name part). */
export interface Filters {
  group?: string;
  label?: string;
  state?: NodeState;
  q?: string;
}

export const STATE_TEXT: Readonly<Record<NodeState, string>> = {
  current: "current",
  held: "held (waiting for its wave)",
  "rolled-back": "rolled back",
  behind: "behind",
  "never-fetched": "never fetched",
  "agent-error": "agent error",
};

function first(v: unknown): string | undefined {
  const s: unknown = Array.isArray(v) ? v[0] : v;
  return typeof s === "string" && s !== "" ? s.slice(0, 300) : undefined;
}

/** Reads the filters from a parsed query; unknown states and non-strings are ignored. */
export function parseFilters(query: Record<string, unknown>): Filters {
  const f: Filters = {};
  const group = first(query["group"]);
  const label = first(query["label"]);
  const q = first(query["q"]);
  const state = NODE_STATES.find((s) => s === first(query["state"]));
  if (group !== undefined) f.group = group;
  if (label !== undefined) f.label = label;
  if (q !== undefined) f.q = q.toLowerCase();
  if (state !== undefined) f.state = state;
  return f;
}

/** True when the node passes every filter given. */
export function matchesFilters(n: NodeStatus, f: Filters): boolean {
  if (f.state !== undefined && n.state !== f.state) return false;
  if (f.q !== undefined && !n.node.name.includes(f.q)) return false;
  if (f.group !== undefined && !n.node.groups.some((g) => g.group === f.group)) return false;
  if (f.label !== undefined) {
    const eq = f.label.indexOf("=");
    const key = eq < 0 ? f.label : f.label.slice(0, eq);
    if (!Object.hasOwn(n.node.labels, key)) return false;
    if (eq >= 0 && n.node.labels[key] !== f.label.slice(eq + 1)) return false;
  }
  return true;
}

export interface FleetPageData {
  now: number;
  meta: string;
  current: LoadedRevision | undefined;
  lastError: LastError | undefined;
  history: readonly RevisionEvent[];
  states: FleetStates | undefined;
  filters: Filters;
  /** The running rollout's section (see rollout-section.ts); absent: none shown. */
  rollout?: SafeHtml | undefined;
}

function revisionLine(meta: Record<string, string>): SafeHtml {
  return html`${meta["subject"] === undefined ? "" : html` “${meta["subject"]}”`}${
    meta["author"] === undefined ? "" : html` <span class="muted">by ${meta["author"]}</span>`
  }`;
}

function revisionSection(d: FleetPageData): SafeHtml {
  const c = d.current;
  const err = d.lastError;
  return html`<section id="live-revision" data-live aria-labelledby="rev-h">
    <h2 id="rev-h">Served revision</h2>
    ${
      c === undefined
        ? html`<p>No valid revision loaded yet: node documents answer 503.</p>`
        : html`<p>
            <code title="${c.fleet.revision}" data-revision="${c.fleet.revision}"
              >${shortRevision(c.fleet.revision)}</code
            >${revisionLine(c.meta)}
            <span class="muted"
              >· loaded ${ago(c.loadedAt.getTime(), d.now)} · ${c.fleet.stats.nodes} nodes,
              ${c.fleet.stats.pods} pods</span
            >
          </p>`
    }
    ${
      err === undefined
        ? ""
        : html`<div class="banner" role="alert">
            <strong>${err.kind === "rejected" ? "Rejected" : "Source error"}</strong>
            ${err.revision === undefined ? "" : html`<code>${shortRevision(err.revision)}</code>`}
            ${err.message}
          </div>`
    }
    ${historyTable(d)}
  </section>`;
}

function historyTable(d: FleetPageData): SafeHtml {
  if (d.history.length === 0) return html``;
  return html`<details open>
    <summary>Recent revisions (${d.history.length})</summary>
    <div class="table">
      <table>
        <thead>
          <tr>
            <th>when</th>
            <th>revision</th>
            <th>outcome</th>
            <th>commit</th>
          </tr>
        </thead>
        <tbody>
          ${d.history.map(
            (h) =>
              html`<tr class="h-${h.kind}">
                <td title="${h.at.toISOString()}">${ago(h.at.getTime(), d.now)}</td>
                <td><code title="${h.revision}">${shortRevision(h.revision)}</code></td>
                <td>
                  ${
                    h.kind === "published"
                      ? html`<span class="badge s-current">published</span>`
                      : html`<span class="badge s-agent-error">rejected</span> ${h.errorCount ?? 0}
                          error${h.errorCount === 1 ? "" : "s"}
                          <ul>
                            ${(h.errors ?? []).map((e) => html`<li class="mono">${e}</li>`)}
                          </ul>`
                  }
                </td>
                <td>${revisionLine(h.meta)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
  </details>`;
}

function filterForm(d: FleetPageData): SafeHtml {
  const nodes = d.states?.nodes ?? [];
  const groups = new Set<string>();
  const labels = new Set<string>();
  for (const n of nodes) {
    for (const g of n.node.groups) groups.add(g.group);
    if (labels.size < MAX_LABEL_CHOICES)
      for (const [k, v] of Object.entries(n.node.labels)) labels.add(`${k}=${v}`);
  }
  const f = d.filters;
  const options = (
    values: Iterable<string>,
    selected: string | undefined,
    names: Readonly<Record<string, string>> = {},
  ): SafeHtml[] =>
    [...values]
      .sort()
      .map((v) => html`<option value="${v}" ${v === selected ? "selected" : ""}>${names[v] ?? v}</option>`);
  return html`<section>
    <form class="filters" method="get" action="/" role="search">
      <label
        >group<select name="group">
          <option value="">all</option>
          ${options(groups, f.group)}
        </select></label
      >
      <label
        >label<select name="label">
          <option value="">all</option>
          ${options(labels, f.label)}
        </select></label
      >
      <label
        >state<select name="state">
          <option value="">all</option>
          ${options(NODE_STATES, f.state, STATE_TEXT)}
        </select></label
      >
      <label>name<input name="q" value="${f.q ?? ""}" placeholder="part of a name" /></label>
      <button type="submit">Filter</button> <a href="/">clear</a>
    </form>
  </section>`;
}

function cell(n: NodeStatus): SafeHtml {
  return html`<li class="cell" data-node="${n.node.name}" data-state="${n.state}">
    <a class="s-${n.state}" href="/ui/nodes/${encodeURIComponent(n.node.name)}" title="${n.reason}"
      ><span class="name">${n.node.name}</span><span class="state">${STATE_TEXT[n.state]}</span></a
    >
  </li>`;
}

function gridSection(d: FleetPageData): SafeHtml {
  const states = d.states;
  if (states === undefined) return html``;
  const shown = states.nodes.filter((n) => matchesFilters(n, d.filters));
  const f = d.filters;
  return html`<section id="live-counts" data-live aria-labelledby="grid-h">
      <h2 id="grid-h">Fleet</h2>
      <ul class="counts">
        ${NODE_STATES.map(
          (s) =>
            html`<li>
              <a
                class="s-${s}"
                data-count="${s}"
                href="${urlWith("/", { group: f.group, label: f.label, q: f.q, state: s })}"
                >${STATE_TEXT[s]}: <strong>${states.counts[s]}</strong></a
              >
            </li>`,
        )}
      </ul>
    </section>
    ${filterForm(d)}
    <section id="live-grid" data-live>
      <p class="muted" id="shown">
        ${shown.length} of ${states.nodes.length}
        nodes${shown.length > MAX_CELLS ? html`; showing the first ${MAX_CELLS}, filter to see others` : ""}
      </p>
      <ul class="grid">
        ${shown.slice(0, MAX_CELLS).map(cell)}
      </ul>
    </section>`;
}

/** The whole fleet page. */
export function fleetPage(d: FleetPageData): SafeHtml {
  return page({
    title: "manifest-server: fleet rollout",
    meta: d.meta,
    body: html`${revisionSection(d)}${d.rollout ?? ""}${gridSection(d)}`,
  });
}
