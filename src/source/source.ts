// What every revision source (a folder, a git repository) provides: snapshots of the fleet tree and change events.
import type { FleetFile } from "../fleet/fleet-files.js";

/** One readable state of the fleet. `revision` identifies it: a git commit, or a content digest outside git. */
export interface Snapshot {
  revision: string;
  files: FleetFile[];
  /** Facts shown in /status, e.g. commit subject and author, or the folder path. */
  meta: Record<string, string>;
}

export interface FleetSource {
  /** For logs and /status: `dir:/srv/fleet`, `git:https://…#main`. */
  readonly description: string;
  /** Reads the current state. Throws a ManifestServerError when the source cannot be read at all. */
  snapshot(): Promise<Snapshot>;
  /**
   * Calls `onChange` when the source may have changed; returns a function that stops watching and resolves once
   * nothing started by the watch is still running.
   */
  watch(onChange: () => void): () => void | Promise<void>;
  /**
   * The revision this source last recorded as served (e.g. before a restart), for a start whose newest revision is
   * rejected; undefined when none is recorded. Sources without such a record omit it.
   */
  lastServed?(): Promise<Snapshot | undefined>;
}
