// Opens what rollouts need in a server: the state store (a journal under the state folder, or memory), the documents
// held nodes are served, the probe runner and the driver that ties them to the served revision.
import type { Logger } from "../lib/logger.js";
import { DocumentPack } from "../rollout/document-pack.js";
import type { ByNode, ReportSeen } from "../rollout/observations.js";
import { ProbeRunner, type ProbeOptions } from "../rollout/probes.js";
import { RolloutDriver } from "../revisions/rollout-driver.js";
import type { RevisionStore } from "../revisions/revision-store.js";
import type { TimeBounds } from "../rollout/serving.js";
import { JournalStore, type JournalStats } from "../store/journal-store.js";
import { MemoryStore } from "../store/memory-store.js";
import type { StateStore } from "../store/store.js";
import type { Snapshot } from "../source/source.js";
import { reproduceFrom } from "../revisions/held-recovery.js";
import type { FleetView } from "./app.js";
import { SharedFleetView, type SharedViewCounters } from "./fleet-view/shared-view.js";
import { NodeSelection } from "./documents/node-selection.js";
import { nodeEtag } from "./documents/etag.js";
import { registerRolloutMetrics } from "./views/rollout-metrics.js";

export interface RolloutOptions {
  /** The clock of decisions (default Date.now). */
  now?: () => number;
  /** How often the driver steps the rollout. Default 1 s. */
  tickMs?: number;
  probe?: ProbeOptions;
  /** Only the leader decides (replicas); default: always. */
  isLeader?: () => boolean | Promise<boolean>;
  /** A state store owned elsewhere (the replicas' PostgreSQL); default: a journal in `stateDir`, or memory. */
  state?: StateStore | undefined;
  /** The replicas' database clock: decisions take effect at the time the store gives them. */
  dbTime?: (() => TimeBounds | undefined) | undefined;
  /**
   * Reads any revision's files (a git source's readCommit): held documents this server lacks are re-rendered from
   * it. Absent (a folder source): such nodes answer 503 until the rollout moves them.
   */
  readRevision?: ((revision: string) => Promise<Snapshot>) | undefined;
}

export interface Rollouts {
  driver: RolloutDriver;
  state: StateStore;
  selection: NodeSelection;
  /** With a state folder: what the fetch ledger and agent reports cost in the journal (/status shows it). */
  persisted?: () => { fleetView: SharedViewCounters; journal: JournalStats };
  close(): Promise<void>;
}

/** How long fetches and reports wait before their batch goes to the journal (one fsync per kind and batch). */
const JOURNAL_FLUSH_MS = 1000;

/** Agent reports as the planner reads them. */
function reportsOf(view: FleetView): ByNode<ReportSeen> {
  return {
    get(node) {
      const r = view.reports.get(node);
      return r === undefined
        ? undefined
        : { at: r.receivedAt, revision: r.revision, etag: r.etag, pods: r.pods, errors: r.errors };
    },
  };
}

/** Opens the rollout state (before the first revision is published, so held nodes stay held across a restart). */
export async function openRollouts(
  o: RolloutOptions & {
    store: RevisionStore;
    fleetView: FleetView;
    logger: Logger;
    stateDir?: string | undefined;
    /** The nodes held, as the hot path reads them; default a new one. */
    selection?: NodeSelection;
  },
): Promise<Rollouts> {
  const owned = o.state === undefined;
  const journal =
    o.state === undefined && o.stateDir !== undefined ? await JournalStore.open(o.stateDir) : undefined;
  const state: StateStore = o.state ?? journal ?? new MemoryStore();
  const selection = o.selection ?? new NodeSelection();
  // A single server is a replica set of one: its fetch ledger and agent reports go to its own journal, read back
  // here before the first rollout decision (so a node that fetched its new document before a restart has).
  const view =
    journal === undefined
      ? undefined
      : new SharedFleetView({
          store: journal,
          ledger: o.fleetView.ledger,
          reports: o.fleetView.reports,
          logger: o.logger,
          flushMs: JOURNAL_FLUSH_MS,
          what: "keeping the fetch ledger and agent reports in the state folder",
        });
  try {
    await view?.start();
    const driver = await RolloutDriver.open({
      revisions: o.store,
      state,
      pack: o.stateDir === undefined ? undefined : new DocumentPack(o.stateDir),
      reproduce:
        o.readRevision === undefined
          ? undefined
          : reproduceFrom({ read: o.readRevision, current: () => o.store.current?.fleet, etagOf: nodeEtag }),
      selection,
      etagOf: nodeEtag,
      fetches: o.fleetView.ledger,
      reports: reportsOf(o.fleetView),
      watch: (listener) => {
        o.fleetView.ledger.onChange(listener);
        o.fleetView.reports.onChange(listener);
      },
      probes: new ProbeRunner({ ...(o.now === undefined ? {} : { now: o.now }), ...o.probe }),
      logger: o.logger,
      ...(o.now === undefined ? {} : { now: o.now }),
      ...(o.tickMs === undefined ? {} : { tickMs: o.tickMs }),
      ...(o.isLeader === undefined ? {} : { isLeader: o.isLeader }),
      ...(o.dbTime === undefined ? {} : { dbTime: o.dbTime }),
    });
    registerRolloutMetrics(o.fleetView.metrics.registry, () => driver.state);
    return {
      driver,
      state,
      selection,
      ...(journal === undefined || view === undefined
        ? {}
        : { persisted: () => ({ fleetView: { ...view.counters }, journal: journal.stats }) }),
      async close() {
        await driver.close();
        await view?.close();
        if (owned) await state.close();
      },
    };
  } catch (e) {
    await view?.close();
    if (owned) await state.close();
    throw e;
  }
}
