// The files of a fleet (from a folder or a git tree): layer classification and symlink resolution.
import { posix } from "node:path";
import type { Issue } from "../lib/issues.js";

/** One entry of a fleet tree. Paths are relative to the fleet root, with POSIX separators. */
export interface FleetFile {
  path: string;
  /** Size in bytes (of the file, or of the symlink's target text). */
  size: number;
  /** File bytes; absent for symlinks and for files too large to read. */
  content?: Buffer;
  /** The link text when the entry is a symbolic link. */
  symlink?: string;
}

/** The kubelet refuses bodies of this many bytes or more (`maxConfigLength`, read with ReadAtMost). */
export const KUBELET_MAX_BODY = 10 * 1024 * 1024;

export const MANIFEST_EXTENSIONS = [".yaml", ".yml", ".json"] as const;

export type Layer = { kind: "common" } | { kind: "group"; group: string } | { kind: "node"; node: string };

export interface ManifestFile {
  path: string;
  layer: Layer;
  content: Buffer;
}

export interface ClassifiedFleet {
  fleetYaml: Buffer | undefined;
  manifests: ManifestFile[];
  /** Names of `groups/<g>/` and `nodes/<n>/` folders that hold at least one manifest. */
  groupFolders: string[];
  nodeFolders: string[];
  issues: Issue[];
}

const TOP_LEVEL = new Set(["fleet.yaml", "common", "groups", "nodes"]);

/** Resolves a symlink inside the tree; undefined target means it escapes the fleet root. */
function resolveLink(from: string, target: string): string | undefined {
  if (posix.isAbsolute(target)) return undefined;
  const resolved = posix.normalize(posix.join(posix.dirname(from), target));
  if (resolved === ".." || resolved.startsWith("../")) return undefined;
  return resolved;
}

function describeSize(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/**
 * Sorts the tree into fleet.yaml and the common/group/node layers, following symlinks that stay inside
 * the root. Errors: symlinks escaping the root or dangling, files at or over the kubelet's 10 MiB limit.
 * Warnings: files and folders that are ignored although they look meant to be read.
 */
export function classifyFleetFiles(files: readonly FleetFile[]): ClassifiedFleet {
  const issues: Issue[] = [];
  const byPath = new Map(files.map((f) => [f.path, f]));
  const out: ClassifiedFleet = {
    fleetYaml: undefined,
    manifests: [],
    groupFolders: [],
    nodeFolders: [],
    issues,
  };
  const groups = new Set<string>();
  const nodes = new Set<string>();
  const warnedDirs = new Set<string>();
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  for (const file of sorted) {
    const parts = file.path.split("/");
    if (parts.some((p) => p.startsWith("."))) continue;
    const top = parts[0] ?? "";
    const ext = posix.extname(file.path).toLowerCase();
    const isManifestName = (MANIFEST_EXTENSIONS as readonly string[]).includes(ext);
    if (!TOP_LEVEL.has(top)) {
      if (parts.length > 1 && !warnedDirs.has(top) && isManifestName) {
        warnedDirs.add(top);
        issues.push({
          severity: "warning",
          code: "fleet-layout",
          file: `${top}/`,
          message: `folder "${top}/" is not part of the fleet layout and is ignored; pods go in common/, groups/<group>/ or nodes/<node>/`,
        });
      } else if (parts.length === 1 && isManifestName && top !== "fleet.yml") {
        issues.push({
          severity: "warning",
          code: "fleet-layout",
          file: file.path,
          message:
            "file at the top of the fleet is ignored; pods go in common/, groups/<group>/ or nodes/<node>/",
        });
      } else if (top === "fleet.yml") {
        issues.push({
          severity: "error",
          code: "fleet-layout",
          file: file.path,
          message: "the fleet file must be named fleet.yaml; rename fleet.yml",
        });
      }
      continue;
    }

    let layer: Layer | undefined;
    if (top === "fleet.yaml" && parts.length === 1) layer = undefined;
    else if (top === "common" && parts.length === 2) layer = { kind: "common" };
    else if (top === "groups" && parts.length === 3) layer = { kind: "group", group: parts[1] ?? "" };
    else if (top === "nodes" && parts.length === 3) layer = { kind: "node", node: parts[1] ?? "" };
    else {
      if (isManifestName)
        issues.push({
          severity: "warning",
          code: "fleet-layout",
          file: file.path,
          message:
            top === "common"
              ? "common/ is read without subfolders; this file is ignored"
              : `expected ${top}/<name>/<file>; this file is ignored`,
        });
      continue;
    }
    if (top !== "fleet.yaml" && !isManifestName) {
      issues.push({
        severity: "warning",
        code: "fleet-layout",
        file: file.path,
        message: `ignored: only .yaml, .yml and .json files are read (the kubelet's own file source would read this one; manifest-server does not)`,
      });
      continue;
    }

    let content = file.content;
    if (file.symlink !== undefined) {
      const target = resolveLink(file.path, file.symlink);
      const targetFile = target === undefined ? undefined : byPath.get(target);
      if (target === undefined) {
        issues.push({
          severity: "error",
          code: "symlink-escape",
          file: file.path,
          message: `symlink points outside the fleet folder (to ${JSON.stringify(file.symlink)}); copy the file into the fleet instead`,
        });
        continue;
      }
      if (targetFile === undefined || targetFile.symlink !== undefined) {
        issues.push({
          severity: "error",
          code: "symlink-dangling",
          file: file.path,
          message: `symlink target ${JSON.stringify(file.symlink)} is not a regular file inside the fleet folder`,
        });
        continue;
      }
      content = targetFile.content;
      if (targetFile.size >= KUBELET_MAX_BODY) content = undefined;
    }
    const size =
      file.symlink !== undefined
        ? (byPath.get(resolveLink(file.path, file.symlink) ?? "")?.size ?? 0)
        : file.size;
    if (size >= KUBELET_MAX_BODY || content === undefined) {
      issues.push({
        severity: "error",
        code: "file-too-large",
        file: file.path,
        message: `file is ${describeSize(size)}; the kubelet rejects any response of 10 MiB or more, so no node could ever receive it`,
      });
      continue;
    }
    if (layer === undefined) {
      out.fleetYaml = content;
      continue;
    }
    if (layer.kind === "group") groups.add(layer.group);
    if (layer.kind === "node") nodes.add(layer.node);
    out.manifests.push({ path: file.path, layer, content });
  }
  out.groupFolders = [...groups].sort();
  out.nodeFolders = [...nodes].sort();
  return out;
}
