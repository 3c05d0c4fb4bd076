// The served state: the current good revision, switched atomically, and the last rejection or source error.
import type { CompiledFleet } from "../fleet/load-fleet.js";
import { errorsIn, formatIssue, type Issue } from "../lib/issues.js";

export interface LoadedRevision {
  fleet: CompiledFleet;
  loadedAt: Date;
  meta: Record<string, string>;
}

/** A revision that failed validation, or a source that could not be read. */
export interface LastError {
  at: Date;
  /** `rejected` (validation failed) or `source` (could not read/fetch). */
  kind: "rejected" | "source";
  revision?: string;
  message: string;
  meta?: Record<string, string>;
  issues?: Issue[];
}

/** How following a git remote is going (its git fetches); absent for sources that are not git. */
export interface GitSyncHealth {
  lastAttemptAt: Date;
  lastSuccessAt: Date | undefined;
  /** The commit the last successful git fetch found. */
  fetchedRevision: string | undefined;
  /** The last failure, cleared by the next success. */
  lastError: { at: Date; message: string } | undefined;
}

/** Event counts since start, shown in /status and logs and exported by /metrics. */
export interface StoreCounters {
  published: number;
  rejected: number;
  sourceErrors: number;
  /** Git fetches and failed ones (these names are part of /status). */
  fetches: number;
  fetchFailures: number;
}

/** One entry of the revision history: a revision published, or one rejected and why. */
export interface RevisionEvent {
  at: Date;
  kind: "published" | "rejected";
  revision: string;
  /** Source details (git: subject, author, committedAt). */
  meta: Record<string, string>;
  /** Why a revision was rejected. */
  message?: string;
  /** The first errors of a rejected revision, formatted (`file (document N) path: message`). */
  errors?: string[];
  errorCount?: number;
}

const SHOWN_ERRORS = 20;

/** One git fetch: the commit it found, or why it failed. */
export type GitFetchEvent =
  { at: Date; ok: true; revision: string } | { at: Date; ok: false; message: string };

export class RevisionStore {
  private loaded: LoadedRevision | undefined;
  private error: LastError | undefined;
  private gitState: GitSyncHealth | undefined;
  private readonly count: StoreCounters = {
    published: 0,
    rejected: 0,
    sourceErrors: 0,
    fetches: 0,
    fetchFailures: 0,
  };
  private readonly listeners: Array<(next: LoadedRevision, previous: LoadedRevision | undefined) => void> =
    [];
  private readonly events: RevisionEvent[] = [];

  /** `historySize`: how many published and rejected revisions `history` keeps. */
  constructor(private readonly historySize = 50) {}

  /** Published and rejected revisions, newest first, at most `historySize`. */
  get history(): readonly RevisionEvent[] {
    return this.events;
  }

  private remember(event: RevisionEvent): void {
    this.events.unshift(event);
    if (this.events.length > this.historySize) this.events.length = this.historySize;
  }

  /** The revision being served, or undefined before the first good one. */
  get current(): LoadedRevision | undefined {
    return this.loaded;
  }

  get lastError(): LastError | undefined {
    return this.error;
  }

  get gitSync(): GitSyncHealth | undefined {
    return this.gitState;
  }

  /** A copy of the counters. */
  get counters(): StoreCounters {
    return { ...this.count };
  }

  /** Records one git fetch of a git source. */
  recordGitFetch(event: GitFetchEvent): void {
    const prev = this.gitState;
    this.count.fetches++;
    if (event.ok)
      this.gitState = {
        lastAttemptAt: event.at,
        lastSuccessAt: event.at,
        fetchedRevision: event.revision,
        lastError: undefined,
      };
    else {
      this.count.fetchFailures++;
      this.gitState = {
        lastAttemptAt: event.at,
        lastSuccessAt: prev?.lastSuccessAt,
        fetchedRevision: prev?.fetchedRevision,
        lastError: { at: event.at, message: event.message },
      };
    }
  }

  /** Switches to `next` in one assignment: a request sees the old or the new revision, never a mix. */
  publish(next: LoadedRevision): void {
    const previous = this.loaded;
    this.loaded = next;
    this.error = undefined;
    this.count.published++;
    this.remember({ at: next.loadedAt, kind: "published", revision: next.fleet.revision, meta: next.meta });
    for (const l of this.listeners) l(next, previous);
  }

  /** Records a failure; the current revision keeps being served untouched. */
  fail(error: LastError): void {
    this.error = error;
    if (error.kind === "rejected") {
      this.count.rejected++;
      const errors = errorsIn(error.issues ?? []);
      this.remember({
        at: error.at,
        kind: "rejected",
        revision: error.revision ?? "",
        meta: error.meta ?? {},
        message: error.message,
        errors: errors.slice(0, SHOWN_ERRORS).map(formatIssue),
        errorCount: errors.length,
      });
    } else this.count.sourceErrors++;
  }

  /** The source is readable again and holds exactly the served revision: nothing is wrong any more. */
  clearError(): void {
    this.error = undefined;
  }

  onPublish(listener: (next: LoadedRevision, previous: LoadedRevision | undefined) => void): void {
    this.listeners.push(listener);
  }
}
