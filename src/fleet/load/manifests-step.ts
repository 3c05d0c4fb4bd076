// Step 3: every manifest file parsed once, its untemplated pods validated and rendered once; unchanged files reused.
import type { Issue } from "../../lib/issues.js";
import type { YamlReadOptions } from "../../manifests/yaml.js";
import type { ManifestFile } from "../fleet-files.js";
import { readPodSources, type SourcePod } from "../pod-sources.js";
import type { FileMemo, Prepared, PreparedMemo } from "./load-memo.js";
import { preparePod, validateSource } from "./prepare-pod.js";

/** How many pods are validated or compiled between two pauses of the loader. */
export const PODS_PER_STEP = 8;

/** How untemplated pods are judged: for each kubelet minor in use, and whether unknown fields are errors. */
export interface Judging {
  minors: ReadonlySet<number>;
  strict: boolean;
}

/**
 * `file` read: `old`'s parse and validations when its bytes and `strict` are the same (validating only for minors
 * it lacks, in a copy), else parsed anew under the id `newId()` gives. Untemplated pods are validated per minor.
 */
export function* readManifest(
  file: ManifestFile,
  old: FileMemo | undefined,
  newId: () => number,
  judging: Judging,
  options: YamlReadOptions = {},
): Generator<void, FileMemo, undefined> {
  const { strict } = judging;
  let read: FileMemo;
  if (old !== undefined && old.content.equals(file.content) && old.strict === strict)
    read = { ...old, prepared: new Map(old.prepared) };
  else {
    const { pods, issues } = readPodSources(file, options);
    const documents = new Set(pods.map((p) => p.doc)).size;
    read = { id: newId(), content: file.content, pods, issues, documents, strict, prepared: new Map() };
  }
  for (const minor of judging.minors) {
    if (read.prepared.has(minor)) continue;
    const byPod = new Map<SourcePod, PreparedMemo>();
    for (const [i, s] of read.pods.entries()) {
      // A pause every few pods: validating a file of many pods is itself a long piece of work.
      if (i % PODS_PER_STEP === PODS_PER_STEP - 1) yield;
      if (s.templated) continue;
      const found = validateSource(s, s.value, { minor, strict });
      byPod.set(s, { prepared: preparePod(s, s.value, found), issues: found });
    }
    read.prepared.set(minor, byPod);
  }
  return read;
}

/** The files of a revision by layer, in the order read. */
export class ManifestIndex {
  readonly common: FileMemo[] = [];
  readonly byGroup = new Map<string, FileMemo[]>();
  readonly byNode = new Map<string, FileMemo[]>();

  add(file: ManifestFile, read: FileMemo): void {
    const layer = file.layer;
    const list =
      layer.kind === "common"
        ? this.common
        : layer.kind === "group"
          ? (this.byGroup.get(layer.group) ?? this.byGroup.set(layer.group, []).get(layer.group)!)
          : (this.byNode.get(layer.node) ?? this.byNode.set(layer.node, []).get(layer.node)!);
    list.push(read);
  }

  /** Per kubelet minor, every untemplated pod prepared (undefined where invalid), and the issues reported. */
  prepared(minors: ReadonlySet<number>): {
    prepared: Map<number, Map<SourcePod, Prepared | undefined>>;
    issues: Issue[];
  } {
    const prepared = new Map<number, Map<SourcePod, Prepared | undefined>>();
    const issues: Issue[] = [];
    for (const minor of minors) {
      const byPod = new Map<SourcePod, Prepared | undefined>();
      prepared.set(minor, byPod);
      for (const list of [this.common, ...this.byGroup.values(), ...this.byNode.values()])
        for (const read of list)
          for (const [s, p] of read.prepared.get(minor) ?? []) {
            issues.push(...p.issues);
            byPod.set(s, p.prepared);
          }
    }
    return { prepared, issues };
  }
}

/** The pod definitions of some files, in order. */
export function podsOf(list: readonly FileMemo[] | undefined): SourcePod[] {
  return (list ?? []).flatMap((f) => f.pods);
}

/** The files' ids: equal strings mean the same bytes (used in node signatures). */
export function idsOf(list: readonly FileMemo[] | undefined): string {
  return (list ?? []).map((f) => f.id).join(",");
}
