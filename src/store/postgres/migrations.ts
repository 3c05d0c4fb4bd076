// The schema of the PostgreSQL store, migrated at start under an advisory lock so replicas starting together agree.
import type pg from "pg";

/** The advisory lock key held while migrating (any constant shared by all replicas). */
const MIGRATION_LOCK = 0x6d616e69; // "mani"

/** Each entry moves the schema from version i to i+1; never edit one that has shipped, append a new one. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE ms_rollout (
    id int PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL,
    header jsonb,
    next_seq bigint NOT NULL
  );
  INSERT INTO ms_rollout (id, version, header, next_seq) VALUES (1, 0, NULL, 1);
  CREATE TABLE ms_rollout_node (node text PRIMARY KEY, participant jsonb NOT NULL);
  CREATE TABLE ms_event (seq bigint PRIMARY KEY, rollout text NOT NULL, event jsonb NOT NULL);
  CREATE INDEX ms_event_rollout ON ms_event (rollout, seq);
  CREATE SEQUENCE ms_node_record_seq;
  CREATE TABLE ms_node_record (
    kind text NOT NULL,
    node text NOT NULL,
    value jsonb NOT NULL,
    change_seq bigint NOT NULL,
    PRIMARY KEY (kind, node)
  );
  CREATE INDEX ms_node_record_change ON ms_node_record (kind, change_seq);
  CREATE TABLE ms_publication (
    seq bigserial PRIMARY KEY,
    kind text NOT NULL,
    revision text NOT NULL,
    effective_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    proposed_by text NOT NULL
  );
  CREATE TABLE ms_lease (name text PRIMARY KEY, holder text NOT NULL, expires_at timestamptz NOT NULL);
  `,
  // Rollout decisions are published too (kind 'rollout': the state version and each changed node's previous
  // document); a revision publication lists the nodes whose document it changes (NULL: unknown, any node).
  `
  ALTER TABLE ms_publication ADD COLUMN rollout_version bigint, ADD COLUMN nodes jsonb;
  CREATE INDEX ms_publication_kind ON ms_publication (kind, seq);
  `,
];

/**
 * Brings the schema to the latest version: takes a session advisory lock (a replica starting meanwhile waits),
 * reads schema_version, runs each missing migration in its own transaction, then unlocks. Returns the version.
 * Throws when the database holds a newer schema than this version knows.
 */
export async function migrate(client: pg.ClientBase): Promise<number> {
  await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
  try {
    await client.query("CREATE TABLE IF NOT EXISTS schema_version (version int NOT NULL)");
    const r = await client.query<{ version: number }>("SELECT version FROM schema_version");
    let version = r.rows[0]?.version ?? 0;
    if (r.rows.length === 0) await client.query("INSERT INTO schema_version (version) VALUES (0)");
    if (version > MIGRATIONS.length)
      throw new Error(
        `the database schema is version ${version}, newer than this manifest-server knows (${MIGRATIONS.length}): upgrade it`,
      );
    for (; version < MIGRATIONS.length; version++) {
      await client.query("BEGIN");
      try {
        await client.query(MIGRATIONS[version] ?? "");
        await client.query("UPDATE schema_version SET version = $1", [version + 1]);
        await client.query("COMMIT");
      } catch (e) {
        await client.query("ROLLBACK");
        throw e;
      }
    }
    return version;
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]);
  }
}
