// Shared by validate, render, explain and diff: read a fleet from --dir (or a PATH argument) or a git revision, and load it.
import { loadFleet, type LoadResult, type LoadStep } from "../fleet/load-fleet.js";
import { digestFleetFiles, readFleetDir } from "../source/dir-source.js";
import { readGitRevision } from "../source/git-revision.js";
import type { Snapshot } from "../source/source.js";
import { resolve } from "node:path";

export interface FleetInputOptions {
  dir?: string;
  repo?: string;
  ref?: string;
  subdir?: string;
  /** A branch, tag or commit to read from the repository (default: --ref). */
  rev?: string;
  /** Where repositories given by URL are fetched. */
  cacheDir?: string;
}

export type SnapshotReader = (options: FleetInputOptions, cwd: string) => Promise<Snapshot>;

/** Reads the fleet folder (default ./manifests). */
export const readDirSnapshot: SnapshotReader = async (options, cwd) => {
  const dir = resolve(cwd, options.dir ?? "manifests");
  const files = await readFleetDir(dir);
  return { revision: digestFleetFiles(files), files, meta: { source: "dir", path: dir } };
};

/** Reads `--rev` (default `--ref`, then main) of `--repo` (default: the repository around `cwd`) with the git env `env`. */
export function gitSnapshotReader(env: NodeJS.ProcessEnv, defaultCacheDir: string): SnapshotReader {
  return (options, cwd) =>
    readGitRevision({
      ...(options.repo === undefined ? {} : { repo: options.repo }),
      rev: options.rev ?? options.ref ?? "main",
      subdir: options.subdir ?? "manifests",
      cwd,
      env,
      cacheDir: options.cacheDir ?? defaultCacheDir,
    });
}

/** Git when `--repo` or `--rev` is given, the folder otherwise. */
export function fleetSnapshotReader(env: NodeJS.ProcessEnv, defaultCacheDir: string): SnapshotReader {
  const fromGit = gitSnapshotReader(env, defaultCacheDir);
  return (options, cwd) =>
    options.repo !== undefined || options.rev !== undefined
      ? fromGit(options, cwd)
      : readDirSnapshot(options, cwd);
}

export async function loadFleetInput(
  options: FleetInputOptions,
  cwd: string,
  read: SnapshotReader = readDirSnapshot,
  onProgress?: (step: LoadStep) => void,
  strict?: boolean,
): Promise<{ snapshot: Snapshot; result: LoadResult }> {
  const snapshot = await read(options, cwd);
  return { snapshot, result: loadFleet(snapshot.files, { revision: snapshot.revision, onProgress, strict }) };
}
