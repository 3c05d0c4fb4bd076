// Steps 5 and 6: one node's pods resolved (templates expanded), composed by layer and rendered as its PodList.
import type { Issue } from "../../lib/issues.js";
import { assemblePodListJson } from "../../manifests/render.js";
import { rememberPodYamlSize } from "../../manifests/yaml-size.js";
import { comparePodKeys, composeLayers, type GroupMatch, type ResolvedPod } from "../compose.js";
import type { FleetConfig, NodeDecl } from "../fleet-config.js";
import type { KubeletVersion } from "../kubelet-version.js";
import type { SourcePod } from "../pod-sources.js";
import type { TemplateContext } from "../template.js";
import type { CompiledNode, PodOrigin, ServedPod } from "./compiled-fleet.js";
import type { NodeExpansions, Prepared } from "./load-memo.js";
import type { LoadScratch } from "./prepare-pod.js";
import { PODS_PER_STEP } from "./read-file.js";
import { documentSizeIssue, finalNameIssue } from "./size-step.js";
import { expandForNode, templateContextKey } from "./templates-step.js";

/** Everything one node's document is computed from. */
export interface NodeInputs {
  node: NodeDecl;
  /** The groups that select the node, lowest priority first. */
  groups: GroupMatch[];
  config: FleetConfig;
  /** The kubelet judging the node's pods, and whether unknown fields are errors. */
  kubelet: KubeletVersion;
  strict: boolean;
  /** The pod definitions of each layer. */
  common: readonly SourcePod[];
  groupPods: ReadonlyMap<string, readonly SourcePod[]>;
  own: readonly SourcePod[];
  /** Untemplated definitions prepared once for every node of the kubelet's minor (undefined where invalid). */
  prepared: ReadonlyMap<SourcePod, Prepared | undefined>;
  /** The node's expansions in the previous revision, reused where the context is unchanged. */
  previous: NodeExpansions | undefined;
  scratch: LoadScratch;
}

export interface NodeOutcome {
  /** Undefined when any issue is an error. */
  compiled: CompiledNode | undefined;
  issues: Issue[];
  /** The node's templated pods as expanded now (for the next load). */
  expansions: NodeExpansions;
}

function origin(s: SourcePod): PodOrigin {
  return { layer: s.layer, file: s.file, doc: s.doc, path: s.path };
}

/**
 * Composes, renders and checks the document of one node; a pure function of `inputs`. A generator that pauses every
 * few pods (a node of many templated pods is itself a long piece of work); run it to the end for the outcome.
 */
export function* compileNode(inputs: NodeInputs): Generator<void, NodeOutcome, undefined> {
  const { node, groups, config, kubelet, strict } = inputs;
  const ctx: TemplateContext = { node, vars: config.vars };
  const context = templateContextKey(ctx, kubelet.minor, strict);
  const judging = { minor: kubelet.minor, strict };
  const issues: Issue[] = [];
  const expansions: NodeExpansions = new Map();
  const used = new Map<SourcePod, string[]>();
  const local = new Map<SourcePod, Prepared>();
  let failed = false;
  function* resolve(sources: readonly SourcePod[]): Generator<void, ResolvedPod[], undefined> {
    const out: ResolvedPod[] = [];
    for (const [i, s] of sources.entries()) {
      if (i % PODS_PER_STEP === PODS_PER_STEP - 1) yield;
      let p: Prepared | undefined;
      if (!s.templated) p = inputs.prepared.get(s);
      else {
        const t = expandForNode(s, ctx, context, inputs.previous?.get(s), inputs.scratch, judging);
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
  }
  const commonLayer = yield* resolve(inputs.common);
  const groupLayers = [];
  for (const m of groups) {
    const g = config.groups.get(m.group);
    if (g !== undefined)
      groupLayers.push({ group: g, pods: yield* resolve(inputs.groupPods.get(m.group) ?? []) });
  }
  const ownLayer = yield* resolve(inputs.own);
  const { entries, issues: composeIssues } = composeLayers(node.name, commonLayer, groupLayers, ownLayer);
  issues.push(...composeIssues);
  if (failed || composeIssues.length > 0) return { compiled: undefined, issues, expansions };

  const pods: ServedPod[] = [];
  const fragments: string[] = [];
  for (const key of [...entries.keys()].sort(comparePodKeys)) {
    const entry = entries.get(key)!;
    const p = local.get(entry.winner.source)!;
    const nameIssue = finalNameIssue(p, node.name);
    if (nameIssue !== undefined) {
      issues.push(nameIssue);
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
  if (failed) return { compiled: undefined, issues, expansions };
  for (const p of local.values()) if (p.yamlSize !== undefined) rememberPodYamlSize(p.served, p.yamlSize);
  const json = Buffer.from(assemblePodListJson(fragments), "utf8");
  const sizeIssue = documentSizeIssue(
    node.name,
    json,
    pods.map((p) => p.pod),
  );
  if (sizeIssue !== undefined) return { compiled: undefined, issues: [...issues, sizeIssue], expansions };
  const { name, labels, vars, declared } = node;
  return { compiled: { name, labels, vars, declared, groups, kubelet, pods, json }, issues, expansions };
}
