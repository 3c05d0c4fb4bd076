// Follows a source: on every change, load and validate the whole fleet, then publish it or keep the old one.
import { loadFleetInSlices } from "../fleet/load-fleet.js";
import { ManifestServerError, messageOf } from "../lib/errors.js";
import { errorsIn, formatIssue } from "../lib/issues.js";
import type { Logger } from "../lib/logger.js";
import type { FleetSource } from "../source/source.js";
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
}

/** Serialises refreshes: at most one load runs; calls made meanwhile share one follow-up load. */
export class FleetFollower {
  private running: Promise<RefreshOutcome> | undefined;
  private queued: Promise<RefreshOutcome> | undefined;
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
    await this.queued;
    await this.running;
  }

  /** Reads the source and publishes its revision if it is new and valid. Never throws. */
  refresh(): Promise<RefreshOutcome> {
    if (this.stopped) return Promise.resolve({ kind: "stopped" });
    if (this.running === undefined) {
      this.running = this.load().finally(() => {
        this.running = undefined;
      });
      return this.running;
    }
    this.queued ??= this.running.then(() => {
      this.queued = undefined;
      return this.refresh();
    });
    return this.queued;
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
    const result = await loadFleetInSlices(snapshot.files, {
      revision: snapshot.revision,
      previous: current?.fleet,
    });
    if (!result.ok) {
      const errors = errorsIn(result.issues);
      this.rejectedRevision = snapshot.revision;
      const message =
        `revision ${snapshot.revision} rejected: ${errors.length} error${errors.length === 1 ? "" : "s"}; ` +
        (current === undefined ? "nothing is served yet" : `still serving ${current.fleet.revision}`);
      store.fail({
        at: this.now(),
        kind: "rejected",
        revision: snapshot.revision,
        message,
        meta: snapshot.meta,
        issues: result.issues,
      });
      logger.error(
        { revision: snapshot.revision, errors: errors.length, issues: errors.slice(0, 50).map(formatIssue) },
        message,
      );
      return { kind: "rejected", revision: snapshot.revision, errors: errors.length };
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
}
