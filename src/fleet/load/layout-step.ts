// Step 2: the fleet folder's layout: node folders with valid names, group folders with a declared group, some node.
import type { Issue } from "../../lib/issues.js";
import { isDns1123Subdomain } from "../../manifests/validate.js";
import type { FleetConfig } from "../fleet-config.js";

/** The node folders whose names are node names, and an error for each other one. */
export function nodeFoldersStep(folders: readonly string[]): { nodes: string[]; issues: Issue[] } {
  const issues: Issue[] = [];
  const nodes = folders.filter((n) => {
    const ok = isDns1123Subdomain(n);
    if (!ok)
      issues.push({
        severity: "error",
        code: "fleet-layout",
        file: `nodes/${n}/`,
        message: `folder name "${n}" is not a valid node name (a lowercase DNS-1123 subdomain); rename the folder`,
      });
    return ok;
  });
  return { nodes, issues };
}

/** Errors for group folders no group of fleet.yaml declares, and for a fleet without nodes (`fileCount` says why). */
export function layoutIssues(
  config: FleetConfig,
  groupFolders: readonly string[],
  fileCount: number,
): Issue[] {
  const issues: Issue[] = [];
  for (const g of groupFolders)
    if (!config.groups.has(g))
      issues.push({
        severity: "error",
        code: "fleet-layout",
        file: `groups/${g}/`,
        message: `folder groups/${g}/ has no group "${g}" in fleet.yaml, so no node would get its pods; declare it under groups:`,
      });
  if (config.nodes.size === 0)
    issues.push({
      severity: "error",
      code: "fleet-empty",
      message:
        fileCount === 0
          ? "the fleet folder is empty: expected fleet.yaml and common/, groups/<group>/ or nodes/<node>/ (is this the right folder?)"
          : "the fleet declares no nodes: add them under nodes: in fleet.yaml or create nodes/<node>/ folders",
    });
  return issues;
}
