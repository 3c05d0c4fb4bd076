// The state store: a rollout's state and events, the fetch ledger and agent reports, behind one async interface.
// The embedded journal (journal-store.ts) implements it under --state-dir. A PostgreSQL backend implements the same
// contract for several replicas, one transaction per call, e.g. with tables
//   rollout(singleton, version, header jsonb)            -- commitRollout: UPDATE … WHERE version = $expected
//   rollout_node(node primary key, participant jsonb)    -- the nodes that changed, upserted; the rest deleted
//   rollout_event(seq bigserial, rollout, at, actor, kind, message, wave, nodes)
//   node_record(kind, node, value jsonb, primary key (kind, node))
import type { PendingServing, ServingChanges } from "../rollout/serving.js";
import type { RolloutEvent, RolloutState } from "../rollout/state.js";

/**
 * The current rollout and its version. Version 0 (and no state) before anything was stored. `pending`: decisions
 * that change served documents and were not yet effective when read (a store whose decisions take effect later,
 * on every replica at once); absent or empty, every decision is effective when committed.
 */
export interface VersionedRollout {
  version: number;
  state: RolloutState | undefined;
  pending?: readonly PendingServing[];
}

/**
 * `ok`: stored, with the new version, and (when it changed served documents and the store delays them) when it
 * takes effect. Not ok: someone else stored first; `version` is the one stored now.
 */
export type CommitResult =
  { ok: true; version: number; effectiveAt?: number } | { ok: false; version: number };

/** An event as stored, numbered in the order it was stored (1, 2, …, across rollouts). */
export interface StoredEvent extends RolloutEvent {
  seq: number;
}

export interface EventQuery {
  /** Only this rollout's events. */
  rollout?: string | undefined;
  /** Only events stored after this number. */
  afterSeq?: number | undefined;
  /** At most this many, the oldest first. Default 1000. */
  limit?: number | undefined;
}

/** Per-node records kept latest-only: the last fetch of each node, the last agent report of each node. */
export type NodeRecordKind = "fetch" | "report";

/** Plain JSON data. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * What every backend provides. Every method is one transaction: it happened whole once its promise resolves (and
 * survives a crash of the process, or of the machine where the backend says so), or not at all when it rejects.
 * States and events given to the store must not be changed afterwards (it may keep them as they are).
 */
export interface StateStore {
  /** The current rollout (the one the API shows) with its version. */
  readRollout(): Promise<VersionedRollout>;
  /**
   * Compare-and-set: when the stored version is `expected`, stores `state` (undefined: no current rollout) and
   * appends `events`, together; otherwise changes nothing. Only the writer holding the latest version can move a
   * rollout, so two replicas never both decide. `serving`: the nodes whose served document this changes, with
   * what they were served (a store shared by replicas publishes them with an effective time).
   */
  commitRollout(
    expected: number,
    state: RolloutState | undefined,
    events: readonly RolloutEvent[],
    serving?: ServingChanges,
  ): Promise<CommitResult>;
  /** Stored events, oldest first. Backends keep at least the latest 10,000. */
  readEvents(query?: EventQuery): Promise<StoredEvent[]>;
  /** Replaces the record of each named node of `kind`, in one write (batch the hot path's records). */
  putNodeRecords(kind: NodeRecordKind, records: ReadonlyArray<readonly [string, Json]>): Promise<void>;
  /** Every node's latest record of `kind`. Stored data: validate before use. */
  readNodeRecords(kind: NodeRecordKind): Promise<Map<string, unknown>>;
  /** Finishes pending writes and releases the store (its lock, its files). */
  close(): Promise<void>;
}

/** Events kept by the embedded store; older ones are dropped when it compacts. */
export const KEPT_EVENTS = 10_000;
