// The rollout on the dashboard: its state and why, each wave with its progress and nodes per step, the nodes that
// are not healthy and why, and the event history.
import type { RolloutView } from "../../../rollout/view.js";
import { shortRevision } from "../../fleet-view/node-states.js";
import { html, type SafeHtml } from "./html.js";

const STEPS = ["waiting", "switched", "healthy", "failed", "offline", "rolled-back"] as const;

/** Nodes of the rollout that are not healthy, with why (from the API's per-node view). */
export interface UnhealthyNode {
  name: string;
  wave: string;
  step: string;
  reason: string;
}

function waveRow(w: RolloutView["waves"][number]): SafeHtml {
  const settled = w.counts.healthy + w.counts.failed + w.counts["rolled-back"];
  return html`<tr data-wave="${w.name}" data-status="${w.status}">
    <td>${w.name}</td>
    <td>${w.status}</td>
    <td>${w.limits}</td>
    <td><progress max="${Math.max(w.nodes, 1)}" value="${settled}"></progress> ${settled}/${w.nodes}</td>
    ${STEPS.map((s) => html`<td>${w.counts[s]}</td>`)}
  </tr>`;
}

/** The section, or a line saying there is no rollout. */
export function rolloutSection(view: RolloutView | null, unhealthy: readonly UnhealthyNode[]): SafeHtml {
  if (view === null)
    return html`<section id="rollout" data-live aria-labelledby="rollout-h">
      <h2 id="rollout-h">Rollout</h2>
      <p class="muted">No rollout running: every node is served the current revision.</p>
    </section>`;
  const events = view.events.slice(-50).reverse();
  return html`<section id="rollout" data-live data-state="${view.state}" aria-labelledby="rollout-h">
    <h2 id="rollout-h">Rollout ${view.id}: ${view.state}</h2>
    <p>
      <code title="${view.from}">${shortRevision(view.from)}</code> →
      <code title="${view.to}">${shortRevision(view.to)}</code>
      <span class="muted">· started ${view.startedAt}</span>
    </p>
    ${view.reason === undefined ? "" : html`<div class="banner" role="alert">${view.reason}</div>`}
    <table>
      <thead>
        <tr>
          <th>wave</th>
          <th>status</th>
          <th>how</th>
          <th>progress</th>
          ${STEPS.map((s) => html`<th>${s}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${view.waves.map(waveRow)}
      </tbody>
    </table>
    ${
      unhealthy.length === 0
        ? ""
        : html`<h3>Not healthy</h3>
            <ul>
              ${unhealthy
                .slice(0, 100)
                .map(
                  (n) =>
                    html`<li data-node="${n.name}">
                      <code>${n.name}</code> (${n.wave}, ${n.step}): ${n.reason}
                    </li>`,
                )}
            </ul>`
    }
    <details>
      <summary>Events (${view.events.length})</summary>
      <ul>
        ${events.map((e) => html`<li><span class="muted">${e.at} · ${e.actor}</span> ${e.message}</li>`)}
      </ul>
    </details>
  </section>`;
}
