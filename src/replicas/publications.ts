// The publication table: proposing a revision (effective D after DB now) and reading what is published, revisions
// and rollout decisions (the state store publishes those when it commits them).
import type pg from "pg";
import { inTransaction, withClient } from "../store/postgres/connection.js";
import { PUBLICATION_CHANNEL, PUBLICATION_LOCK } from "../store/postgres/pg-store.js";
import type { ClockSample } from "./db-clock.js";
import type { DecisionPublication, NodeChanges, Publication } from "./gate.js";

/** Publications of each kind read each time: the effective one is among them unless this many came within D. */
const READ_LIMIT = 20;
/** Revision publications kept (older ones are deleted when a new one is inserted). */
const KEPT = 50;

/** What one read found, and the DB clock reading taken inside it. */
export interface PublicationRead {
  publications: Publication[];
  decisions: DecisionPublication[];
  clock: ClockSample;
}

/** NodeChanges as stored (JSON). */
interface StoredChanges {
  base: number;
  nodes: string[];
}

const parsed = (c: StoredChanges | null): NodeChanges | null =>
  c === null ? null : { base: Number(c.base), nodes: new Set(c.nodes) };

interface Row {
  seq: string | null;
  kind: string;
  revision: string;
  rollout_version: string | null;
  effective_at: number;
  with_nodes: boolean;
  nodes: StoredChanges | null;
  db_now: number;
}

/**
 * One round trip: the shared lock, the latest publications of each kind and the DB clock in one transaction sent
 * as one simple query, so a slow link costs one latency per read. The changed nodes of revision publications
 * are sent only for those numbered above `knownSeq` (the reader keeps the others'): `nodes` is then undefined.
 */
export async function readPublications(
  pool: pg.Pool,
  local: () => number,
  knownSeq: number,
): Promise<PublicationRead> {
  const known = Math.max(0, Math.floor(knownSeq));
  return withClient(pool, async (client) => {
    const sentAt = local();
    const results = (await client.query(
      `BEGIN;
       SELECT pg_advisory_xact_lock_shared(${PUBLICATION_LOCK});
       SELECT p.*, n.db_now
       FROM (SELECT extract(epoch FROM clock_timestamp()) * 1000 AS db_now) n
       LEFT JOIN LATERAL (
         (SELECT seq, kind, revision, rollout_version, extract(epoch FROM effective_at) * 1000 AS effective_at,
            seq > ${known} AS with_nodes, CASE WHEN seq > ${known} THEN nodes END AS nodes
          FROM ms_publication WHERE kind = 'revision' ORDER BY seq DESC LIMIT ${READ_LIMIT})
         UNION ALL
         (SELECT seq, kind, revision, rollout_version, extract(epoch FROM effective_at) * 1000 AS effective_at,
            false AS with_nodes, NULL AS nodes
          FROM ms_publication WHERE kind = 'rollout' ORDER BY seq DESC LIMIT ${READ_LIMIT})
       ) p ON true;
       COMMIT;`,
    )) as unknown as pg.QueryResult[];
    const receivedAt = local();
    const rows = (results[2]?.rows ?? []) as Row[];
    const dbNow = Number(rows[0]?.db_now);
    if (!Number.isFinite(dbNow)) throw new Error("the database did not say its time");
    const publications: Publication[] = [];
    const decisions: DecisionPublication[] = [];
    for (const row of rows) {
      if (row.seq === null) continue;
      const effectiveAt = Number(row.effective_at);
      if (row.kind === "rollout")
        decisions.push({ seq: Number(row.seq), version: Number(row.rollout_version), effectiveAt });
      else
        publications.push({
          seq: Number(row.seq),
          revision: row.revision,
          effectiveAt,
          ...(row.with_nodes ? { changes: parsed(row.nodes) } : {}),
        });
    }
    return { publications, decisions, clock: { sentAt, receivedAt, dbNow } };
  });
}

export type ProposeResult =
  | { kind: "published"; publication: Publication }
  | { kind: "current" }
  | { kind: "superseded"; latest: Publication };

/**
 * Publishes `revision`, effective `delayMs` after DB now, unless it is the latest publication already, or a
 * publication newer than `basedOn` exists: the revision was fetched when `basedOn` was the latest this replica
 * knew, so a later publication may be newer than it (commit order decided by the table, never by clocks).
 * `changes`: the nodes whose document differs from publication `basedOn`'s revision (null: unknown).
 */
export async function proposeRevision(
  pool: pg.Pool,
  revision: string,
  basedOn: number,
  changes: NodeChanges | null,
  delayMs: number,
  proposer: string,
): Promise<ProposeResult> {
  return inTransaction(pool, async (c) => {
    await c.query("SELECT pg_advisory_xact_lock($1)", [PUBLICATION_LOCK]);
    const latest = await c.query<{ seq: string; revision: string; effective_at: number }>(
      `SELECT seq, revision, extract(epoch FROM effective_at) * 1000 AS effective_at
       FROM ms_publication WHERE kind = 'revision' ORDER BY seq DESC LIMIT 1`,
    );
    const row = latest.rows[0];
    if (row !== undefined) {
      const last = { seq: Number(row.seq), revision: row.revision, effectiveAt: Number(row.effective_at) };
      if (last.revision === revision) return { kind: "current" };
      if (last.seq > basedOn) return { kind: "superseded", latest: last };
    }
    // The changes are relative to `basedOn`, which must be the latest publication (none: unknown).
    const nodes = row !== undefined && Number(row.seq) === changes?.base ? changes : null;
    const inserted = await c.query<{ seq: string; effective_at: number }>(
      `INSERT INTO ms_publication (kind, revision, nodes, effective_at, created_at, proposed_by)
       VALUES ('revision', $1, $2, clock_timestamp() + $3 * interval '1 millisecond', clock_timestamp(), $4)
       RETURNING seq, extract(epoch FROM effective_at) * 1000 AS effective_at`,
      [
        revision,
        nodes === null ? null : JSON.stringify({ base: nodes.base, nodes: [...nodes.nodes] }),
        delayMs,
        proposer,
      ],
    );
    await c.query(`SELECT pg_notify('${PUBLICATION_CHANNEL}', $1)`, [revision]);
    const ins = inserted.rows[0];
    await c.query(
      `DELETE FROM ms_publication WHERE kind = 'revision' AND seq < (
         SELECT min(seq) FROM (SELECT seq FROM ms_publication WHERE kind = 'revision' ORDER BY seq DESC LIMIT ${KEPT}) k)`,
    );
    return {
      kind: "published",
      publication: {
        seq: Number(ins?.seq),
        revision,
        effectiveAt: Number(ins?.effective_at),
        changes: nodes,
      },
    };
  });
}
