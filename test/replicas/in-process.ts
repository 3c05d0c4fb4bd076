// Test harness: manifest-server replicas started in this process on one PostgreSQL, each with its own git cache,
// and a kubelet that polls a node through every replica in turn, recording each document it is given.
import { join } from "node:path";
import { startServer, type RunningServer } from "../../src/server/start.js";
import type { RolloutOptions } from "../../src/server/rollouts.js";
import { createGitSource, type GitFleetSource } from "../../src/source/git-source.js";
import { gitEnv } from "../../src/source/git.js";
import { GIT_TEST_ENV, type GitFixture } from "../helpers/git.js";

export interface InProcessOptions {
  fx: GitFixture;
  storeUrl: string;
  /** The publication delay D in ms. */
  delayMs: number;
  rollout?: RolloutOptions;
  /** Lets a test wrap a replica's git source (e.g. to hold a load in progress). */
  wrap?: (source: GitFleetSource) => GitFleetSource;
}

/** Starts replica `i` (its cache is `cache-i` under the fixture's folder). */
export async function startReplica(i: number, o: InProcessOptions): Promise<RunningServer> {
  const source = createGitSource({
    repo: o.fx.remote,
    cacheDir: join(o.fx.root.path, `cache-${i}`),
    cwd: o.fx.root.path,
    env: gitEnv(GIT_TEST_ENV, true),
    pollMs: 0,
  });
  return startServer({
    git: { source: o.wrap?.(source) ?? source },
    listen: "127.0.0.1:0",
    replicas: { target: { url: o.storeUrl, shown: o.storeUrl }, delayMs: o.delayMs },
    ...(o.rollout === undefined ? {} : { rollout: o.rollout }),
  });
}

/** One document a kubelet was given (a 200). */
export interface Given {
  revision: string;
  etag: string;
  body: string;
}

/**
 * A kubelet of `node` polling `urls()` round-robin every `everyMs` (as through a load balancer), with
 * If-None-Match; a 503 or a failure keeps what it has, as the kubelet does. `given` lists every 200.
 */
export class RoundRobinKubelet {
  readonly given: Given[] = [];
  readonly statuses: number[] = [];
  private stopped = false;
  private readonly loop: Promise<void>;
  private waiters: Array<() => void> = [];

  constructor(
    readonly node: string,
    urls: () => string[],
    offset = 0,
    everyMs = 150,
  ) {
    let i = offset;
    this.loop = (async () => {
      while (!this.stopped) {
        const all = urls();
        const url = all[i++ % all.length];
        const etag = this.current?.etag;
        try {
          const res = await fetch(`${url}/nodes/${node}`, {
            headers: {
              "user-agent": "Go-http-client/1.1",
              ...(etag === undefined ? {} : { "if-none-match": etag }),
            },
            signal: AbortSignal.timeout(5000),
          });
          const body = await res.text();
          this.statuses.push(res.status);
          if (res.status === 200)
            this.given.push({
              revision: res.headers.get("x-manifest-revision") ?? "",
              etag: res.headers.get("etag") ?? "",
              body,
            });
        } catch {
          this.statuses.push(0);
        }
        for (const w of this.waiters.splice(0)) w();
        await new Promise((r) => setTimeout(r, everyMs));
      }
    })();
  }

  get current(): Given | undefined {
    return this.given.at(-1);
  }

  /** The revisions of the documents it was given, each change once (a repeat of the same document folded). */
  revisions(): string[] {
    const out: Given[] = [];
    for (const g of this.given) if (out.at(-1)?.etag !== g.etag) out.push(g);
    return out.map((g) => g.revision);
  }

  /** Resolves after `n` more answers. */
  async polled(n: number): Promise<void> {
    const target = this.statuses.length + n;
    while (this.statuses.length < target) await new Promise<void>((r) => this.waiters.push(r));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}
