// Step 3: every manifest file parsed once, its untemplated pods validated and rendered once; unchanged files reused.
import type { Issue } from "../../lib/issues.js";
import type { YamlReadOptions } from "../../manifests/yaml.js";
import type { ManifestFile } from "../fleet-files.js";
import type { SourcePod } from "../pod-sources.js";
import type { FileMemo, Prepared } from "./load-memo.js";
import { prepareForMinors, readFile, type OffThreadRead, type ReadRequest } from "./read-file.js";

/** How untemplated pods are judged: for each kubelet minor in use, and whether unknown fields are errors. */
export interface Judging {
  minors: ReadonlySet<number>;
  strict: boolean;
}

/**
 * `file` read: `old`'s parse and validations when its bytes and `strict` are the same (validating only for minors
 * it lacks, in a copy), else read anew under the id `newId()` gives. A new read is first asked of the driver (a
 * ReadRequest yielded; its answer is the read done elsewhere) and done here when the driver answers nothing.
 */
export function* readManifest(
  file: ManifestFile,
  old: FileMemo | undefined,
  newId: () => number,
  judging: Judging,
  options: YamlReadOptions = {},
): Generator<ReadRequest | undefined, FileMemo, OffThreadRead | undefined> {
  const { strict } = judging;
  if (old !== undefined && old.content.equals(file.content) && old.strict === strict) {
    const read = { ...old, prepared: new Map(old.prepared) };
    yield* prepareForMinors(read, judging.minors, strict);
    return read;
  }
  const { aliasBudget } = options;
  const request: ReadRequest = {
    stage: "read",
    file,
    minors: [...judging.minors],
    strict,
    aliases: aliasBudget?.state(),
  };
  const answer = yield request;
  if (answer?.aliases !== undefined) aliasBudget?.restore(answer.aliases);
  const { pods, issues, prepared } = answer?.read ?? (yield* readFile(file, judging.minors, strict, options));
  const documents = new Set(pods.map((p) => p.doc)).size;
  return { id: newId(), content: file.content, pods, issues, documents, strict, prepared };
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
