// Test harness: real manifest-server replicas on one PostgreSQL following one git remote, a node polling them
// round-robin, and the check that its document never goes backwards.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createGitFixture, GIT_TEST_ENV, type GitFixture } from "../helpers/git.js";
import { spawnServer, type Child } from "../helpers/processes.js";
import { startPgCluster, type PgCluster } from "../helpers/postgres.js";

const SECRET = "replica-hook-secret";
export const NODE = "edge-1";

export type Replica = Child & { url: string };

export interface ReplicaWorld {
  cluster: PgCluster;
  fx: GitFixture;
  replicas: Replica[];
  /** The database's URL. */
  storeUrl: string;
  /** Starts replica `i` (again) with its own cache folder, on `storeUrl` (default: the database directly). */
  spawn(i: number, storeUrl?: string): Promise<Replica>;
  /** Sends the signed push webhook to replica `i` only. */
  hook(i: number): Promise<number>;
  /** Commits a change to the node's document, pushes it; resolves with the commit. */
  push(n: number): Promise<string>;
  stop(): Promise<void>;
}

/** Replicas on a new database of `cluster` (started here when not given, and then removed by stop()). */
export async function startWorld(
  database: string,
  options: {
    cluster?: PgCluster;
    count?: number;
    delay?: string;
    /** Per replica, a URL to reach the database by (a proxy); the others use it directly. */
    storeUrls?: string[];
    /** False when the caller created `database` already. */
    createDatabase?: boolean;
  } = {},
): Promise<ReplicaWorld> {
  const own = options.cluster === undefined;
  const cluster = options.cluster ?? (await startPgCluster());
  const count = options.count ?? 3;
  const delay = options.delay ?? "1s";
  const storeUrl =
    options.createDatabase === false ? cluster.url(database) : await cluster.createDatabase(database);
  const fx = await createGitFixture();
  const secretFile = join(fx.root.path, "hook-secret");
  await writeFile(secretFile, SECRET);
  const replicas: Replica[] = [];
  const spawn = async (i: number, url = storeUrl): Promise<Replica> => {
    const r = await spawnServer(
      [
        "--repo",
        fx.remote,
        "--cache-dir",
        join(fx.root.path, `cache-${i}`),
        "--poll",
        "1h",
        "--webhook-secret-file",
        secretFile,
        "--store",
        url,
        "--publish-delay",
        delay,
      ],
      GIT_TEST_ENV,
    );
    replicas[i] = r;
    return r;
  };
  for (let i = 0; i < count; i++) await spawn(i, options.storeUrls?.[i] ?? storeUrl);
  return {
    cluster,
    storeUrl,
    fx,
    replicas,
    spawn,
    async hook(i) {
      const body = JSON.stringify({ ref: "refs/heads/main" });
      const res = await fetch(`${replicas[i]?.url}/hooks/git`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-signature": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
        },
        body,
      });
      await res.arrayBuffer();
      return res.status;
    },
    push: (n) =>
      fx.change({ [`manifests/nodes/${NODE}/extra.yaml`]: extraPod(n) }, `Change ${n} for ${NODE}`),
    async stop() {
      for (const r of replicas) r?.kill("SIGKILL");
      await Promise.all(replicas.map((r) => r?.exited));
      if (own) await cluster.remove();
      await fx.remove();
    },
  };
}

/** The extra pod a push adds to a node (its image numbered `n`). */
export function extraPod(n: number): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: extra
  namespace: default
spec:
  containers:
    - name: extra
      image: "registry.example/extra:${n}"
`;
}

export interface Observation {
  status: number;
  revision: string | undefined;
  replica: number;
}

/**
 * A node polling the replicas round-robin every `everyMs`, as the kubelet does through a load balancer.
 * `seen` lists every answer; `revisions()` the 200s' revisions with repeats folded.
 */
export function pollRoundRobin(urls: () => string[], everyMs = 150) {
  const seen: Observation[] = [];
  let stopped = false;
  let i = 0;
  const loop = (async () => {
    while (!stopped) {
      const all = urls();
      const replica = i++ % all.length;
      try {
        const res = await fetch(`${all[replica]}/nodes/${NODE}`, { signal: AbortSignal.timeout(3000) });
        await res.arrayBuffer();
        seen.push({
          status: res.status,
          revision: res.headers.get("x-manifest-revision") ?? undefined,
          replica,
        });
      } catch {
        seen.push({ status: 0, revision: undefined, replica });
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    seen,
    revisions(): string[] {
      const out: string[] = [];
      for (const o of seen)
        if (o.status === 200 && o.revision !== undefined && out[out.length - 1] !== o.revision)
          out.push(o.revision);
      return out;
    },
    /** Resolves once the node got `revision` (a 200 with it). */
    async until(revision: string, ms = 30_000): Promise<void> {
      const deadline = Date.now() + ms;
      while (!seen.some((o) => o.status === 200 && o.revision === revision)) {
        if (Date.now() > deadline)
          throw new Error(`the node never got ${revision}: ${JSON.stringify(seen.slice(-10))}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop(): Promise<void> {
      stopped = true;
      await loop;
    },
  };
}

/** The node saw `order` (oldest first) each once, in order, and never an older one after a newer one. */
export function assertNeverBackwards(revisions: string[], order: string[]): void {
  let highest = -1;
  for (const r of revisions) {
    const at = order.indexOf(r);
    assert.ok(at >= 0, `unexpected revision ${r}`);
    assert.ok(at > highest, `the document went back to ${r} after ${order[highest]}: ${revisions.join(" ")}`);
    highest = at;
  }
}
