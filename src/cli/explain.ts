// `explain NODE`: where each of a node's pods came from, which groups matched and why, which vars were used.
import { layerName } from "../fleet/compose.js";
import type { CompiledNode, PodOrigin } from "../fleet/load-fleet.js";
import { describeWave, type ResolvedRollout } from "../rollout/policy.js";
import { nodeEtag } from "../server/documents/etag.js";

function where(o: PodOrigin): string {
  return `${o.file} (document ${o.doc}${o.path === "" ? "" : `, ${o.path}`}) [${layerName(o.layer)}]`;
}

/** The node's rollout wave as one line. */
function waveLine(node: string, rollout: ResolvedRollout | undefined): string {
  if (rollout === undefined)
    return "rollout wave: (no rollout: in fleet.yaml; a change reaches every node at once)";
  const i = rollout.waveOf.get(node) ?? -1;
  const wave = rollout.policy.waves[i];
  if (wave === undefined) return "rollout wave: (none)";
  const probe = rollout.probeOf.get(node);
  return (
    `rollout wave: ${wave.name} (${i + 1} of ${rollout.policy.waves.length}; ${describeWave(wave)})` +
    (probe === undefined ? "" : `, probe ${probe}`)
  );
}

/** The explain report as text lines; `rollout` is the revision's policy (the node's wave is shown). */
export function explainNode(node: CompiledNode, revision: string, rollout?: ResolvedRollout): string[] {
  const lines = [
    `node ${node.name} at revision ${revision}${node.declared ? "" : " (not in fleet.yaml: exists because of its nodes/ folder)"}`,
  ];
  const labels = Object.entries(node.labels);
  lines.push(`labels: ${labels.length === 0 ? "(none)" : labels.map(([k, v]) => `${k}=${v}`).join(", ")}`);
  const vars = Object.entries(node.vars);
  lines.push(`vars: ${vars.length === 0 ? "(none)" : vars.map(([k, v]) => `${k}=${v}`).join(", ")}`);
  const from = node.kubelet.from === "default" ? "the newest supported" : `set by ${node.kubelet.from}`;
  lines.push(`kubelet: 1.${node.kubelet.minor} (${from}); its pods were validated for this version`);
  lines.push("groups:");
  if (node.groups.length === 0) lines.push("  (none select this node)");
  for (const g of node.groups) lines.push(`  ${g.group} (priority ${g.priority}): ${g.reason}`);
  lines.push(waveLine(node.name, rollout));
  lines.push(`pods (${node.pods.length}, served as <name>-${node.name}):`);
  if (node.pods.length === 0)
    lines.push("  (none: the node is served an empty PodList, which removes its URL pods)");
  for (const p of node.pods) {
    lines.push(`  ${p.key}`);
    lines.push(`    from ${where(p.origin)}`);
    for (const o of p.overrides) lines.push(`    overrides ${where(o)}`);
    if (p.vars.length > 0) lines.push(`    uses ${p.vars.join(", ")}`);
  }
  lines.push(`etag ${nodeEtag(node)}, ${node.json.length} bytes as JSON`);
  return lines;
}
