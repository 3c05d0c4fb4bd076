// kubeletVersion in fleet.yaml: parsing a minor like "1.31", and resolving each node's (node > group > fleet).
import { joinPath, type Issue } from "../lib/issues.js";
import { NEWEST_KUBELET_MINOR, OLDEST_KUBELET_MINOR } from "../manifests/rules/context.js";
import { groupsForNode } from "./compose.js";
import { FLEET_FILE, type FleetConfig } from "./fleet-config.js";

/** Where a node's kubelet version came from, for `explain`. */
export interface KubeletVersion {
  /** The minor, 31 for 1.31. */
  minor: number;
  /** "node", "group <name>", "fleet" or "default". */
  from: string;
}

/** The supported range as text, e.g. "1.29 to 1.35". */
export const SUPPORTED_RANGE = `1.${OLDEST_KUBELET_MINOR} to 1.${NEWEST_KUBELET_MINOR}`;

/**
 * The minor of a kubeletVersion value ("1.31", "v1.31", "1.31.4"), or an error message naming the fix: a YAML
 * number is refused (1.30 would read as 1.3), as is anything outside the supported range.
 */
export function parseKubeletVersion(value: unknown): { minor: number } | { error: string } {
  if (typeof value === "number")
    return {
      error: `kubeletVersion must be a quoted string like "1.31" (YAML reads ${value} as a number, and 1.30 as 1.3)`,
    };
  if (typeof value !== "string") return { error: `kubeletVersion must be a string like "1.31"` };
  const match = /^v?1\.(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))?$/.exec(value.trim());
  if (match === null) return { error: `kubeletVersion "${value}" is not a version like "1.31"` };
  const minor = Number(match[1]);
  if (minor < OLDEST_KUBELET_MINOR || minor > NEWEST_KUBELET_MINOR)
    return { error: `kubeletVersion "${value}" is not supported: use ${SUPPORTED_RANGE}` };
  return { minor };
}

/** A group's setting, with its priority. */
export interface GroupVersion {
  group: string;
  priority: number;
  minor: number;
}

/**
 * A node's kubelet version: its own setting, else the one of the highest-priority group selecting it that sets
 * one, else the fleet's, else the newest supported. Two groups of that same priority that disagree are an error.
 */
export function resolveKubeletVersion(
  node: number | undefined,
  groups: readonly GroupVersion[],
  fleet: number | undefined,
): KubeletVersion | { error: string } {
  if (node !== undefined) return { minor: node, from: "node" };
  const top = Math.max(...groups.map((g) => g.priority));
  const best = groups.filter((g) => g.priority === top);
  const minors = new Set(best.map((g) => g.minor));
  if (minors.size > 1)
    return {
      error: `groups ${best.map((g) => `${g.group} (1.${g.minor})`).join(", ")} have the same priority and set different kubeletVersions: set the node's own kubeletVersion or give one group a higher priority`,
    };
  const first = best[0];
  if (first !== undefined) return { minor: first.minor, from: `group ${first.group}` };
  if (fleet !== undefined) return { minor: fleet, from: "fleet" };
  return { minor: NEWEST_KUBELET_MINOR, from: "default" };
}

/**
 * Every node's kubelet version (see resolveKubeletVersion), with an error naming the node in fleet.yaml for each
 * node whose groups disagree (such a node has no version and is not compiled).
 */
export function resolveNodeVersions(config: FleetConfig): {
  versions: Map<string, KubeletVersion>;
  issues: Issue[];
} {
  const versions = new Map<string, KubeletVersion>();
  const issues: Issue[] = [];
  for (const node of config.nodes.values()) {
    const groups = groupsForNode(config, node).flatMap((m) => {
      const minor = config.groups.get(m.group)?.kubeletMinor;
      return minor === undefined ? [] : [{ group: m.group, priority: m.priority, minor }];
    });
    const resolved = resolveKubeletVersion(node.kubeletMinor, groups, config.kubeletMinor);
    if ("error" in resolved)
      issues.push({
        severity: "error",
        code: "fleet-config",
        file: FLEET_FILE,
        path: joinPath("nodes", node.name),
        message: resolved.error,
      });
    else versions.set(node.name, resolved);
  }
  return { versions, issues };
}
