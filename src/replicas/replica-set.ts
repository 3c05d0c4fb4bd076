// Several servers on one PostgreSQL: the shared state store, the agreed revision, the fleet view and the leader.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "../lib/logger.js";
import type { RevisionStore } from "../revisions/revision-store.js";
import type { DeniedRequest } from "../server/documents/node-lookup.js";
import type { AgentReports } from "../server/fleet-view/agent-reports.js";
import type { FetchLedger } from "../server/fleet-view/fetch-ledger.js";
import { SharedFleetView, type SharedViewCounters } from "../server/fleet-view/shared-view.js";
import { clientConfig, createPool, type PostgresTarget } from "../store/postgres/connection.js";
import { PostgresStore } from "../store/postgres/pg-store.js";
import type { StateStore } from "../store/store.js";
import { LeaderLease } from "./leader-lease.js";
import type { ClockBounds } from "./db-clock.js";
import { ReplicaSync, type ReplicaGit, type ReplicaStatus, type ServingDecisions } from "./replica-sync.js";

export interface ReplicaOptions {
  target: PostgresTarget;
  /** D, the publication delay. Default 3 s. */
  delayMs?: number;
  /** The leader lease's length. Default 6 s. */
  leaseMs?: number;
}

export interface ReplicaSetDeps extends ReplicaOptions {
  git: ReplicaGit;
  sync: () => Promise<unknown>;
  proposals: RevisionStore;
  served: RevisionStore;
  ledger: FetchLedger;
  reports: AgentReports;
  logger: Logger;
}

/** What the server (and the rollout driver) get from the replica set. */
export interface ReplicaSet {
  /** This replica's name in the database. */
  readonly id: string;
  /** The shared state store (rollout state, events, node records). */
  readonly store: StateStore;
  /** True while this replica holds the leader lease: only the leader drives rollouts. */
  isLeader(): boolean;
  /** The node-document check for `node`: undefined to serve, or the 503 to answer. */
  admit(node: string): DeniedRequest | undefined;
  /** Undefined when this replica knows which revision is current, else the 503 to answer (/readyz). */
  ready(): DeniedRequest | undefined;
  /** Checks node documents against these rollout decisions too (the rollout driver, opened after the set). */
  follow(decisions: ServingDecisions): void;
  /** The database's now as an interval: when published decisions take effect here. */
  dbTime(): ClockBounds | undefined;
  status(): ReplicaStatus & {
    id: string;
    leader: boolean;
    store: string;
    fleetView: SharedViewCounters;
  };
  close(): Promise<void>;
}

/** Connects, migrates, reads the publications and starts the lease and the shared fleet view. */
export async function startReplicaSet(deps: ReplicaSetDeps): Promise<ReplicaSet> {
  const { logger, target } = deps;
  const id = `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  const pool = createPool(target, {
    onError: (message) => logger.debug({ err: message }, "a database connection failed; it is replaced"),
  });
  const delayMs = deps.delayMs ?? 3000;
  // Rollout decisions that change served documents take effect D after they are stored, as revisions do.
  const store = await PostgresStore.open(pool, { delayMs, writer: id }).catch(async (e: unknown) => {
    await pool.end().catch(() => undefined);
    throw e;
  });
  const sync = new ReplicaSync({
    pool,
    listenConfig: clientConfig(target),
    delayMs,
    git: deps.git,
    sync: deps.sync,
    proposals: deps.proposals,
    served: deps.served,
    logger,
    id,
  });
  const lease = new LeaderLease({ pool, id, logger, ttlMs: deps.leaseMs ?? 6000 });
  const view = new SharedFleetView({ store, ledger: deps.ledger, reports: deps.reports, logger });
  await sync.start();
  lease.start();
  await view.start();
  logger.info({ replica: id, store: target.shown, delayMs }, "replica on the shared store");
  return {
    id,
    store,
    isLeader: () => lease.isLeader(),
    admit: (node) => sync.admit(node),
    ready: () => sync.ready(),
    follow: (decisions) => sync.follow(decisions),
    dbTime: () => sync.dbTime(),
    status: () => ({
      ...sync.status(),
      id,
      leader: lease.isLeader(),
      store: target.shown,
      fleetView: { ...view.counters },
    }),
    async close() {
      await view.close();
      await lease.stop();
      await sync.stop();
      await store.close();
    },
  };
}
