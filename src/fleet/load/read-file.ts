// One manifest file read: parsed, its untemplated pods validated and rendered per kubelet minor. The same code runs
// inline and in a reader thread (read-worker.ts), so both give the same result.
import type { Issue } from "../../lib/issues.js";
import type { AliasBudgetState, YamlReadOptions } from "../../manifests/yaml.js";
import type { ManifestFile } from "../fleet-files.js";
import { readPodSources, type SourcePod } from "../pod-sources.js";
import type { PreparedMemo } from "./load-memo.js";
import { preparePod, validateSource } from "./prepare-pod.js";

/** How many pods are validated or compiled between two pauses of the loader. */
export const PODS_PER_STEP = 8;

/** A file's pods, the issues reading it found, and per kubelet minor each untemplated pod validated and prepared. */
export interface FileRead {
  pods: SourcePod[];
  issues: Issue[];
  prepared: Map<number, Map<SourcePod, PreparedMemo>>;
}

/**
 * A file the loader needs read, as it asks its driver: `aliases` is the revision's alias budget so far (undefined
 * when unbounded by a revision). A driver may answer with the read done elsewhere, or with nothing to have it read
 * inline.
 */
export interface ReadRequest {
  stage: "read";
  file: ManifestFile;
  minors: number[];
  strict: boolean;
  aliases: AliasBudgetState | undefined;
}

/** A request's answer: the read, and the revision's alias budget after it. */
export interface OffThreadRead {
  read: FileRead;
  aliases: AliasBudgetState | undefined;
}

/**
 * Reads files for the loader away from the event loop. `read` resolves with undefined when the file is better read
 * inline (small); it rejects when the file cannot be read (the loader turns that into an error of the file).
 */
export interface FileReader {
  read(request: ReadRequest): Promise<OffThreadRead | undefined>;
}

/** Validates and prepares `read`'s untemplated pods for every minor of `minors` it lacks, pausing every few pods. */
export function* prepareForMinors(
  read: Pick<FileRead, "pods" | "prepared">,
  minors: Iterable<number>,
  strict: boolean,
): Generator<undefined, void, unknown> {
  for (const minor of minors) {
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
}

/** `file` read anew: parsed (bounded by `options`), then prepared for each of `minors`. Pauses like prepareForMinors. */
export function* readFile(
  file: ManifestFile,
  minors: Iterable<number>,
  strict: boolean,
  options: YamlReadOptions = {},
): Generator<undefined, FileRead, unknown> {
  const { pods, issues } = readPodSources(file, options);
  const read: FileRead = { pods, issues, prepared: new Map() };
  yield* prepareForMinors(read, minors, strict);
  return read;
}
