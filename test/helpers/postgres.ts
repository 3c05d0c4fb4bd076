// Test helpers: a throwaway PostgreSQL cluster in a temp folder on a free port, one per test file.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, chown, mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";

const run = promisify(execFile);

const BIN_DIRS = ["/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin"];

/** The folder holding initdb and pg_ctl, or undefined when PostgreSQL is not installed. */
export function postgresBinDir(): string | undefined {
  return BIN_DIRS.find((d) => existsSync(join(d, "initdb")) && existsSync(join(d, "pg_ctl")));
}

/**
 * The `skip` option for tests that need PostgreSQL: false when it is installed; a message saying what to install
 * otherwise. With MANIFEST_TEST_REQUIRE_POSTGRES=1 (CI) a missing PostgreSQL throws instead of skipping.
 */
export function postgresSkip(): false | string {
  if (postgresBinDir() !== undefined) return false;
  if (process.env["MANIFEST_TEST_REQUIRE_POSTGRES"] === "1")
    throw new Error("PostgreSQL is required (MANIFEST_TEST_REQUIRE_POSTGRES=1): apt-get install postgresql");
  return "PostgreSQL is not installed: apt-get install postgresql (Debian) to run these tests";
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

export interface PgCluster {
  port: number;
  /** `postgres://postgres@127.0.0.1:PORT/DB` (trust authentication, no password). */
  url(database?: string): string;
  /** Creates a fresh database and resolves with its URL. */
  createDatabase(name: string): Promise<string>;
  /** A client connected to `database` (the caller ends it). */
  connect(database?: string): Promise<pg.Client>;
  /** Stops the server (fast shutdown: clients are cut). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  remove(): Promise<void>;
}

/** Starts a new cluster: as root through `runuser -u postgres`, otherwise as the current user. */
export async function startPgCluster(): Promise<PgCluster> {
  const bin = postgresBinDir();
  if (bin === undefined) throw new Error("PostgreSQL is not installed");
  const root = await mkdtemp(join(tmpdir(), "ms-pg-"));
  const data = join(root, "data");
  const sockets = join(root, "sock");
  await mkdir(sockets);
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: gid } = await run("id", ["-g", "postgres"]);
    for (const p of [root, sockets]) await chown(p, Number(stdout.trim()), Number(gid.trim()));
    await chmod(root, 0o755);
  }
  const pgRun = (tool: string, args: string[]) =>
    asRoot
      ? run("runuser", ["-u", "postgres", "--", join(bin, tool), ...args], { cwd: "/" })
      : run(join(bin, tool), args);
  await pgRun("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"]);
  const port = await freePort();
  const options = `-p ${port} -k ${sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const start = async () => {
    await pgRun("pg_ctl", ["-D", data, "-l", join(root, "log"), "-o", options, "-w", "-t", "60", "start"]);
  };
  const stop = async () => {
    await pgRun("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]).catch(() => undefined);
  };
  await start();
  const url = (database = "postgres") => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const connect = async (database = "postgres") => {
    const client = new pg.Client({ connectionString: url(database) });
    await client.connect();
    return client;
  };
  return {
    port,
    url,
    connect,
    async createDatabase(name) {
      const client = await connect();
      try {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    stop,
    start,
    async remove() {
      await stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}
