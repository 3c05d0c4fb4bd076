// The PostgreSQL connection of --store: the URL (password redacted wherever it is shown), the password, the pool.
import { readFile } from "node:fs/promises";
import pg from "pg";
import { ManifestServerError, messageOf, UsageError } from "../../lib/errors.js";

export interface PostgresTarget {
  /** The URL as given (may hold a password: never log it; use `shown`). */
  url: string;
  /** The URL with any password replaced by `***`, for logs and /status. */
  shown: string;
  /** From --store-password-file; otherwise the URL's, or libpq's PGPASSWORD / ~/.pgpass rules via the driver. */
  password?: string;
}

/** True when `store` names a PostgreSQL database. */
export function isPostgresUrl(store: string): boolean {
  return /^postgres(ql)?:\/\//i.test(store);
}

/** `url` with its password (if any) replaced by `***`; unparsable URLs are hidden whole after the scheme. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== "") u.password = "***";
    const q = u.searchParams;
    if (q.has("password")) q.set("password", "***");
    return u.toString();
  } catch {
    return `${url.split("://")[0] ?? "postgres"}://***`;
  }
}

/** Resolves the target of `--store URL` with `--store-password-file FILE` (first line, newline trimmed). */
export async function postgresTarget(url: string, passwordFile?: string): Promise<PostgresTarget> {
  try {
    new URL(url);
  } catch {
    throw new UsageError(`--store ${redactUrl(url)} is not a URL`, "use postgres://USER@HOST:PORT/DATABASE");
  }
  if (passwordFile === undefined) return { url, shown: redactUrl(url) };
  let text: string;
  try {
    text = await readFile(passwordFile, "utf8");
  } catch (e) {
    throw new ManifestServerError(
      "secret-unreadable",
      `cannot read --store-password-file ${passwordFile}: ${messageOf(e)}`,
      { hint: "write the database password into that file (one line)" },
    );
  }
  return { url, shown: redactUrl(url), password: text.replace(/\r?\n$/, "") };
}

export interface PoolOptions {
  /** Pool size. Default 10. */
  max?: number;
  /** A query taking longer fails (the database is slow or unreachable). Default 5000 ms. */
  queryTimeoutMs?: number;
  /** Called for errors of idle connections (a restarted database); the pool replaces them. */
  onError?: (message: string) => void;
}

/** A connection pool to `target`; errors of idle clients are reported, never thrown. */
export function createPool(target: PostgresTarget, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: target.url,
    ...(target.password === undefined ? {} : { password: target.password }),
    max: options.max ?? 10,
    connectionTimeoutMillis: options.queryTimeoutMs ?? 5000,
    query_timeout: options.queryTimeoutMs ?? 5000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: "manifest-server",
  });
  pool.on("error", (e) => options.onError?.(messageOf(e)));
  // A connection cut while checked out (between queries) emits on the client: report it, never crash; the
  // next query on it fails and the client is discarded on release.
  pool.on("connect", (client) => client.on("error", (e) => options.onError?.(messageOf(e))));
  return pool;
}

/** Client config for one dedicated connection (LISTEN, leases), same target as the pool. */
export function clientConfig(target: PostgresTarget, queryTimeoutMs = 5000): pg.ClientConfig {
  return {
    connectionString: target.url,
    ...(target.password === undefined ? {} : { password: target.password }),
    connectionTimeoutMillis: queryTimeoutMs,
    query_timeout: queryTimeoutMs,
    // An idle LISTEN connection notices a dead peer within seconds, not the system's default two hours.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    application_name: "manifest-server",
  };
}

/**
 * Runs `fn` on a pooled client; when it throws, a transaction it may have left open is rolled back (a client
 * that cannot even do that is discarded instead of returned to the pool).
 */
export async function withClient<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    return await fn(client);
  } catch (e) {
    await client.query("ROLLBACK").catch((r: unknown) => {
      broken = r instanceof Error ? r : new Error(messageOf(r));
    });
    throw e;
  } finally {
    client.release(broken);
  }
}

/** Runs `fn` in one transaction on a pooled client: COMMIT when it resolves, ROLLBACK when it throws. */
export function inTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
  isolation: "READ COMMITTED" | "REPEATABLE READ" = "READ COMMITTED",
): Promise<T> {
  return withClient(pool, async (client) => {
    await client.query(`BEGIN ISOLATION LEVEL ${isolation}`);
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  });
}
