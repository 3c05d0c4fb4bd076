// The publication table: proposing a revision (effective D after DB now) and reading what is published.
import type pg from "pg";
import { inTransaction, withClient } from "../store/postgres/connection.js";
import type { ClockSample } from "./db-clock.js";
import type { Publication } from "./gate.js";

/**
 * Held exclusively by a proposer from reading the DB clock to commit, and shared by readers: a publication a
 * reader did not see was therefore stamped after the reader's clock reading, so it takes effect after the
 * reader's read time + D (the reader's freshness bound).
 */
const PUBLICATION_LOCK = 0x6d730002;
/** Publications read each time: the effective one is among them unless this many were proposed within D. */
const READ_LIMIT = 20;
export const PUBLICATION_CHANNEL = "manifest_publication";

/** What one read found, and the DB clock reading taken inside it. */
export interface PublicationRead {
  publications: Publication[];
  clock: ClockSample;
}

/**
 * One round trip: the shared lock, the latest publications and the DB clock in one transaction sent as one
 * simple query, so a slow link costs one latency per read.
 */
export async function readPublications(pool: pg.Pool, local: () => number): Promise<PublicationRead> {
  return withClient(pool, async (client) => {
    const sentAt = local();
    const results = (await client.query(
      `BEGIN;
       SELECT pg_advisory_xact_lock_shared(${PUBLICATION_LOCK});
       SELECT p.seq, p.revision, p.effective_at, n.db_now
       FROM (SELECT extract(epoch FROM clock_timestamp()) * 1000 AS db_now) n
       LEFT JOIN LATERAL (
         SELECT seq, revision, extract(epoch FROM effective_at) * 1000 AS effective_at
         FROM ms_publication ORDER BY seq DESC LIMIT ${READ_LIMIT}
       ) p ON true;
       COMMIT;`,
    )) as unknown as pg.QueryResult[];
    const receivedAt = local();
    const rows = (results[2]?.rows ?? []) as Array<{
      seq: string | null;
      revision: string;
      effective_at: number;
      db_now: number;
    }>;
    const dbNow = Number(rows[0]?.db_now);
    if (!Number.isFinite(dbNow)) throw new Error("the database did not say its time");
    const publications = rows
      .filter((row) => row.seq !== null)
      .map((row) => ({
        seq: Number(row.seq),
        revision: row.revision,
        effectiveAt: Number(row.effective_at),
      }));
    return { publications, clock: { sentAt, receivedAt, dbNow } };
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
 */
export async function proposeRevision(
  pool: pg.Pool,
  revision: string,
  basedOn: number,
  delayMs: number,
  proposer: string,
): Promise<ProposeResult> {
  return inTransaction(pool, async (c) => {
    await c.query("SELECT pg_advisory_xact_lock($1)", [PUBLICATION_LOCK]);
    const latest = await c.query<{ seq: string; revision: string; effective_at: number }>(
      `SELECT seq, revision, extract(epoch FROM effective_at) * 1000 AS effective_at
       FROM ms_publication ORDER BY seq DESC LIMIT 1`,
    );
    const row = latest.rows[0];
    if (row !== undefined) {
      const last = { seq: Number(row.seq), revision: row.revision, effectiveAt: Number(row.effective_at) };
      if (last.revision === revision) return { kind: "current" };
      if (last.seq > basedOn) return { kind: "superseded", latest: last };
    }
    const inserted = await c.query<{ seq: string; effective_at: number }>(
      `INSERT INTO ms_publication (kind, revision, effective_at, created_at, proposed_by)
       VALUES ('revision', $1, clock_timestamp() + $2 * interval '1 millisecond', clock_timestamp(), $3)
       RETURNING seq, extract(epoch FROM effective_at) * 1000 AS effective_at`,
      [revision, delayMs, proposer],
    );
    await c.query(`SELECT pg_notify('${PUBLICATION_CHANNEL}', $1)`, [revision]);
    const ins = inserted.rows[0];
    await c.query("DELETE FROM ms_publication WHERE seq < $1", [Number(ins?.seq) - 100]);
    return {
      kind: "published",
      publication: { seq: Number(ins?.seq), revision, effectiveAt: Number(ins?.effective_at) },
    };
  });
}
