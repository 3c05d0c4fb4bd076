// Follows a source: on every change, load and validate the whole fleet, then publish it or keep the old one.
import { loadFleetInSlices, type CompiledFleet, type LoadResult } from "../fleet/load-fleet.js";
import type { FileReader } from "../fleet/load/read-file.js";
import { ManifestServerError, messageOf } from "../lib/errors.js";
import { countErrors } from "../lib/issue-collector.js";
import { errorsIn, formatIssue } from "../lib/issues.js";
import type { Logger } from "../lib/logger.js";
import { SingleFlight } from "../lib/single-flight.js";
import type { FleetSource, Snapshot } from "../source/source.js";
import type { RevisionStore } from "./revision-store.js";

export type RefreshOutcome =
  | { kind: "published"; revision: string }
  | { kind: "unchanged"; revision: string }
  | { kind: "rejected"; revision: string; errors: number }
  | { kind: "source-error"; message: string }
  | { kind: "stopped" };

export interface FollowerDeps {
  source: FleetSource;
  store: RevisionStore;
  logger: Logger;
  now?: () => Date;
  /** The loader (injectable for tests); whatever it throws is a rejected revision, never a failure of the process. */
  load?: (snapshot: Snapshot, previous: CompiledFleet | undefined) => Promise<LoadResult>;
  /** Where the default loader reads large files (default: the process's pool of reader threads). */
  reader?: FileReader;
}

/**
 * The one boundary around every revision load: any exception becomes a rejection with an error issue saying what
 * failed, so no input (however hostile) ends the process, whether the load came from a watcher, a poll, a webhook
 * or SIGHUP.
 */
export async function loadGuarded(load: () => Promise<LoadResult>): Promise<LoadResult> {
  try {
    return await load();
  } catch (e) {
    const message = e instanceof Error ? `${e.name === "Error" ? "" : `${e.name}: `}${e.message}` : String(e);
    return {
      ok: false,
      issues: [
        {
          severity: "error",
          code: "load-failed",
          message: `the revision could not be loaded: ${message.slice(0, 500)}`,
        },
      ],
    };
  }
}

/** Serialises refreshes: at most one load runs; calls made meanwhile share one follow-up load. */
export class FleetFollower {
  // At most one load runs; calls made meanwhile share one follow-up load.
  private readonly flight = new SingleFlight<RefreshOutcome>(() =>
    this.stopped
      ? Promise.resolve<RefreshOutcome>({ kind: "stopped" })
      : this.load().catch((e: unknown): RefreshOutcome => {
          // Never a rejected promise: callers fire refreshes from watchers and signals without awaiting them.
          const message = messageOf(e);
          this.deps.logger.error({ err: message }, "refresh failed; still serving the last good revision");
          return { kind: "source-error", message };
        }),
  );
  private rejectedRevision: string | undefined;
  private sourceError: string | undefined;
  private stopped = false;
  private stopWatching: (() => void | Promise<void>) | undefined;
  private readonly now: () => Date;

  constructor(private readonly deps: FollowerDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Loads once, then reloads whenever the source reports a change. */
  async start(): Promise<RefreshOutcome> {
    const first = await this.refresh();
    this.stopWatching = this.deps.source.watch(() => void this.refresh());
    return first;
  }

  /** Stops watching and resolves once a load in progress has finished, so nothing touches the source after it. */
  async stop(): Promise<void> {
    const stopWatching = this.stopWatching;
    this.stopWatching = undefined;
    await stopWatching?.();
    this.stopped = true;
    await this.flight.idle();
  }

  /** Reads the source and publishes its revision if it is new and valid. Never throws. */
  refresh(): Promise<RefreshOutcome> {
    if (this.stopped) return Promise.resolve({ kind: "stopped" });
    return this.flight.run();
  }

  private async load(): Promise<RefreshOutcome> {
    const { source, store, logger } = this.deps;
    let snapshot;
    try {
      snapshot = await source.snapshot();
    } catch (e) {
      const message = messageOf(e);
      const hint = e instanceof ManifestServerError && e.hint !== undefined ? ` (${e.hint})` : "";
      // Polling repeats a failure every few seconds: log it when it starts or changes, not on every attempt.
      if (this.sourceError !== message)
        logger.error(
          { source: source.description, err: message },
          store.current === undefined
            ? "cannot read the fleet source; nothing is served yet (node documents answer 503)"
            : "cannot read the fleet source; still serving the last good revision",
        );
      this.sourceError = message;
      store.fail({ at: this.now(), kind: "source", message: message + hint });
      return { kind: "source-error", message };
    }
    if (this.sourceError !== undefined) {
      logger.info({ source: source.description }, "the fleet source is readable again");
      this.sourceError = undefined;
    }
    const current = store.current;
    if (current !== undefined && current.fleet.revision === snapshot.revision) {
      store.clearError();
      return { kind: "unchanged", revision: snapshot.revision };
    }
    if (this.rejectedRevision === snapshot.revision)
      return {
        kind: "rejected",
        revision: snapshot.revision,
        errors: errorsIn(store.lastError?.issues ?? []).length,
      };

    // Reusing the served revision re-renders only what the change touches; the result is the same as a full load.
    const result = await this.loadSnapshot(snapshot, current?.fleet);
    if (!result.ok) {
      const errors = errorsIn(result.issues);
      const errorCount = countErrors(result.issues);
      this.rejectedRevision = snapshot.revision;
      // Nothing served yet (a start): serve the revision this source served last, if it still validates.
      const fallback = current === undefined ? await this.fallback(snapshot.revision) : undefined;
      const served = fallback ?? current?.fleet.revision;
      const message =
        `revision ${snapshot.revision} rejected: ${errorCount} error${errorCount === 1 ? "" : "s"}; ` +
        (served === undefined ? "nothing is served yet" : `still serving ${served}`);
      store.fail({
        at: this.now(),
        kind: "rejected",
        revision: snapshot.revision,
        message,
        meta: snapshot.meta,
        issues: result.issues,
      });
      logger.error(
        { revision: snapshot.revision, errors: errorCount, issues: errors.slice(0, 50).map(formatIssue) },
        message,
      );
      return { kind: "rejected", revision: snapshot.revision, errors: errorCount };
    }
    this.rejectedRevision = undefined;
    store.publish({ fleet: result.fleet, loadedAt: this.now(), meta: snapshot.meta });
    logger.info(
      {
        revision: snapshot.revision,
        previous: current?.fleet.revision,
        ...result.fleet.stats,
        warnings: result.fleet.warnings.length,
      },
      "serving new revision",
    );
    return { kind: "published", revision: snapshot.revision };
  }

  private loadSnapshot(snapshot: Snapshot, previous: CompiledFleet | undefined): Promise<LoadResult> {
    const load =
      this.deps.load ??
      ((snap: Snapshot, prev: CompiledFleet | undefined) =>
        loadFleetInSlices(snap.files, { revision: snap.revision, previous: prev, reader: this.deps.reader }));
    return loadGuarded(() => load(snapshot, previous));
  }

  /** Loads and publishes the source's last served revision (not `rejected`); its revision, or undefined. */
  private async fallback(rejected: string): Promise<string | undefined> {
    const { source, store, logger } = this.deps;
    let snapshot: Snapshot | undefined;
    try {
      snapshot = await source.lastServed?.();
    } catch (e) {
      logger.warn({ err: messageOf(e) }, "cannot read the last served revision");
      return undefined;
    }
    if (snapshot === undefined || snapshot.revision === rejected) return undefined;
    const result = await this.loadSnapshot(snapshot, undefined);
    if (!result.ok) return undefined;
    store.publish({ fleet: result.fleet, loadedAt: this.now(), meta: snapshot.meta });
    logger.warn(
      { revision: snapshot.revision, rejected },
      "the newest revision is rejected: serving the last revision served before the restart",
    );
    return snapshot.revision;
  }
}
