// Loads a whole fleet revision: classify files, parse, compose and validate every node, render its PodList.
import etag from "etag";
import { joinPath, type Issue } from "../lib/issues.js";
import { assemblePodListJson, podJsonFragment, renderPodList } from "../manifests/render.js";
import { validatePod } from "../manifests/validate.js";
import { yamlToJson } from "../manifests/yaml.js";
import {
  comparePodKeys,
  composeLayers,
  groupsForNode,
  podKey,
  type GroupMatch,
  type ResolvedPod,
} from "./compose.js";
import { FLEET_FILE, parseFleetConfig, type NodeDecl } from "./fleet-config.js";
import { classifyFleetFiles, KUBELET_MAX_BODY, type FleetFile, type Layer } from "./fleet-files.js";
import { IssueSet } from "./issue-set.js";
import { decodeUtf8, readPodSources, type SourcePod } from "./pod-sources.js";
import { expandTemplates, type TemplateContext } from "./template.js";

/** Where a served pod was defined. */
export interface PodOrigin {
  layer: Layer;
  file: string;
  doc: number;
  path: string;
}

export interface ServedPod {
  key: string;
  /** The pod exactly as served (status removed). */
  pod: Record<string, unknown>;
  origin: PodOrigin;
  /** Less specific definitions of the same key that this one replaced. */
  overrides: PodOrigin[];
  /** Template variables the pod used on this node, e.g. `node.vars.ip`. */
  vars: string[];
}

export interface CompiledNode {
  name: string;
  labels: Record<string, string>;
  vars: Record<string, string>;
  declared: boolean;
  groups: GroupMatch[];
  /** Sorted by namespace, then name. */
  pods: ServedPod[];
  /** The canonical JSON PodList and its strong ETag. */
  json: Buffer;
  etag: string;
}

/** A fully validated fleet revision, immutable once built. */
export interface CompiledFleet {
  revision: string;
  nodes: Map<string, CompiledNode>;
  /** Warnings only: a compiled fleet has no errors. */
  warnings: Issue[];
  stats: { files: number; documents: number; pods: number; nodes: number };
}

export type LoadResult = { ok: true; fleet: CompiledFleet } | { ok: false; issues: Issue[] };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function origin(s: SourcePod): PodOrigin {
  return { layer: s.layer, file: s.file, doc: s.doc, path: s.path };
}

function withoutStatus(pod: Record<string, unknown>): Record<string, unknown> {
  if (!Object.hasOwn(pod, "status")) return pod;
  const { status: _status, ...rest } = pod;
  return rest;
}

/** Per-source work that does not depend on the node: done once for untemplated pods. */
interface Prepared {
  source: SourcePod;
  key: string | undefined;
  name: string;
  fragment: string;
  served: Record<string, unknown>;
}

/**
 * Builds a revision from the files of a fleet. Everything is validated for every node before anything is
 * returned: `ok: false` carries every error (and warning) found, each naming file, document and field path.
 */
export function loadFleet(files: readonly FleetFile[], options: { revision: string }): LoadResult {
  const issues = new IssueSet();
  const classified = classifyFleetFiles(files);
  issues.addAll(classified.issues);

  let fleetValue: unknown = null;
  if (classified.fleetYaml !== undefined) {
    const text = decodeUtf8(classified.fleetYaml);
    if (text === undefined)
      issues.add({
        severity: "error",
        code: "encoding",
        file: FLEET_FILE,
        message: "file is not valid UTF-8 text",
      });
    else
      try {
        fleetValue = yamlToJson(text);
      } catch (e) {
        issues.add({
          severity: "error",
          code: "yaml-syntax",
          file: FLEET_FILE,
          message: e instanceof Error ? e.message : String(e),
        });
      }
  }
  const nodeFolderIssues: Issue[] = [];
  const folderNodes = classified.nodeFolders.filter((n) => {
    const ok = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(n) && n.length <= 253;
    if (!ok)
      nodeFolderIssues.push({
        severity: "error",
        code: "fleet-layout",
        file: `nodes/${n}/`,
        message: `folder name "${n}" is not a valid node name (a lowercase DNS-1123 subdomain); rename the folder`,
      });
    return ok;
  });
  issues.addAll(nodeFolderIssues);
  const { config, issues: configIssues } = parseFleetConfig(fleetValue, folderNodes);
  issues.addAll(configIssues);
  for (const g of classified.groupFolders)
    if (!config.groups.has(g))
      issues.add({
        severity: "error",
        code: "fleet-layout",
        file: `groups/${g}/`,
        message: `folder groups/${g}/ has no group "${g}" in fleet.yaml, so no node would get its pods; declare it under groups:`,
      });
  if (config.nodes.size === 0)
    issues.add({
      severity: "error",
      code: "fleet-empty",
      message:
        files.length === 0
          ? "the fleet folder is empty: expected fleet.yaml and common/, groups/<group>/ or nodes/<node>/ (is this the right folder?)"
          : "the fleet declares no nodes: add them under nodes: in fleet.yaml or create nodes/<node>/ folders",
    });

  // Parse every manifest once.
  const common: SourcePod[] = [];
  const byGroup = new Map<string, SourcePod[]>();
  const byNode = new Map<string, SourcePod[]>();
  let documents = 0;
  for (const file of classified.manifests) {
    const { pods, issues: fileIssues } = readPodSources(file);
    issues.addAll(fileIssues);
    documents += new Set(pods.map((p) => p.doc)).size;
    const layer = file.layer;
    const list =
      layer.kind === "common"
        ? common
        : layer.kind === "group"
          ? (byGroup.get(layer.group) ?? byGroup.set(layer.group, []).get(layer.group)!)
          : (byNode.get(layer.node) ?? byNode.set(layer.node, []).get(layer.node)!);
    list.push(...pods);
  }

  // Node-independent work for untemplated pods, done once and shared by every node.
  const prepared = new Map<SourcePod, Prepared | undefined>();
  const validateAt = (s: SourcePod, value: Record<string, unknown>, node?: string): Issue[] =>
    validatePod(value, { basePath: s.path, ...(node === undefined ? {} : { nodeName: node }) }).map((i) => ({
      ...i,
      file: s.file,
      doc: s.doc,
      ...(node === undefined ? {} : { nodes: [node] }),
    }));
  const prepare = (s: SourcePod, value: Record<string, unknown>, found: Issue[]): Prepared | undefined => {
    if (found.some((i) => i.severity === "error")) return undefined;
    const key = podKey(value);
    const meta = value["metadata"];
    const name = isRecord(meta) && typeof meta["name"] === "string" ? meta["name"] : "";
    const served = withoutStatus(value);
    return { source: s, key, name, served, fragment: podJsonFragment(served) };
  };
  for (const s of [...common, ...[...byGroup.values()].flat(), ...[...byNode.values()].flat()]) {
    if (s.templated) continue;
    const found = validateAt(s, s.value);
    issues.addAll(found);
    prepared.set(s, prepare(s, s.value, found));
  }

  const ctxVars = config.vars;
  const nodes = new Map<string, CompiledNode>();
  let podCount = 0;
  const sortedNodes = [...config.nodes.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const node of sortedNodes) {
    const compiled = compileNode(node);
    if (compiled !== undefined) {
      nodes.set(node.name, compiled);
      podCount += compiled.pods.length;
    }
  }

  function compileNode(node: NodeDecl): CompiledNode | undefined {
    const ctx: TemplateContext = { node, vars: ctxVars };
    const used = new Map<SourcePod, string[]>();
    const local = new Map<SourcePod, Prepared>();
    let failed = false;
    const resolve = (sources: readonly SourcePod[]): ResolvedPod[] => {
      const out: ResolvedPod[] = [];
      for (const s of sources) {
        let p: Prepared | undefined;
        if (!s.templated) p = prepared.get(s);
        else {
          const expanded = expandTemplates(s.value, ctx, s.path);
          used.set(s, [...expanded.used].sort());
          const found: Issue[] = expanded.issues.map((i) => ({
            ...i,
            file: s.file,
            doc: s.doc,
            nodes: [node.name],
          }));
          if (found.length === 0 && isRecord(expanded.value))
            found.push(...validateAt(s, expanded.value, node.name));
          issues.addAll(found);
          p = isRecord(expanded.value) ? prepare(s, expanded.value, found) : undefined;
        }
        if (p === undefined || p.key === undefined) {
          failed = true;
          continue;
        }
        local.set(s, p);
        out.push({ source: s, key: p.key, value: p.served });
      }
      return out;
    };
    const groups = groupsForNode(config, node);
    const { entries, issues: composeIssues } = composeLayers(
      node.name,
      resolve(common),
      groups.flatMap((m) => {
        const g = config.groups.get(m.group);
        return g === undefined ? [] : [{ group: g, pods: resolve(byGroup.get(m.group) ?? []) }];
      }),
      resolve(byNode.get(node.name) ?? []),
    );
    issues.addAll(composeIssues);
    if (failed || composeIssues.length > 0) return undefined;

    const keys = [...entries.keys()].sort(comparePodKeys);
    const pods: ServedPod[] = [];
    const fragments: string[] = [];
    for (const key of keys) {
      const entry = entries.get(key)!;
      const p = local.get(entry.winner.source)!;
      const finalName = `${p.name}-${node.name}`;
      if (!p.source.templated && finalName.length > 253) {
        issues.add({
          severity: "error",
          code: "name",
          file: p.source.file,
          doc: p.source.doc,
          path: joinPath(p.source.path, "metadata") + ".name",
          message: `the kubelet names this pod "${finalName.slice(0, 40)}…" (${finalName.length} characters); pod name plus "-<node>" must be at most 253 characters`,
          nodes: [node.name],
        });
        failed = true;
      }
      fragments.push(p.fragment);
      pods.push({
        key,
        pod: p.served,
        origin: origin(p.source),
        overrides: entry.overridden.map((o) => origin(o.source)),
        vars: used.get(p.source) ?? [],
      });
    }
    if (failed) return undefined;
    const json = Buffer.from(assemblePodListJson(fragments), "utf8");
    // The YAML form is rarely larger than the JSON one; only near the limit is it worth rendering to check.
    const yamlBytes =
      json.length * 2 >= KUBELET_MAX_BODY
        ? Buffer.byteLength(
            renderPodList(
              pods.map((p) => p.pod),
              "yaml",
            ),
          )
        : 0;
    if (json.length >= KUBELET_MAX_BODY || yamlBytes >= KUBELET_MAX_BODY) {
      issues.add({
        severity: "error",
        code: "node-too-large",
        message: `node ${node.name} would receive ${Math.max(json.length, yamlBytes)} bytes; the kubelet rejects responses of 10 MiB (10485760 bytes) or more, so split its pods or shrink them`,
        nodes: [node.name],
      });
      return undefined;
    }
    return {
      name: node.name,
      labels: node.labels,
      vars: node.vars,
      declared: node.declared,
      groups,
      pods,
      json,
      etag: etag(json),
    };
  }

  const all = issues.list();
  if (issues.errorCount > 0) return { ok: false, issues: all };
  return {
    ok: true,
    fleet: {
      revision: options.revision,
      nodes,
      warnings: all,
      stats: { files: classified.manifests.length, documents, pods: podCount, nodes: nodes.size },
    },
  };
}
