// The StateStore in PostgreSQL (--store postgres://…): one transaction per call, shared by every replica.
import { Participants } from "../../rollout/participants.js";
import type pg from "pg";
import { ManifestServerError, messageOf } from "../../lib/errors.js";
import type { PendingServing, ServingChanges } from "../../rollout/serving.js";
import type { Participant, RolloutEvent, RolloutState } from "../../rollout/state.js";
import { emptyModel, rolloutRecord } from "../store-model.js";
import {
  KEPT_EVENTS,
  type CommitResult,
  type EventQuery,
  type Json,
  type NodeRecordKind,
  type StateStore,
  type StoredEvent,
  type VersionedRollout,
} from "../store.js";
import { inTransaction } from "./connection.js";
import { migrate } from "./migrations.js";

/** Node records changed after a cursor, and the cursor to pass next time. */
export interface RecordChanges {
  records: Map<string, unknown>;
  cursor: number;
}

/** Serialises node-record writers so change numbers become visible in order (see readNodeRecordsSince). */
const RECORD_WRITE_LOCK = 0x6d730001;
/**
 * Held exclusively by every writer of the rollout state or of a publication, from reading the DB clock to
 * commit, and shared by readers: a reader sees whole commits only, and a decision it did not see was stamped
 * after its read, so takes effect after the read's time + D (the reader's freshness bound).
 */
export const PUBLICATION_LOCK = 0x6d730002;
export const PUBLICATION_CHANNEL = "manifest_publication";

export interface PostgresStoreOptions {
  /** D: decisions that change served documents take effect this long after commit (DB clock). Default 0. */
  delayMs?: number;
  /** Names the writer in the publication table. */
  writer?: string;
}

interface PendingRow {
  rollout_version: string;
  effective_at: number;
  nodes: ServingChanges;
}

/**
 * A StateStore over a pg Pool. The rollout row is locked (FOR UPDATE) for each compare-and-set, so two replicas
 * never both commit the same version; the last state read or written is kept to write only changed participants.
 */
export class PostgresStore implements StateStore {
  private cached: VersionedRollout = { version: 0, state: undefined };
  private closed = false;

  private constructor(
    readonly pool: pg.Pool,
    private readonly options: PostgresStoreOptions,
  ) {}

  /** Migrates the schema (safe with several replicas starting at once) and returns the store. */
  static async open(pool: pg.Pool, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const client = await pool.connect().catch((e: unknown) => {
      throw new ManifestServerError("state-store-failed", `cannot connect to the database: ${messageOf(e)}`, {
        hint: "check --store (host, port, database, user) and the password (--store-password-file or PGPASSWORD)",
        cause: e,
      });
    });
    try {
      await migrate(client);
    } finally {
      client.release();
    }
    return new PostgresStore(pool, options);
  }

  async readRollout(): Promise<VersionedRollout> {
    // Writers hold the lock exclusively: each statement below sees the same commits.
    return inTransaction(this.pool, async (c) => {
      await c.query("SELECT pg_advisory_xact_lock_shared($1)", [PUBLICATION_LOCK]);
      const head = await c.query<{ version: string; header: Omit<RolloutState, "nodes"> | null }>(
        "SELECT version, header FROM ms_rollout WHERE id = 1",
      );
      const row = head.rows[0];
      const version = Number(row?.version ?? 0);
      if (version === this.cached.version) return this.cached;
      let state: RolloutState | undefined;
      if (row?.header != null) {
        const nodes = await c.query<{ node: string; participant: Participant }>(
          "SELECT node, participant FROM ms_rollout_node",
        );
        state = {
          ...row.header,
          nodes: Participants.fromRecord(Object.fromEntries(nodes.rows.map((r) => [r.node, r.participant]))),
        };
      }
      // Decisions effective a while ago are left out; the reader compares effective times to its clock.
      const pending = await c.query<PendingRow>(
        `SELECT rollout_version, extract(epoch FROM effective_at) * 1000 AS effective_at, nodes
           FROM ms_publication WHERE kind = 'rollout' AND effective_at > clock_timestamp() - interval '10 seconds'`,
      );
      this.cached = withPending({ version, state }, pending.rows.map(pendingOf));
      return this.cached;
    });
  }

  async commitRollout(
    expected: number,
    state: RolloutState | undefined,
    events: readonly RolloutEvent[],
    serving?: ServingChanges,
  ): Promise<CommitResult> {
    // The delta is computed against the state of version `expected`: read it unless it is the one kept.
    const base = this.cached.version === expected ? this.cached : await this.readRollout();
    if (base.version !== expected) return { ok: false, version: base.version };
    const model = { ...emptyModel(), version: expected, rollout: base.state };
    const record = rolloutRecord(model, state, events);
    if (record.t !== "rollout") throw new Error("unexpected record");
    const result = await inTransaction(this.pool, async (c) => {
      await c.query("SELECT pg_advisory_xact_lock($1)", [PUBLICATION_LOCK]);
      const head = await c.query<{ version: string; next_seq: string }>(
        "SELECT version, next_seq FROM ms_rollout WHERE id = 1 FOR UPDATE",
      );
      const version = Number(head.rows[0]?.version ?? 0);
      if (version !== expected) return { ok: false as const, version };
      const nextSeq = Number(head.rows[0]?.next_seq ?? 1);
      await c.query("UPDATE ms_rollout SET version = $1, header = $2, next_seq = $3 WHERE id = 1", [
        expected + 1,
        record.header === null ? null : JSON.stringify(record.header),
        nextSeq + events.length,
      ]);
      if (record.del.length > 0)
        await c.query("DELETE FROM ms_rollout_node WHERE node = ANY($1::text[])", [record.del]);
      const set = Object.entries(record.set);
      if (set.length > 0)
        await c.query(
          `INSERT INTO ms_rollout_node (node, participant)
           SELECT * FROM unnest($1::text[], $2::jsonb[])
           ON CONFLICT (node) DO UPDATE SET participant = excluded.participant`,
          [set.map(([n]) => n), set.map(([, p]) => JSON.stringify(p))],
        );
      if (events.length > 0) {
        await c.query(
          `INSERT INTO ms_event (seq, rollout, event)
           SELECT * FROM unnest($1::bigint[], $2::text[], $3::jsonb[])`,
          [
            events.map((_, i) => nextSeq + i),
            events.map((e) => e.rollout),
            events.map((e) => JSON.stringify(e)),
          ],
        );
        await c.query("DELETE FROM ms_event WHERE seq < $1", [nextSeq + events.length - 2 * KEPT_EVENTS]);
      }
      const effectiveAt =
        serving === undefined ? undefined : await this.publish(c, expected + 1, state, serving);
      return { ok: true as const, version: expected + 1, effectiveAt };
    });
    if (!result.ok) return result;
    const { effectiveAt } = result;
    const pending = (base.pending ?? []).filter(
      (p) => effectiveAt === undefined || p.effectiveAt > effectiveAt - 60_000,
    );
    if (effectiveAt !== undefined && serving !== undefined)
      pending.push({ version: result.version, effectiveAt, before: serving });
    this.cached = withPending({ version: result.version, state }, pending);
    return effectiveAt === undefined ? { ok: true, version: result.version } : result;
  }

  /** Publishes a decision on served documents, effective D after the DB's now, and wakes the replicas. */
  private async publish(
    c: pg.PoolClient,
    version: number,
    state: RolloutState | undefined,
    serving: ServingChanges,
  ): Promise<number> {
    const r = await c.query<{ effective_at: number }>(
      `INSERT INTO ms_publication (kind, revision, rollout_version, nodes, effective_at, created_at, proposed_by)
       VALUES ('rollout', $1, $2, $3, clock_timestamp() + $4 * interval '1 millisecond', clock_timestamp(), $5)
       RETURNING extract(epoch FROM effective_at) * 1000 AS effective_at`,
      [
        state?.to ?? "",
        version,
        JSON.stringify(serving),
        this.options.delayMs ?? 0,
        this.options.writer ?? "store",
      ],
    );
    await c.query(`SELECT pg_notify('${PUBLICATION_CHANNEL}', $1)`, [`rollout ${version}`]);
    await c.query(
      "DELETE FROM ms_publication WHERE kind = 'rollout' AND effective_at < clock_timestamp() - interval '10 minutes'",
    );
    return Number(r.rows[0]?.effective_at);
  }

  async readEvents(query: EventQuery = {}): Promise<StoredEvent[]> {
    const r = await this.pool.query<{ seq: string; event: RolloutEvent }>(
      `SELECT seq, event FROM ms_event WHERE seq > $1 AND ($2::text IS NULL OR rollout = $2)
       ORDER BY seq LIMIT $3`,
      [query.afterSeq ?? 0, query.rollout ?? null, query.limit ?? 1000],
    );
    return r.rows.map((row) => ({ ...row.event, seq: Number(row.seq) }));
  }

  async putNodeRecords(kind: NodeRecordKind, records: ReadonlyArray<readonly [string, Json]>): Promise<void> {
    if (records.length === 0) return;
    // One row per node (the last one given wins): ON CONFLICT cannot touch a row twice in one statement.
    const latest = new Map<string, Json>(records);
    await inTransaction(this.pool, async (c) => {
      await c.query("SELECT pg_advisory_xact_lock($1)", [RECORD_WRITE_LOCK]);
      await c.query(
        `INSERT INTO ms_node_record (kind, node, value, change_seq)
         SELECT $1, n, v, nextval('ms_node_record_seq') FROM unnest($2::text[], $3::jsonb[]) AS t(n, v)
         ON CONFLICT (kind, node) DO UPDATE SET value = excluded.value, change_seq = excluded.change_seq`,
        [kind, [...latest.keys()], [...latest.values()].map((v) => JSON.stringify(v))],
      );
    });
  }

  async readNodeRecords(kind: NodeRecordKind): Promise<Map<string, unknown>> {
    return (await this.readNodeRecordsSince(kind, 0)).records;
  }

  /**
   * The records of `kind` written after `cursor` (0: all). Writers hold one lock from numbering to commit, so
   * numbers become visible in order and a cursor never skips a record committed later with a smaller number.
   */
  async readNodeRecordsSince(kind: NodeRecordKind, cursor: number): Promise<RecordChanges> {
    const r = await this.pool.query<{ node: string; value: unknown; change_seq: string }>(
      "SELECT node, value, change_seq FROM ms_node_record WHERE kind = $1 AND change_seq > $2 ORDER BY change_seq",
      [kind, cursor],
    );
    const last = r.rows[r.rows.length - 1];
    return {
      records: new Map(r.rows.map((row) => [row.node, row.value])),
      cursor: last === undefined ? cursor : Number(last.change_seq),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

function pendingOf(row: PendingRow): PendingServing {
  return { version: Number(row.rollout_version), effectiveAt: Number(row.effective_at), before: row.nodes };
}

/** `pending` is left out when empty (most stores never have any). */
function withPending(r: VersionedRollout, pending: PendingServing[]): VersionedRollout {
  return pending.length === 0 ? r : { ...r, pending };
}
