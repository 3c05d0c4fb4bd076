// `manifest-server rollout status` for people: where the rollout stands, what failed and why, and what to do next.
import { shortRevision } from "../server/fleet-view/node-states.js";
import type { NodeRolloutView, RolloutView } from "../rollout/view.js";

/** The GET /api/rollout body as the CLI reads it. */
export interface RolloutBody {
  revision: string;
  rollout: RolloutView | null;
  nodes: Array<{ name: string; rollout: NodeRolloutView | null }>;
}

const STEPS = ["waiting", "switched", "healthy", "failed", "offline", "rolled-back"] as const;

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows.map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd(),
  );
}

/** What an operator can do now, in one or two lines. */
export function advice(view: RolloutView | null, revision: string): string {
  if (view === null) return `No rollout: every node is served ${shortRevision(revision)}.`;
  switch (view.state) {
    case "progressing":
      return "Nothing to do: it moves on by itself. `rollout pause` holds it, `rollout promote` gives every node the new revision now, `rollout abort` rolls it back.";
    case "paused":
      return "Paused: no node switches. `rollout resume` continues, `rollout abort` rolls back, `rollout promote` finishes now.";
    case "failed":
      return "A wave failed and the policy says pause: fix the cause and push a new commit (it supersedes this rollout), or `rollout resume` (failed nodes get a new deadline), or `rollout abort` to roll back.";
    case "rolled-back":
      return "Rolled back: the switched nodes are served their previous documents again. Fix the change and push a new commit; it starts a new rollout.";
    case "succeeded":
      return `Done: every node is served ${shortRevision(view.to)}.`;
  }
}

/** The status as lines of text. Pure. */
export function formatRollout(body: RolloutBody): string[] {
  const view = body.rollout;
  if (view === null) return [advice(null, body.revision)];
  const lines = [
    `Rollout ${view.id}: ${shortRevision(view.from)} → ${shortRevision(view.to)}  ${view.state.toUpperCase()}  (started ${view.startedAt})`,
  ];
  if (view.reason !== undefined) lines.push(`Why: ${view.reason}`);
  lines.push("");
  lines.push(
    ...table([
      ["WAVE", "STATUS", "HOW", "NODES", ...STEPS.map((s) => s.toUpperCase())],
      ...view.waves.map((w) => [
        w.name,
        w.status,
        w.limits,
        String(w.nodes),
        ...STEPS.map((s) => String(w.counts[s])),
      ]),
    ]),
  );
  const failed = body.nodes.filter((n) => n.rollout?.step === "failed" || n.rollout?.reason !== undefined);
  if (failed.length > 0) {
    lines.push("", "Nodes not healthy:");
    for (const n of failed.slice(0, 20))
      lines.push(
        `  ${n.name} (${n.rollout?.wave ?? ""}, ${n.rollout?.step ?? ""}): ${n.rollout?.reason ?? ""}`,
      );
    if (failed.length > 20) lines.push(`  … and ${failed.length - 20} more (--output json lists them all)`);
  }
  const events = view.events.slice(-10);
  if (events.length > 0) {
    lines.push("", "Latest events:");
    for (const e of events) lines.push(`  ${e.at}  ${e.actor.padEnd(16)}  ${e.message}`);
  }
  lines.push("", advice(view, body.revision));
  return lines;
}
