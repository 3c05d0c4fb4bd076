// The served state: the current good revision, switched atomically, and the last rejection or source error.
import type { CompiledFleet } from "../fleet/load-fleet.js";
import type { Issue } from "../lib/issues.js";

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

export class RevisionStore {
  private loaded: LoadedRevision | undefined;
  private error: LastError | undefined;
  private readonly listeners: Array<(next: LoadedRevision, previous: LoadedRevision | undefined) => void> =
    [];

  /** The revision being served, or undefined before the first good one. */
  get current(): LoadedRevision | undefined {
    return this.loaded;
  }

  get lastError(): LastError | undefined {
    return this.error;
  }

  /** Switches to `next` in one assignment: a request sees the old or the new revision, never a mix. */
  publish(next: LoadedRevision): void {
    const previous = this.loaded;
    this.loaded = next;
    this.error = undefined;
    for (const l of this.listeners) l(next, previous);
  }

  /** Records a failure; the current revision keeps being served untouched. */
  fail(error: LastError): void {
    this.error = error;
  }

  /** The source is readable again and holds exactly the served revision: nothing is wrong any more. */
  clearError(): void {
    this.error = undefined;
  }

  onPublish(listener: (next: LoadedRevision, previous: LoadedRevision | undefined) => void): void {
    this.listeners.push(listener);
  }
}
