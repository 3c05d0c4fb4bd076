// One revision sequence for every replica: proposes what this replica fetched and validated, reads what is
// published (LISTEN/NOTIFY, and a poll every D/3), loads announced revisions, and admits node documents.
import type pg from "pg";
import { loadFleetInSlices } from "../fleet/load-fleet.js";
import { messageOf } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import type { LoadedRevision, RevisionStore } from "../revisions/revision-store.js";
import type { DeniedRequest } from "../server/documents/node-lookup.js";
import type { GitFetchResult } from "../source/git-source.js";
import type { Snapshot } from "../source/source.js";
import { DbClock, type ClockBounds } from "./db-clock.js";
import {
  decide,
  mayChange,
  refusal,
  type DecisionPublication,
  type GateDecision,
  type NodeChanges,
  type Publication,
} from "./gate.js";
import { nodeChanges } from "./node-changes.js";
import { PublicationListener } from "./publication-listener.js";
import { proposeRevision, readPublications } from "./publications.js";
import { SeqHistory } from "./seq-history.js";

/** The git side this needs: fetch results (to know when a commit was fetched) and reading any commit. */
export interface ReplicaGit {
  onGitFetch(listener: (result: GitFetchResult) => void): void;
  readCommit(commit: string): Promise<Snapshot>;
}

export interface ReplicaSyncOptions {
  pool: pg.Pool;
  /** For the LISTEN connection. */
  listenConfig: pg.ClientConfig;
  /** D: a change takes effect this long after it is published; a replica that has not read the table for D stops. */
  delayMs: number;
  git: ReplicaGit;
  /** Fetches and loads now (the webhook's sync). */
  sync: () => Promise<unknown>;
  /** What this replica fetched and validated (the follower's store): its new revisions are proposed. */
  proposals: RevisionStore;
  /** What this replica serves: switched to each published revision at its effective time. */
  served: RevisionStore;
  logger: Logger;
  /** Names this replica in the publication table. */
  id: string;
  local?: () => number;
}

/** The rollout decisions this replica serves (the rollout driver): checked per node document. */
export interface ServingDecisions {
  /** The rollout state's version the served documents follow. */
  readonly servingVersion: number;
  /** Re-reads the shared rollout state (a newer decision is published). */
  refresh(): void;
  /** True while a decision changing `node` may or may not be effective at DB time `now`. */
  unsure(node: string, now: ClockBounds): boolean;
  /** True when a decision not read yet could change `node` (it takes part in a rollout, or is held). */
  mayChange(node: string): boolean;
}

/** What /status and tests see. */
export interface ReplicaStatus {
  decision: GateDecision;
  /** The latest revision publication, and how many nodes it changes (null: any). */
  latest: (Omit<Publication, "changes"> & { changedNodes: number | null }) | undefined;
  /** The latest rollout decision published, and the rollout state's version this replica serves from. */
  latestDecision: DecisionPublication | undefined;
  servingVersion: number | undefined;
  loaded: string[];
  lastReadAgoMs: number | undefined;
}

export class ReplicaSync {
  private readonly clock: DbClock;
  private publications: Publication[] = [];
  private decisionPubs: DecisionPublication[] = [];
  /** The changed nodes of each revision publication read (read once per publication). */
  private readonly changes = new Map<number, NodeChanges | null>();
  /** The publication the served revision follows. */
  private servedSeq: number | undefined;
  private decisions: ServingDecisions | undefined;
  private freshUntil: number | undefined;
  private lastReadLocal: number | undefined;
  private readonly history = new SeqHistory();
  private readonly loaded = new Map<string, LoadedRevision>();
  private readonly failedLoads = new Map<string, number>();
  private readonly fetchBase = new Map<string, number>();
  private reading: Promise<void> | undefined;
  private loading: Promise<void> | undefined;
  private proposing: Promise<void> = Promise.resolve();
  private readonly listener: PublicationListener;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readFailing = false;

  constructor(private readonly o: ReplicaSyncOptions) {
    this.clock = new DbClock(o.local);
    this.listener = new PublicationListener(o.listenConfig, () => void this.read());
    o.git.onGitFetch((r) => this.fetched(r));
    o.proposals.onPublish((next) => {
      this.loaded.set(next.fleet.revision, next);
      this.propose(next.fleet.revision);
    });
  }

  /** Reads the publications once (before the first fetch, so its proposal has a base), then keeps reading. */
  async start(): Promise<void> {
    await this.read();
    const tick = () => {
      this.timer = setTimeout(
        () => {
          void this.read().finally(() => {
            if (!this.stopped) tick();
          });
        },
        Math.max(50, Math.floor(this.o.delayMs / 3)),
      );
      this.timer.unref();
    };
    tick();
    this.listener.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.listener.stop();
    await this.reading;
    await this.loading;
    await this.proposing;
  }

  /** The rollout decisions to check node documents against (the rollout driver, once opened). */
  follow(decisions: ServingDecisions): void {
    this.decisions = decisions;
  }

  /** The DB's now as an interval (undefined before the first read). */
  dbTime(): ClockBounds | undefined {
    return this.clock.bounds();
  }

  /** Undefined when this replica knows which revision is current (it may still be loading it), else why not. */
  ready(): DeniedRequest | undefined {
    const d = this.decision();
    return d.kind === "unavailable" && (d.reason === "stale" || d.reason === "unpublished")
      ? refusal(d.reason)
      : undefined;
  }

  /**
   * The hot path's check for `node`: undefined to serve (the served store and the rollout's holds say what), or
   * a 503 to answer. While a new revision is taking effect or loading, only the nodes it may change are refused.
   */
  admit(node: string): DeniedRequest | undefined {
    const d = this.decision();
    const now = this.clock.bounds();
    if (d.kind === "unavailable") {
      const unsure = d.reason === "switching" || d.reason === "loading";
      if (!unsure || now === undefined || this.o.served.current === undefined) return refusal(d.reason);
      if (mayChange(this.publications, this.servedSeq, node, now)) return refusal(d.reason);
    }
    const s = this.decisions;
    if (s === undefined || now === undefined) return undefined;
    if (s.unsure(node, now)) return refusal("deciding");
    // A decision effective (or about to be) that the driver has not read: its nodes cannot be known yet.
    if (this.decisionPubs.some((p) => p.version > s.servingVersion && p.effectiveAt <= now.upper)) {
      s.refresh();
      if (s.mayChange(node)) return refusal("deciding");
    }
    return undefined;
  }

  status(): ReplicaStatus {
    const latest = this.publications.reduce<Publication | undefined>(
      (a, p) => (a === undefined || p.seq > a.seq ? p : a),
      undefined,
    );
    const latestDecision = this.decisionPubs.reduce<DecisionPublication | undefined>(
      (a, p) => (a === undefined || p.seq > a.seq ? p : a),
      undefined,
    );
    return {
      decision: this.decision(),
      latest:
        latest === undefined
          ? undefined
          : {
              seq: latest.seq,
              revision: latest.revision,
              effectiveAt: latest.effectiveAt,
              changedNodes: latest.changes == null ? null : latest.changes.nodes.size,
            },
      latestDecision,
      servingVersion: this.decisions?.servingVersion,
      loaded: [...this.loaded.keys()],
      lastReadAgoMs: this.lastReadLocal === undefined ? undefined : this.now() - this.lastReadLocal,
    };
  }

  /** The gate's decision, switching the served store to the agreed revision when it is due and loaded. */
  private decision(): GateDecision {
    const d = decide({ publications: this.publications, freshUntil: this.freshUntil }, this.clock.bounds());
    if (d.kind !== "serve") return d;
    if (this.o.served.current?.fleet.revision === d.revision) {
      this.servedSeq = d.seq;
      return d;
    }
    const next = this.loaded.get(d.revision);
    if (next === undefined) {
      void this.loadAnnounced();
      return { kind: "unavailable", reason: "loading", retryAfterMs: 1000 };
    }
    this.servedSeq = d.seq;
    this.o.served.publish({ ...next, loadedAt: new Date() });
    this.o.logger.info({ revision: d.revision }, "serving the published revision");
    return d;
  }

  private now(): number {
    return this.clock.local();
  }

  private read(): Promise<void> {
    this.reading ??= this.readOnce().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private async readOnce(): Promise<void> {
    try {
      const known = [...this.changes.keys()].reduce((m, seq) => Math.max(m, seq), 0);
      const r = await readPublications(this.o.pool, this.clock.local, known);
      this.clock.observe(r.clock);
      this.publications = r.publications.map((p) =>
        p.changes === undefined ? { ...p, changes: this.changes.get(p.seq) ?? null } : p,
      );
      this.changes.clear();
      for (const p of this.publications) this.changes.set(p.seq, p.changes ?? null);
      this.decisionPubs = r.decisions;
      this.freshUntil = r.clock.dbNow + this.o.delayMs;
      this.lastReadLocal = r.clock.receivedAt;
      const s = this.decisions;
      if (s !== undefined && r.decisions.some((p) => p.version > s.servingVersion)) s.refresh();
      const top = r.publications.reduce((m, p) => Math.max(m, p.seq), 0);
      this.history.learned(r.clock.sentAt, top);
      if (this.readFailing) this.o.logger.info("reading publications from the database again");
      this.readFailing = false;
    } catch (e) {
      if (!this.readFailing)
        this.o.logger.warn(
          { err: messageOf(e) },
          "cannot read publications from the database; node documents answer 503 once the last read is older than the publication delay",
        );
      this.readFailing = true;
      return;
    }
    this.decision();
    void this.loadAnnounced();
  }

  /** Loads announced revisions this replica lacks (the newest first), one at a time. */
  private loadAnnounced(): Promise<void> {
    this.loading ??= this.loadOnce().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async loadOnce(): Promise<void> {
    const wanted = [...this.publications]
      .sort((a, b) => b.seq - a.seq)
      .slice(0, 2)
      .map((p) => p.revision);
    const keep = new Set([...wanted, this.o.served.current?.fleet.revision]);
    for (const rev of this.loaded.keys()) if (!keep.has(rev)) this.loaded.delete(rev);
    for (const revision of wanted) {
      if (this.stopped || this.loaded.has(revision)) continue;
      if (this.now() - (this.failedLoads.get(revision) ?? -Infinity) < 10_000) continue;
      try {
        const snapshot = await this.o.git.readCommit(revision);
        const result = await loadFleetInSlices(snapshot.files, {
          revision,
          previous: this.o.served.current?.fleet,
        });
        if (!result.ok) throw new Error(`${result.issues.length} validation issues`);
        this.loaded.set(revision, { fleet: result.fleet, loadedAt: new Date(), meta: snapshot.meta });
        this.failedLoads.delete(revision);
      } catch (e) {
        this.failedLoads.set(revision, this.now());
        this.o.logger.error(
          { revision, err: messageOf(e) },
          "cannot load a published revision; its nodes answer 503 on this replica until it loads",
        );
      }
    }
    this.decision();
  }

  /** A fetch: remember what this replica knew when it began; re-propose a validated head that is not published. */
  private fetched(r: GitFetchResult): void {
    if (!r.ok) return;
    const base = this.history.knownAt(this.now() - r.durationMs);
    this.fetchBase.set(r.commit, base);
    if (this.o.proposals.current?.fleet.revision === r.commit) this.propose(r.commit);
  }

  private propose(revision: string): void {
    const base = this.fetchBase.get(revision);
    // Only a commit this replica fetched may be proposed (not one kept from an earlier run of the cache).
    if (base === undefined) return;
    this.proposing = this.proposing.then(async () => {
      if (this.stopped) return;
      try {
        const r = await proposeRevision(
          this.o.pool,
          revision,
          base,
          this.changesSince(base, revision),
          this.o.delayMs,
          this.o.id,
        );
        if (r.kind === "published") {
          this.o.logger.info(
            { revision, seq: r.publication.seq, inMs: this.o.delayMs },
            "published a new revision for every replica",
          );
          void this.read();
        } else if (r.kind === "superseded") {
          // Something was published after this fetch began: fetch again to learn which is newer.
          this.o.logger.debug({ revision, latest: r.latest.revision }, "proposal superseded; fetching again");
          this.fetchBase.delete(revision);
          if (this.history.latest < r.latest.seq) await this.read();
          void this.o.sync();
        }
      } catch (e) {
        this.o.logger.warn({ revision, err: messageOf(e) }, "cannot publish the new revision; retrying");
        const retry = setTimeout(() => {
          if (this.o.proposals.current?.fleet.revision === revision) this.propose(revision);
        }, this.o.delayMs);
        retry.unref();
      }
    });
  }

  /** The nodes whose document differs between publication `base`'s revision and `revision` (null: unknown). */
  private changesSince(base: number, revision: string): NodeChanges | null {
    const from = this.publications.find((p) => p.seq === base)?.revision;
    const a = from === undefined ? undefined : this.loaded.get(from)?.fleet;
    const b = this.loaded.get(revision)?.fleet;
    if (a === undefined || b === undefined) return null;
    return nodeChanges(base, a, b);
  }
}
