// A sync of a git source (webhook, SIGHUP): git fetch the branch, load the fetched commit, say what is served now.
import { errorsIn, formatIssue } from "../lib/issues.js";
import type { GitFleetSource } from "../source/git-source.js";
import type { FleetFollower } from "./follower.js";
import type { RevisionStore } from "./revision-store.js";

/** What a sync (git fetch, then load) ended with, as the webhook answers it (`fetch-failed` is part of that JSON). */
export type SyncOutcome =
  | { outcome: "published" | "unchanged"; revision: string; subject?: string; author?: string }
  | {
      outcome: "rejected";
      revision: string;
      served: string | null;
      subject?: string;
      author?: string;
      message: string;
      errors: string[];
    }
  | { outcome: "fetch-failed"; served: string | null; message: string };

/** Syncs: git fetches the branch and loads the fetched commit; concurrent calls share the source's and follower's runs. */
export function createGitSync(deps: {
  source: GitFleetSource;
  follower: FleetFollower;
  store: RevisionStore;
}): () => Promise<SyncOutcome> {
  const { source, follower, store } = deps;
  return async () => {
    const fetched = await source.gitFetch();
    const served = (): string | null => store.current?.fleet.revision ?? null;
    if (!fetched.ok) return { outcome: "fetch-failed", served: served(), message: fetched.message };
    const before = served();
    await follower.refresh();
    const loaded = store.current;
    const err = store.lastError;
    if (err?.kind === "rejected" && err.revision === fetched.commit)
      return {
        outcome: "rejected",
        revision: fetched.commit,
        served: served(),
        ...(err.meta?.subject === undefined ? {} : { subject: err.meta.subject }),
        ...(err.meta?.author === undefined ? {} : { author: err.meta.author }),
        message: err.message,
        errors: errorsIn(err.issues ?? []).map(formatIssue),
      };
    if (loaded === undefined)
      return {
        outcome: "fetch-failed",
        served: null,
        message: err?.message ?? "the fetched commit could not be read",
      };
    // A newer commit may have been loaded meanwhile (another hook or the poll): report what is served.
    return {
      outcome: loaded.fleet.revision !== before ? "published" : "unchanged",
      revision: loaded.fleet.revision,
      ...(loaded.meta.subject === undefined ? {} : { subject: loaded.meta.subject }),
      ...(loaded.meta.author === undefined ? {} : { author: loaded.meta.author }),
    };
  };
}
