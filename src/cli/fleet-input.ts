// Shared by validate, render and explain: read a fleet from --dir (or a PATH argument) and load it.
import { loadFleet, type LoadResult } from "../fleet/load-fleet.js";
import { digestFleetFiles, readFleetDir } from "../source/dir-source.js";
import type { Snapshot } from "../source/source.js";
import { resolve } from "node:path";

export interface FleetInputOptions {
  dir?: string;
  repo?: string;
  ref?: string;
  subdir?: string;
}

export type SnapshotReader = (options: FleetInputOptions, cwd: string) => Promise<Snapshot>;

/** Reads the fleet folder (default ./manifests). */
export const readDirSnapshot: SnapshotReader = async (options, cwd) => {
  const dir = resolve(cwd, options.dir ?? "manifests");
  const files = await readFleetDir(dir);
  return { revision: digestFleetFiles(files), files, meta: { source: "dir", path: dir } };
};

export async function loadFleetInput(
  options: FleetInputOptions,
  cwd: string,
  read: SnapshotReader = readDirSnapshot,
): Promise<{ snapshot: Snapshot; result: LoadResult }> {
  const snapshot = await read(options, cwd);
  return { snapshot, result: loadFleet(snapshot.files, { revision: snapshot.revision }) };
}
