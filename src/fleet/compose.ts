// Composes one node's pod set: common, then every group that selects it (by priority), then its own folder.
import type { Issue } from "../lib/issues.js";
import { podKey } from "../manifests/validate.js";
import type { FleetConfig, GroupDecl, NodeDecl } from "./fleet-config.js";
import type { Layer } from "./fleet-files.js";
import type { SourcePod } from "./pod-sources.js";
import { describeSelector, matchesSelector } from "./selector.js";

/** Why a group applies to a node. */
export interface GroupMatch {
  group: string;
  priority: number;
  reason: string;
}

/** A pod definition after templating for one node. */
export interface ResolvedPod {
  source: SourcePod;
  key: string;
  value: Record<string, unknown>;
}

/** The winning definition of one pod key, with the definitions it replaced. */
export interface ComposedEntry {
  winner: ResolvedPod;
  overridden: ResolvedPod[];
}

export function layerName(layer: Layer): string {
  if (layer.kind === "common") return "common";
  if (layer.kind === "group") return `group ${layer.group}`;
  return `node ${layer.node}`;
}

/** The groups that select `node`, ordered from lowest to highest priority, then by name. */
export function groupsForNode(config: FleetConfig, node: NodeDecl): GroupMatch[] {
  const out: GroupMatch[] = [];
  for (const g of config.groups.values()) {
    const reasons: string[] = [];
    if (g.nodes.includes(node.name)) reasons.push("listed in the group's nodes");
    if (g.selector !== undefined && matchesSelector(g.selector, node.labels))
      reasons.push(`selector matched: ${describeSelector(g.selector)}`);
    if (reasons.length > 0) out.push({ group: g.name, priority: g.priority, reason: reasons.join("; ") });
  }
  return out.sort((a, b) => a.priority - b.priority || (a.group < b.group ? -1 : 1));
}

/**
 * Merges the resolved layers of one node by pod key: node > group (higher priority wins) > common.
 * Errors: the same key twice in one layer, or in two groups of equal priority.
 */
export function composeLayers(
  node: string,
  common: readonly ResolvedPod[],
  groups: ReadonlyArray<{ group: GroupDecl; pods: readonly ResolvedPod[] }>,
  own: readonly ResolvedPod[],
): { entries: Map<string, ComposedEntry>; issues: Issue[] } {
  const issues: Issue[] = [];
  const entries = new Map<string, ComposedEntry>();
  const duplicateIn = (pods: readonly ResolvedPod[]): Map<string, ResolvedPod> => {
    const seen = new Map<string, ResolvedPod>();
    for (const p of pods) {
      const first = seen.get(p.key);
      if (first !== undefined) {
        issues.push({
          severity: "error",
          code: "duplicate-pod",
          file: p.source.file,
          doc: p.source.doc,
          path: p.source.path === "" ? "metadata.name" : `${p.source.path}.metadata.name`,
          message: `pod ${p.key} is defined twice in ${layerName(p.source.layer)} (also in ${first.source.file} document ${first.source.doc}); rename one or delete it`,
          nodes: [node],
        });
        continue;
      }
      seen.set(p.key, p);
    }
    return seen;
  };
  const override = (layer: Map<string, ResolvedPod>): void => {
    for (const [key, pod] of layer) {
      const existing = entries.get(key);
      if (existing === undefined) entries.set(key, { winner: pod, overridden: [] });
      else entries.set(key, { winner: pod, overridden: [...existing.overridden, existing.winner] });
    }
  };
  override(duplicateIn(common));
  // Groups of one priority form one tier; a key defined by two groups of the same tier is ambiguous.
  const tiers = new Map<number, Array<{ group: GroupDecl; pods: Map<string, ResolvedPod> }>>();
  for (const g of groups) {
    const tier = tiers.get(g.group.priority) ?? [];
    tier.push({ group: g.group, pods: duplicateIn(g.pods) });
    tiers.set(g.group.priority, tier);
  }
  for (const priority of [...tiers.keys()].sort((a, b) => a - b)) {
    const merged = new Map<string, ResolvedPod>();
    for (const { group, pods } of tiers.get(priority) ?? []) {
      for (const [key, pod] of pods) {
        const other = merged.get(key);
        if (other !== undefined) {
          const otherGroup = other.source.layer.kind === "group" ? other.source.layer.group : "?";
          issues.push({
            severity: "error",
            code: "group-conflict",
            file: pod.source.file,
            doc: pod.source.doc,
            message: `pod ${key} is defined by groups "${otherGroup}" and "${group.name}", which both select node ${node} with priority ${priority}; give one group a higher priority or move the pod`,
            nodes: [node],
          });
          continue;
        }
        merged.set(key, pod);
      }
    }
    override(merged);
  }
  override(duplicateIn(own));
  return { entries, issues };
}

/** Sort order of served pods: namespace, then name. */
export function comparePodKeys(a: string, b: string): number {
  const [na = "", ma = ""] = a.split("/");
  const [nb = "", mb = ""] = b.split("/");
  if (na !== nb) return na < nb ? -1 : 1;
  return ma < mb ? -1 : ma > mb ? 1 : 0;
}

export { podKey };
