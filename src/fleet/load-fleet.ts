// Loads a whole fleet revision: a short orchestrator over the steps in load/, each reusing the previous revision's work.
import { groupsForNode } from "./compose.js";
import { classifyFleetFiles, type FleetFile } from "./fleet-files.js";
import { parseFleetConfig } from "./fleet-config.js";
import { IssueCollector } from "../lib/issue-collector.js";
import type { Issue } from "../lib/issues.js";
import { AliasBudget, MAX_ALIAS_NODES_PER_REVISION } from "../manifests/yaml.js";
import { resolveNodeVersions } from "./kubelet-version.js";
import { NEWEST_KUBELET_MINOR } from "../manifests/rules/context.js";
import type { CompiledNode, LoadOptions, LoadResult, LoadStep } from "./load/compiled-fleet.js";
import { compileNode } from "./load/compile-node.js";
import { fleetYamlStep } from "./load/fleet-yaml-step.js";
import { layoutIssues, nodeFoldersStep } from "./load/layout-step.js";
import type { LoadMemo } from "./load/load-memo.js";
import { idsOf, ManifestIndex, podsOf, readManifest } from "./load/manifests-step.js";
import { LoadScratch } from "./load/prepare-pod.js";
import type { OffThreadRead, ReadRequest } from "./load/read-file.js";
import { sharedReadPool } from "./load/read-pool.js";

export type {
  CompiledFleet,
  CompiledNode,
  LoadOptions,
  LoadResult,
  LoadStep,
  PodOrigin,
  ServedPod,
} from "./load/compiled-fleet.js";
export type { LoadMemo } from "./load/load-memo.js";

/**
 * Builds a revision from the files of a fleet. Everything is validated for every node before anything is
 * returned: `ok: false` carries every error (and warning) found, each naming file, document and field path.
 */
export function loadFleet(files: readonly FleetFile[], options: LoadOptions): LoadResult {
  const steps = loadFleetSteps(files, options);
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
    // A file to read is read inline (the loader does it when answered nothing).
    if (step.value.stage !== "read") options.onProgress?.(step.value);
  }
}

/**
 * The same as loadFleet, but gives the event loop a turn whenever `sliceMs` of work has passed, and reads large
 * files in `options.reader` (default: the process's pool of reader threads), so a server keeps answering (from
 * its current revision) while a large fleet loads. Resolves with exactly loadFleet's result.
 */
export async function loadFleetInSlices(
  files: readonly FleetFile[],
  options: LoadOptions,
  sliceMs = 10,
): Promise<LoadResult> {
  const reader = options.reader ?? sharedReadPool();
  const steps = loadFleetSteps(files, options);
  let sliceStart = performance.now();
  let step = steps.next();
  while (step.done !== true) {
    const pause = step.value;
    if (pause.stage === "read") {
      let answer: OffThreadRead | undefined;
      try {
        answer = await reader.read(pause);
      } catch (e) {
        // Thrown where the loader asked: an error of that file, as if reading it inline had thrown.
        step = steps.throw(e);
        continue;
      }
      // The loop turned while the file was read elsewhere: a new slice starts.
      sliceStart = performance.now();
      step = steps.next(answer);
      continue;
    }
    options.onProgress?.(pause);
    if (performance.now() - sliceStart >= sliceMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
    step = steps.next();
  }
  return step.value;
}

/**
 * Runs the step `run` to its end, passing on its pauses as `step`; for whatever it throws, `fallback` of an error
 * issue placed at `where`.
 */
function* failSafe<T>(
  run: () => Generator<ReadRequest | undefined | void, T, OffThreadRead | undefined>,
  step: LoadStep,
  fallback: (issue: Issue) => T,
  where: Pick<Issue, "file" | "nodes">,
): Generator<LoadPause, T, OffThreadRead | undefined> {
  try {
    const steps = run();
    let answer: OffThreadRead | undefined;
    for (;;) {
      const next = steps.next(answer);
      if (next.done === true) return next.value;
      answer = yield next.value ?? step;
    }
  } catch (e) {
    const message =
      e instanceof RangeError
        ? "too large or too deeply nested to process"
        : e instanceof Error
          ? e.message
          : String(e);
    return fallback({
      severity: "error",
      code: "load-failed",
      message: `cannot be loaded: ${message.slice(0, 500)}`,
      ...where,
    });
  }
}

/** A pause of the loader: progress, or a file to read (the driver answers with the read, or nothing). */
type LoadPause = LoadStep | ReadRequest;

/**
 * The loader as a generator that pauses after each file and each node; drivers decide when to resume. It asks its
 * driver for each file to read anew, and reads it itself when the answer is nothing.
 */
function* loadFleetSteps(
  files: readonly FleetFile[],
  options: LoadOptions,
): Generator<LoadPause, LoadResult, OffThreadRead | undefined> {
  const issues = new IssueCollector();
  const aliasBudget = new AliasBudget(MAX_ALIAS_NODES_PER_REVISION);
  const classified = classifyFleetFiles(files);
  issues.addAll(classified.issues);
  const before = options.previous?.memo;
  const memo: LoadMemo = {
    fleetYaml: fleetYamlStep(classified.fleetYaml, before?.fleetYaml),
    files: new Map(),
    nodes: new Map(),
    templated: new Map(),
    nextFileId: before?.nextFileId ?? 1,
  };

  // fleet.yaml and the folder layout.
  issues.addAll(memo.fleetYaml?.issues ?? []);
  const folders = nodeFoldersStep(classified.nodeFolders);
  issues.addAll(folders.issues);
  const { config, issues: configIssues } = parseFleetConfig(memo.fleetYaml?.value ?? null, folders.nodes);
  issues.addAll(configIssues);
  issues.addAll(layoutIssues(config, classified.groupFolders, files.length));

  // Each node's kubelet version: untemplated pods are validated once per version in use.
  const { versions, issues: versionIssues } = resolveNodeVersions(config);
  issues.addAll(versionIssues);
  const strict = config.strict || options.strict === true;
  const judging = {
    minors: new Set([
      config.kubeletMinor ?? NEWEST_KUBELET_MINOR,
      ...[...versions.values()].map((v) => v.minor),
    ]),
    strict,
  };

  // Every manifest parsed once; its untemplated pods validated and rendered once, shared by every node.
  const index = new ManifestIndex();
  let documents = 0;
  for (const [done, file] of classified.manifests.entries()) {
    const step: LoadStep = { stage: "files", done, total: classified.manifests.length };
    yield step;
    const read = yield* failSafe(
      () =>
        readManifest(file, before?.files.get(file.path), () => memo.nextFileId++, judging, { aliasBudget }),
      step,
      // Whatever a file's content makes fail is an error of that file, never of the process.
      (issue) => ({
        id: memo.nextFileId++,
        content: file.content,
        pods: [],
        issues: [issue],
        documents: 0,
        strict,
        prepared: new Map(),
      }),
      { file: file.path },
    );
    memo.files.set(file.path, read);
    issues.addAll(read.issues);
    documents += read.documents;
    index.add(file, read);
  }
  const { prepared, issues: podIssues } = index.prepared(judging.minors);
  issues.addAll(podIssues);

  // Every node composed and rendered; a node whose inputs did not change keeps its document.
  const scratch = new LoadScratch(strict);
  const common = podsOf(index.common);
  const groupPods = new Map([...index.byGroup].map(([g, list]) => [g, podsOf(list)]));
  const sharedKey = JSON.stringify(config.vars) + "|" + idsOf(index.common);
  const nodes = new Map<string, CompiledNode>();
  let podCount = 0;
  const sortedNodes = [...config.nodes.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const [done, node] of sortedNodes.entries()) {
    const step: LoadStep = { stage: "nodes", done, total: sortedNodes.length };
    yield step;
    const groups = groupsForNode(config, node);
    const kubelet = versions.get(node.name);
    if (kubelet === undefined) continue;
    // Everything compileNode reads: a node with the same signature as before compiles to the same document.
    const signature = [
      sharedKey,
      JSON.stringify([node.name, node.declared, node.labels, node.vars, groups, kubelet, strict]),
      ...groups.map((m) => `${m.group}:${idsOf(index.byGroup.get(m.group))}`),
      idsOf(index.byNode.get(node.name)),
    ].join("\n");
    const old = before?.nodes.get(node.name);
    const outcome =
      old?.signature === signature
        ? { compiled: old.compiled, issues: old.issues, expansions: before?.templated.get(node.name) }
        : yield* failSafe(
            () =>
              compileNode({
                node,
                groups,
                config,
                kubelet,
                strict,
                common,
                groupPods,
                own: podsOf(index.byNode.get(node.name)),
                prepared: prepared.get(kubelet.minor) ?? new Map(),
                previous: before?.templated.get(node.name),
                scratch,
              }),
            step,
            (issue) => ({ compiled: undefined, issues: [issue], expansions: new Map() }),
            { nodes: [node.name] },
          );
    if (outcome.expansions !== undefined) memo.templated.set(node.name, outcome.expansions);
    issues.addAll(outcome.issues);
    let compiled = outcome.compiled;
    // The same bytes as before stay the same buffer: shared by both revisions while a rollout holds the old one.
    if (
      compiled !== undefined &&
      old !== undefined &&
      compiled !== old.compiled &&
      compiled.json.equals(old.compiled.json)
    )
      compiled = { ...compiled, json: old.compiled.json };
    if (compiled !== undefined) {
      nodes.set(node.name, compiled);
      memo.nodes.set(node.name, { signature, compiled, issues: outcome.issues });
      podCount += compiled.pods.length;
    }
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
      rollout: config.rollout,
      memo,
    },
  };
}
