// The diff between two compiled fleets: per node, whether its served bytes change and how its pods differ.
import { diffArrays } from "diff";
import type { CompiledFleet, CompiledNode, ServedPod } from "../fleet/load-fleet.js";
import { canonicalJson, toYaml } from "../manifests/render.js";
import { joinPath } from "../lib/issues.js";
import { nodeEtag } from "../server/documents/etag.js";

export interface PodChange {
  /** `namespace/name`. */
  key: string;
  kind: "added" | "removed" | "changed";
  /** Field paths that differ (changed pods only), e.g. `spec.containers[0].image`. */
  fields: string[];
  /** Unified-style lines of the pod's YAML: " " context, "-" old, "+" new, "@@" between hunks. */
  lines: string[];
}

export interface NodeDiff {
  node: string;
  kind: "added" | "removed" | "changed" | "unchanged";
  fromEtag: string | undefined;
  toEtag: string | undefined;
  pods: PodChange[];
}

export interface FleetDiff {
  from: string;
  to: string;
  nodes: NodeDiff[];
  /** How many nodes are served different bytes (added and removed nodes included). */
  changed: number;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null;
}

/** Field paths where `a` and `b` differ, Kubernetes style; a whole value when the types differ. */
export function changedPaths(a: unknown, b: unknown, base = ""): string[] {
  if (Array.isArray(a) && Array.isArray(b)) {
    const out: string[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++)
      out.push(...changedPaths(a[i], b[i], joinPath(base, i)));
    return out;
  }
  if (isObject(a) && isObject(b) && !Array.isArray(a) && !Array.isArray(b)) {
    const out: string[] = [];
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort())
      out.push(...changedPaths(a[k], b[k], joinPath(base, k)));
    return out;
  }
  return canonicalJson(a ?? null) === canonicalJson(b ?? null) && (a === undefined) === (b === undefined)
    ? []
    : [base === "" ? "(whole value)" : base];
}

/** Beyond this many removed and added lines, a line diff is every removed line, then every added line. */
const MAX_EDIT_LENGTH = 1000;

/**
 * A unified-style line diff (jsdiff's, which is Myers'), keeping `context` unchanged lines around each change.
 * Beyond MAX_EDIT_LENGTH changed lines it gives just the removed and added lines.
 */
export function lineDiff(a: readonly string[], b: readonly string[], context = 3): string[] {
  const changes = diffArrays([...a], [...b], { maxEditLength: MAX_EDIT_LENGTH });
  if (changes === undefined) return [...a.map((l) => `-${l}`), ...b.map((l) => `+${l}`)];
  const ops = changes.flatMap((c) => c.value.map((l) => `${c.added ? "+" : c.removed ? "-" : " "}${l}`));
  const keep = ops.map((op, k) =>
    ops.slice(Math.max(0, k - context), k + context + 1).some((o) => !o.startsWith(" ")),
  );
  const out: string[] = [];
  ops.forEach((op, k) => {
    if (keep[k] === true) {
      if (out.length > 0 && keep[k - 1] === false) out.push("@@");
      out.push(op);
    }
  });
  return out;
}

function yamlLines(pod: ServedPod): string[] {
  return toYaml(pod.pod).replace(/\n$/, "").split("\n");
}

function diffPods(from: readonly ServedPod[], to: readonly ServedPod[]): PodChange[] {
  const before = new Map(from.map((p) => [p.key, p]));
  const after = new Map(to.map((p) => [p.key, p]));
  const changes: PodChange[] = [];
  for (const key of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const a = before.get(key);
    const b = after.get(key);
    if (a === undefined && b !== undefined)
      changes.push({ key, kind: "added", fields: [], lines: yamlLines(b).map((l) => `+${l}`) });
    else if (b === undefined && a !== undefined)
      changes.push({ key, kind: "removed", fields: [], lines: [] });
    else if (a !== undefined && b !== undefined && canonicalJson(a.pod) !== canonicalJson(b.pod))
      changes.push({
        key,
        kind: "changed",
        fields: changedPaths(a.pod, b.pod),
        lines: lineDiff(yamlLines(a), yamlLines(b)),
      });
  }
  return changes;
}

function nodeDiff(name: string, a: CompiledNode | undefined, b: CompiledNode | undefined): NodeDiff {
  const kind =
    a === undefined ? "added" : b === undefined ? "removed" : a.json.equals(b.json) ? "unchanged" : "changed";
  return {
    node: name,
    kind,
    fromEtag: a === undefined ? undefined : nodeEtag(a),
    toEtag: b === undefined ? undefined : nodeEtag(b),
    pods: kind === "unchanged" ? [] : diffPods(a?.pods ?? [], b?.pods ?? []),
  };
}

/** Compares every node's served document between two fleets; pure. */
export function diffFleets(from: CompiledFleet, to: CompiledFleet): FleetDiff {
  const names = [...new Set([...from.nodes.keys(), ...to.nodes.keys()])].sort();
  const nodes = names.map((n) => nodeDiff(n, from.nodes.get(n), to.nodes.get(n)));
  return {
    from: from.revision,
    to: to.revision,
    nodes,
    changed: nodes.filter((n) => n.kind !== "unchanged").length,
  };
}

/** The human report: one block per changed node, then the unchanged ones on one line, then a summary. */
export function formatFleetDiff(diff: FleetDiff): string[] {
  const out: string[] = [`diff ${diff.from}..${diff.to}`];
  for (const n of diff.nodes) {
    if (n.kind === "unchanged") continue;
    const pods = n.pods.length === 1 ? "1 pod" : `${n.pods.length} pods`;
    const differ = n.pods.length === 1 ? "differs" : "differ";
    out.push(
      `node ${n.node}: ${n.kind === "changed" ? `changed (${pods} ${differ})` : `${n.kind} (${pods})`}`,
    );
    for (const p of n.pods) {
      const sign = p.kind === "added" ? "+" : p.kind === "removed" ? "-" : "~";
      out.push(`  ${sign} pod ${p.key} ${p.kind}${p.fields.length > 0 ? `: ${p.fields.join(", ")}` : ""}`);
      if (n.kind === "changed" && p.kind !== "removed") for (const l of p.lines) out.push(`      ${l}`);
    }
  }
  const same = diff.nodes.filter((n) => n.kind === "unchanged").map((n) => n.node);
  if (same.length > 0) out.push(`unchanged: ${same.join(", ")}`);
  out.push(
    diff.changed === 0
      ? `no node's served document changes (${diff.nodes.length} nodes).`
      : `${diff.changed} of ${diff.nodes.length} node${diff.nodes.length === 1 ? "" : "s"} change.`,
  );
  return out;
}
