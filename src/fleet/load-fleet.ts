// Loads a whole fleet revision: classify files, parse, compose and validate every node, render its PodList.
import etag from "etag";
import { joinPath, type Issue } from "../lib/issues.js";
import {
  assemblePodListJson,
  fillFragmentPlan,
  planPodFragment,
  podJsonFragment,
  renderPodList,
  type FragmentPlan,
} from "../manifests/render.js";
import { validatePod } from "../manifests/validate.js";
import { countYamlDocuments } from "../manifests/yaml.js";
import {
  comparePodKeys,
  composeLayers,
  groupsForNode,
  podKey,
  type GroupMatch,
  type ResolvedPod,
} from "./compose.js";
import { FLEET_FILE, parseFleetConfig, type NodeDecl } from "./fleet-config.js";
import {
  classifyFleetFiles,
  KUBELET_MAX_BODY,
  type FleetFile,
  type Layer,
  type ManifestFile,
} from "./fleet-files.js";
import { readFleetYaml, type FleetYamlCache } from "./fleet-yaml.js";
import { IssueSet } from "./issue-set.js";
import { decodeUtf8, readPodSources, type SourcePod } from "./pod-sources.js";
import { expandTemplateString, expandTemplates, isTemplated, type TemplateContext } from "./template.js";

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
  /** What the next load may reuse (pass this fleet as `previous`); opaque outside the loader. */
  memo?: LoadMemo;
}

/** The per-file and per-node work of a revision, reusable by the next load for unchanged inputs. */
export interface LoadMemo {
  fleetYaml: { content: Buffer; value: unknown; issues: Issue[]; cache?: FleetYamlCache } | undefined;
  files: Map<string, FileMemo>;
  nodes: Map<string, NodeMemo>;
  /** Per node and templated pod definition: its expansion, valid while the node's template context is unchanged. */
  templated: Map<string, Map<SourcePod, TemplatedMemo>>;
  nextFileId: number;
}

/** One templated pod expanded, validated and prepared for one node. */
interface TemplatedMemo {
  /** The template context it was computed with (node name, labels, vars and the fleet vars). */
  context: string;
  used: string[];
  issues: Issue[];
  prepared: Prepared | undefined;
}

/** One manifest file parsed, with its untemplated pods validated and rendered. */
interface FileMemo {
  id: number;
  content: Buffer;
  pods: SourcePod[];
  issues: Issue[];
  documents: number;
  prepared: Map<SourcePod, { prepared: Prepared | undefined; issues: Issue[] }>;
}

/** One compiled node and the issues its compilation reported, valid while its inputs' signature holds. */
interface NodeMemo {
  signature: string;
  compiled: CompiledNode;
  issues: Issue[];
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

/**
 * fleet.yaml read as YAML 1.1 (reusing the node entries of `previous` that did not change); null and an error
 * issue when it is not UTF-8, not YAML, or more than one document.
 */
function parseFleetYaml(
  content: Buffer,
  previous: FleetYamlCache | undefined,
): { value: unknown; issues: Issue[]; cache?: FleetYamlCache } {
  const fail = (code: string, message: string) => ({
    value: null,
    issues: [{ severity: "error" as const, code, file: FLEET_FILE, message }],
  });
  const text = decodeUtf8(content);
  if (text === undefined) return fail("encoding", "file is not valid UTF-8 text");
  try {
    const { value, cache } = readFleetYaml(text, previous);
    // Document markers sit at the start of a line; counting (a full parse) is only needed when one is there.
    const documents = /^(---|\.\.\.)/m.test(text) ? countYamlDocuments(text) : 1;
    if (documents > 1)
      return fail(
        "fleet-config",
        `fleet.yaml holds ${documents} YAML documents; write one mapping with nodes, groups and vars (remove the extra ---)`,
      );
    return { value, issues: [], cache };
  } catch (e) {
    return fail("yaml-syntax", e instanceof Error ? e.message : String(e));
  }
}

/** Per-source work that does not depend on the node: done once for untemplated pods. */
interface Prepared {
  source: SourcePod;
  key: string | undefined;
  name: string;
  fragment: string;
  served: Record<string, unknown>;
}

export interface LoadOptions {
  revision: string;
  /**
   * The revision served so far: files whose bytes did not change are not parsed, validated or rendered again, and
   * nodes whose declaration, groups and files did not change keep their documents. The result is the same as without.
   */
  previous?: CompiledFleet | undefined;
  /** Called as the load advances: files read, then nodes compiled (for progress on a terminal). */
  onProgress?: ((step: LoadStep) => void) | undefined;
}

/** How far a load has come: `done` of `total` manifest files read, or nodes compiled. */
export interface LoadStep {
  stage: "files" | "nodes";
  done: number;
  total: number;
}

/**
 * Builds a revision from the files of a fleet. Everything is validated for every node before anything is
 * returned: `ok: false` carries every error (and warning) found, each naming file, document and field path.
 */
export function loadFleet(files: readonly FleetFile[], options: LoadOptions): LoadResult {
  const steps = loadFleetSteps(files, options);
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
    options.onProgress?.(step.value);
  }
}

/**
 * The same as loadFleet, but gives the event loop a turn whenever `sliceMs` of work has passed, so a server
 * keeps answering (from its current revision) while a large fleet loads. Resolves with exactly loadFleet's result.
 */
export async function loadFleetInSlices(
  files: readonly FleetFile[],
  options: LoadOptions,
  sliceMs = 20,
): Promise<LoadResult> {
  const steps = loadFleetSteps(files, options);
  let sliceStart = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
    options.onProgress?.(step.value);
    if (performance.now() - sliceStart >= sliceMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
}

/** The loader as a generator that pauses after each file and each node; drivers decide when to resume. */
function* loadFleetSteps(
  files: readonly FleetFile[],
  options: LoadOptions,
): Generator<LoadStep, LoadResult, undefined> {
  const issues = new IssueSet();
  const classified = classifyFleetFiles(files);
  issues.addAll(classified.issues);
  const before = options.previous?.memo;
  const memo: LoadMemo = {
    fleetYaml: undefined,
    files: new Map(),
    nodes: new Map(),
    templated: new Map(),
    nextFileId: before?.nextFileId ?? 1,
  };

  const fleetYaml = classified.fleetYaml;
  if (
    fleetYaml !== undefined &&
    before?.fleetYaml !== undefined &&
    before.fleetYaml.content.equals(fleetYaml)
  )
    memo.fleetYaml = before.fleetYaml;
  else if (fleetYaml !== undefined)
    memo.fleetYaml = { content: fleetYaml, ...parseFleetYaml(fleetYaml, before?.fleetYaml?.cache) };
  const fleetValue = memo.fleetYaml?.value ?? null;
  issues.addAll(memo.fleetYaml?.issues ?? []);
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

  // Parse every manifest once; validate and render its untemplated pods once, shared by every node.
  const templateMemo = new WeakMap<object, boolean>();
  // A templated pod is rendered once with holes; each node only renders its expanded strings into them.
  const plans = new Map<SourcePod, FragmentPlan>();
  const planOf = (s: SourcePod): FragmentPlan => {
    let plan = plans.get(s);
    if (plan === undefined) plans.set(s, (plan = planPodFragment(withoutStatus(s.value), isTemplated)));
    return plan;
  };
  const validateAt = (s: SourcePod, value: Record<string, unknown>, node?: string): Issue[] =>
    validatePod(value, { basePath: s.path, ...(node === undefined ? {} : { nodeName: node }) }).map((i) => ({
      ...i,
      file: s.file,
      doc: s.doc,
      ...(node === undefined ? {} : { nodes: [node] }),
    }));
  const prepare = (
    s: SourcePod,
    value: Record<string, unknown>,
    found: Issue[],
    ctx?: TemplateContext,
  ): Prepared | undefined => {
    if (found.some((i) => i.severity === "error")) return undefined;
    const key = podKey(value);
    const meta = value["metadata"];
    const name = isRecord(meta) && typeof meta["name"] === "string" ? meta["name"] : "";
    const served = withoutStatus(value);
    const fragment =
      ctx === undefined
        ? podJsonFragment(served)
        : fillFragmentPlan(
            planOf(s),
            planOf(s).holes.map((h) => expandTemplateString(h, ctx)),
          );
    return { source: s, key, name, served, fragment };
  };
  const readFile = (file: ManifestFile): FileMemo => {
    const old = before?.files.get(file.path);
    if (old !== undefined && old.content.equals(file.content)) return old;
    const { pods, issues: fileIssues } = readPodSources(file);
    const prepared: FileMemo["prepared"] = new Map();
    for (const s of pods) {
      if (s.templated) continue;
      const found = validateAt(s, s.value);
      prepared.set(s, { prepared: prepare(s, s.value, found), issues: found });
    }
    const documents = new Set(pods.map((p) => p.doc)).size;
    return { id: memo.nextFileId++, content: file.content, pods, issues: fileIssues, documents, prepared };
  };
  const common: FileMemo[] = [];
  const byGroup = new Map<string, FileMemo[]>();
  const byNode = new Map<string, FileMemo[]>();
  const prepared = new Map<SourcePod, Prepared | undefined>();
  let documents = 0;
  for (const [done, file] of classified.manifests.entries()) {
    yield { stage: "files", done, total: classified.manifests.length };
    const read = readFile(file);
    memo.files.set(file.path, read);
    issues.addAll(read.issues);
    documents += read.documents;
    const layer = file.layer;
    const list =
      layer.kind === "common"
        ? common
        : layer.kind === "group"
          ? (byGroup.get(layer.group) ?? byGroup.set(layer.group, []).get(layer.group)!)
          : (byNode.get(layer.node) ?? byNode.set(layer.node, []).get(layer.node)!);
    list.push(read);
  }
  for (const list of [common, ...byGroup.values(), ...byNode.values()])
    for (const read of list)
      for (const [s, p] of read.prepared) {
        issues.addAll(p.issues);
        prepared.set(s, p.prepared);
      }
  const podsOf = (list: readonly FileMemo[] | undefined): SourcePod[] => (list ?? []).flatMap((f) => f.pods);
  const idsOf = (list: readonly FileMemo[] | undefined): string => (list ?? []).map((f) => f.id).join(",");
  const commonPods = podsOf(common);
  const groupPods = new Map([...byGroup].map(([g, list]) => [g, podsOf(list)]));
  const sharedKey = JSON.stringify(config.vars) + "|" + idsOf(common);

  const ctxVars = config.vars;
  const nodes = new Map<string, CompiledNode>();
  let podCount = 0;
  const sortedNodes = [...config.nodes.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const [done, node] of sortedNodes.entries()) {
    yield { stage: "nodes", done, total: sortedNodes.length };
    const groups = groupsForNode(config, node);
    // Everything compileNode reads: a node with the same signature as before compiles to the same document.
    const signature = [
      sharedKey,
      JSON.stringify([node.name, node.declared, node.labels, node.vars, groups]),
      ...groups.map((m) => `${m.group}:${idsOf(byGroup.get(m.group))}`),
      idsOf(byNode.get(node.name)),
    ].join("\n");
    const old = before?.nodes.get(node.name);
    const reuse = old?.signature === signature;
    const nodeIssues: Issue[] = reuse ? old.issues : [];
    const compiled = reuse ? old.compiled : compileNode(node, groups, nodeIssues);
    const expansions = reuse ? before?.templated.get(node.name) : undefined;
    if (expansions !== undefined) memo.templated.set(node.name, expansions);
    issues.addAll(nodeIssues);
    if (compiled !== undefined) {
      nodes.set(node.name, compiled);
      memo.nodes.set(node.name, { signature, compiled, issues: nodeIssues });
      podCount += compiled.pods.length;
    }
  }

  function compileNode(node: NodeDecl, groups: GroupMatch[], issues: Issue[]): CompiledNode | undefined {
    const ctx: TemplateContext = { node, vars: ctxVars };
    const context = JSON.stringify([node.name, node.labels, node.vars, ctxVars]);
    const expansions = new Map<SourcePod, TemplatedMemo>();
    memo.templated.set(node.name, expansions);
    const used = new Map<SourcePod, string[]>();
    const local = new Map<SourcePod, Prepared>();
    let failed = false;
    const resolve = (sources: readonly SourcePod[]): ResolvedPod[] => {
      const out: ResolvedPod[] = [];
      for (const s of sources) {
        let p: Prepared | undefined;
        if (!s.templated) p = prepared.get(s);
        else {
          // An unchanged definition (same object: its file did not change) in an unchanged context expands the same.
          let t = before?.templated.get(node.name)?.get(s);
          if (t === undefined || t.context !== context) {
            const expanded = expandTemplates(s.value, ctx, s.path, templateMemo);
            const found: Issue[] = expanded.issues.map((i) => ({
              ...i,
              file: s.file,
              doc: s.doc,
              nodes: [node.name],
            }));
            if (found.length === 0 && isRecord(expanded.value))
              found.push(...validateAt(s, expanded.value, node.name));
            t = {
              context,
              used: [...expanded.used].sort(),
              issues: found,
              prepared: isRecord(expanded.value) ? prepare(s, expanded.value, found, ctx) : undefined,
            };
          }
          expansions.set(s, t);
          used.set(s, t.used);
          issues.push(...t.issues);
          p = t.prepared;
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
    const { entries, issues: composeIssues } = composeLayers(
      node.name,
      resolve(commonPods),
      groups.flatMap((m) => {
        const g = config.groups.get(m.group);
        return g === undefined ? [] : [{ group: g, pods: resolve(groupPods.get(m.group) ?? []) }];
      }),
      resolve(podsOf(byNode.get(node.name))),
    );
    issues.push(...composeIssues);
    if (failed || composeIssues.length > 0) return undefined;

    const keys = [...entries.keys()].sort(comparePodKeys);
    const pods: ServedPod[] = [];
    const fragments: string[] = [];
    for (const key of keys) {
      const entry = entries.get(key)!;
      const p = local.get(entry.winner.source)!;
      const finalName = `${p.name}-${node.name}`;
      if (!p.source.templated && finalName.length > 253) {
        issues.push({
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
      issues.push({
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
      memo,
    },
  };
}
