// The dashboard's node page: state and why, pods with their origins (explain), the last fetch and the last agent report.
import { layerName } from "../../../fleet/compose.js";
import type { PodOrigin } from "../../../fleet/load-fleet.js";
import type { PodReport } from "../../../protocol/report.js";
import { shortRevision, type NodeStatus } from "../../fleet-view/node-states.js";
import { STATE_TEXT } from "./fleet-page.js";
import { ago, html, type SafeHtml } from "./html.js";
import { page } from "./layout.js";
import { nodeEtag } from "../../documents/etag.js";

export interface NodePageData {
  now: number;
  meta: string;
  revision: string;
  status: NodeStatus;
}

function where(o: PodOrigin): SafeHtml {
  return html`<span class="mono">${o.file}</span>
    <span class="muted"
      >(document ${o.doc}${o.path === "" ? "" : `, ${o.path}`}; ${layerName(o.layer)})</span
    >`;
}

function when(at: number, now: number): SafeHtml {
  return html`<span title="${new Date(at).toISOString()}">${ago(at, now)}</span>
    <span class="muted">(${new Date(at).toISOString()})</span>`;
}

/** The pod name the agent reports for a served pod key: `<namespace>/<name>-<node>`. */
function reportedName(key: string, node: string): string {
  return `${key}-${node}`;
}

function podsSection(d: NodePageData): SafeHtml {
  const { node, report } = d.status;
  const reported = new Map<string, PodReport>((report?.pods ?? []).map((p) => [p.name, p]));
  const served = new Set(node.pods.map((p) => reportedName(p.key, node.name)));
  const extra = (report?.pods ?? []).filter((p) => !served.has(p.name));
  const agentCell = (p: PodReport | undefined): SafeHtml =>
    p === undefined
      ? html`<span class="muted">${report === undefined ? "no report" : "not reported"}</span>`
      : html`<span
            class="badge s-${p.state === "running" ? "current" : p.state === "failed" ? "agent-error" : "behind"}"
            >${p.state}</span
          >${p.reason === undefined ? "" : html` <span class="mono">${p.reason}</span>`}`;
  return html`<section aria-labelledby="pods-h">
    <h2 id="pods-h">Pods (${node.pods.length})</h2>
    ${node.pods.length === 0 ? html`<p>None: the node is served an empty PodList, which removes its URL pods.</p>` : ""}
    <div class="table">
      <table>
        <thead>
          <tr>
            <th>pod</th>
            <th>agent</th>
            <th>from</th>
            <th>overrides</th>
            <th>uses</th>
          </tr>
        </thead>
        <tbody>
          ${node.pods.map(
            (p) =>
              html`<tr data-pod="${p.key}">
                <td class="mono">${p.key}</td>
                <td>${agentCell(reported.get(reportedName(p.key, node.name)))}</td>
                <td>${where(p.origin)}</td>
                <td>${p.overrides.map((o) => html`<div>${where(o)}</div>`)}</td>
                <td class="mono">${p.vars.join(", ")}</td>
              </tr>`,
          )}
          ${extra.map(
            (p) =>
              html`<tr>
                <td class="mono">${p.name} <span class="muted">(not served)</span></td>
                <td>${agentCell(p)}</td>
                <td></td>
                <td></td>
                <td></td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
  </section>`;
}

function fetchSection(d: NodePageData): SafeHtml {
  const f = d.status.fetch;
  return html`<section aria-labelledby="fetch-h">
    <h2 id="fetch-h">Last fetch</h2>
    ${
      f === undefined
        ? html`<p>No fetch recorded (without a state folder: since this server started).</p>`
        : html`<dl>
            <dt>when</dt>
            <dd>${when(f.at, d.now)}</dd>
            <dt>revision</dt>
            <dd>
              <code title="${f.revision}">${shortRevision(f.revision)}</code
              >${f.revision === d.revision ? " (served now)" : " (not the served revision)"}
            </dd>
            <dt>answer</dt>
            <dd>${f.status} ${f.format}, ETag <code>${f.etag}</code></dd>
            <dt>client</dt>
            <dd>${f.client} <span class="muted mono">${f.userAgent}</span></dd>
            <dt>address</dt>
            <dd class="mono">${f.address}</dd>
          </dl>`
    }
  </section>`;
}

function reportSection(d: NodePageData): SafeHtml {
  const r = d.status.report;
  return html`<section aria-labelledby="report-h">
    <h2 id="report-h">Last agent report</h2>
    ${
      r === undefined
        ? html`<p>
            No agent has reported for this node (without a state folder: since this server started; nodes run
            by a kubelet alone never report).
          </p>`
        : html`<dl>
            <dt>when</dt>
            <dd>${when(r.receivedAt, d.now)}</dd>
            <dt>applied</dt>
            <dd>
              ${r.revision === null ? "nothing yet" : html`<code title="${r.revision}">${shortRevision(r.revision)}</code>`}${
                r.etag === null ? "" : html`, ETag <code>${r.etag}</code>`
              }
            </dd>
            <dt>converged</dt>
            <dd>${r.converged ? "yes" : "no"}</dd>
            <dt>pods</dt>
            <dd>
              ${r.pods.filter((p) => p.state === "running").length} running,
              ${r.pods.filter((p) => p.state === "pending").length} pending,
              ${r.pods.filter((p) => p.state === "failed").length} failed
            </dd>
            <dt>errors</dt>
            <dd>
              ${
                r.errors.length === 0
                  ? "none"
                  : html`<ul>
                      ${r.errors.map((e) => html`<li class="mono">${e}</li>`)}
                    </ul>`
              }
            </dd>
            <dt>from</dt>
            <dd class="mono">${r.address} ${r.userAgent}</dd>
          </dl>`
    }
  </section>`;
}

/** The page of one node. */
export function nodePage(d: NodePageData): SafeHtml {
  const { node, state, reason } = d.status;
  const labels = Object.entries(node.labels);
  const vars = Object.entries(node.vars);
  return page({
    title: `${node.name}: manifest-server`,
    meta: d.meta,
    body: html`<p><a href="/">← fleet</a></p>
      <section id="live-node" data-live aria-labelledby="node-h">
        <h2 id="node-h">
          ${node.name} <span class="badge s-${state}" data-state="${state}">${STATE_TEXT[state]}</span>
        </h2>
        <p id="reason">${reason}</p>
        <dl>
          <dt>served revision</dt>
          <dd>
            <code title="${d.revision}">${shortRevision(d.revision)}</code>, ETag
            <code>${nodeEtag(node)}</code>, ${node.json.length} bytes ·
            <a href="/nodes/${encodeURIComponent(node.name)}?format=yaml">document</a>
          </dd>
          <dt>labels</dt>
          <dd>${labels.length === 0 ? "(none)" : labels.map(([k, v]) => html`<code>${k}=${v}</code> `)}</dd>
          <dt>vars</dt>
          <dd>${vars.length === 0 ? "(none)" : vars.map(([k, v]) => html`<code>${k}=${v}</code> `)}</dd>
          <dt>groups</dt>
          <dd>
            ${
              node.groups.length === 0
                ? "(none select this node)"
                : html`<ul>
                    ${node.groups.map((g) => html`<li><a href="/?group=${encodeURIComponent(g.group)}">${g.group}</a> (priority ${g.priority}): ${g.reason}</li>`)}
                  </ul>`
            }${node.declared ? "" : " · not in fleet.yaml: exists because of its nodes/ folder"}
          </dd>
        </dl>
      </section>
      <div id="live-details" data-live>${podsSection(d)}${fetchSection(d)}${reportSection(d)}</div>`,
  });
}
