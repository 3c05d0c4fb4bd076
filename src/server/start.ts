// Starts a listening server on a fleet source: the two-line serve() around createHandler.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { silentLogger, type Logger } from "../lib/logger.js";
import { VERSION } from "../lib/version.js";
import { createDirSource } from "../source/dir-source.js";
import type { GitFleetSource } from "../source/git-source.js";
import type { FleetSource } from "../source/source.js";
import { createHandler } from "./app.js";
import { FleetFollower, type RefreshOutcome } from "./follower.js";
import { parseListen } from "./listen.js";
import { RevisionStore } from "./revision-store.js";
import { createGitSync, type SyncOutcome, type WebhookDeps } from "./webhook.js";

export interface StartOptions {
  /** A fleet folder (shorthand for `source: createDirSource(dir)`). */
  dir?: string;
  source?: FleetSource;
  /** A git source (instead of `source`): fetch health in /status, POST /hooks/git, the last good commit kept. */
  git?: {
    source: GitFleetSource;
    /** Secret shared with the git host; without one, POST /hooks/git answers 403. */
    webhookSecret?: string;
  };
  /** `[HOST:]PORT`; port 0 picks a free port. */
  listen: string;
  logger?: Logger;
}

export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  server: Server;
  store: RevisionStore;
  follower: FleetFollower;
  /** The outcome of the first load (the server listens even when it failed, answering 503). */
  firstLoad: RefreshOutcome;
  /** For git sources: fetch now and load the result (what SIGHUP and the webhook do). */
  sync?: () => Promise<SyncOutcome>;
  /** Stops watching, stops accepting, lets in-flight requests finish (at most `graceMs`), then resolves. */
  close(graceMs?: number): Promise<void>;
}

/** Loads the fleet once, starts following it, and listens. Rejects only when the address cannot be bound. */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  const logger = options.logger ?? silentLogger();
  const git = options.git;
  const source = git?.source ?? options.source ?? createDirSource(options.dir ?? "manifests");
  const store = new RevisionStore();
  const follower = new FleetFollower({ source, store, logger });
  let webhook: WebhookDeps | undefined;
  let sync: (() => Promise<SyncOutcome>) | undefined;
  if (git !== undefined) {
    const gitSource = git.source;
    gitSource.onFetch((r) => {
      store.recordFetch(
        r.ok ? { at: r.at, ok: true, revision: r.commit } : { at: r.at, ok: false, message: r.message },
      );
      if (r.ok) logger.debug({ commit: r.commit, changed: r.changed, ms: r.durationMs }, "fetched");
      else
        logger.warn(
          { err: r.message, counters: store.counters },
          "fetch failed; still serving the last good revision",
        );
    });
    store.onPublish((next) => {
      gitSource.markGood(next.fleet.revision).catch((e: unknown) => {
        logger.warn(
          { err: e instanceof Error ? e.message : String(e) },
          "cannot record the served commit in the git cache",
        );
      });
    });
    sync = createGitSync({ source: gitSource, follower, store });
    webhook = { secret: git.webhookSecret, sync, logger };
  }
  const firstLoad = await follower.start();
  const handler = createHandler({
    store,
    logger,
    sourceDescription: source.description,
    version: VERSION,
    ...(webhook === undefined ? {} : { webhook }),
  });
  const server = createServer({ keepAliveTimeout: 65_000 }, handler);
  const { host, port } = parseListen(options.listen);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${shownHost === "[::]" ? "localhost" : shownHost}:${address.port}`;
  logger.info({ url, source: source.description }, "listening");
  return {
    url,
    server,
    store,
    follower,
    firstLoad,
    ...(sync === undefined ? {} : { sync }),
    close(graceMs = 10_000) {
      follower.stop();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}
