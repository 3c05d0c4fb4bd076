// The composition root: wires a fleet source, the revision lifecycle, access control and the app into a listening server.
import { createServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { ManifestServerError, messageOf, UsageError } from "../lib/errors.js";
import { silentLogger, type Logger } from "../lib/logger.js";
import { VERSION } from "../lib/version.js";
import { createDirSource } from "../source/dir-source.js";
import type { GitFleetSource } from "../source/git-source.js";
import type { FleetSource } from "../source/source.js";
import { createHandler, createFleetView, type FleetView } from "./app.js";
import { Authenticator, warnOpen } from "./access/auth.js";
import { FleetFollower, type RefreshOutcome } from "../revisions/follower.js";
import { createGitSync, type SyncOutcome } from "../revisions/git-sync.js";
import { serverLimitOptions } from "./limits.js";
import { parseListen } from "./listen.js";
import type { PerNodeMetrics } from "./views/metrics.js";
import { RevisionStore } from "../revisions/revision-store.js";
import { httpsOptions, loadTls, TlsReloader, type TlsFiles } from "./access/tls.js";
import { TokenFile } from "./access/token-file.js";
import type { WebhookDeps } from "./webhook.js";
import { startReplicaSet, type ReplicaOptions, type ReplicaSet } from "../replicas/replica-set.js";
import { ProposalStore } from "../replicas/proposal-store.js";
import { NodeSelection } from "./documents/node-selection.js";
import { openRollouts, type RolloutOptions, type Rollouts } from "./rollouts.js";
import type { FileReader } from "../fleet/load/read-file.js";

export interface StartOptions {
  /** A fleet folder (shorthand for `source: createDirSource(dir)`). */
  dir?: string;
  source?: FleetSource;
  /** A git source (instead of `source`): git fetch health in /status, POST /hooks/git, the last good commit kept. */
  git?: {
    source: GitFleetSource;
    /** Secret shared with the git host; without one, POST /hooks/git answers 403. */
    webhookSecret?: string;
  };
  /** `[HOST:]PORT`; port 0 picks a free port. */
  listen: string;
  logger?: Logger;
  /** Per-node bearer tokens (see tokens.ts); without it every route is open and a warning says so. */
  tokensFile?: string;
  /** Overrides the tokens file's `metrics:` key. */
  metricsAuth?: "open" | "admin";
  /** Serve HTTPS with these files, reloaded when they change. */
  tls?: TlsFiles;
  /** Take client addresses from X-Forwarded-For (only behind a reverse proxy you trust). */
  trustProxy?: boolean;
  /** Per-node metric series: on, off, or auto (on up to 10,000 nodes). */
  perNodeMetrics?: PerNodeMetrics;
  /** Replicas on one PostgreSQL (git sources only): one revision sequence, one fleet view, one leader. */
  replicas?: ReplicaOptions;
  /** Keep rollout state (and the documents it holds nodes on) in this folder; absent: in memory only. */
  stateDir?: string;
  /** Rollout driver settings (clock, tick interval, probes, leadership); see rollouts.ts. */
  rollout?: RolloutOptions;
  /** Where revisions' large files are read, away from the event loop (default: the process's pool of reader threads). */
  reader?: FileReader;
}

export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  server: Server;
  store: RevisionStore;
  follower: FleetFollower;
  /** The outcome of the first load (the server listens even when it failed, answering 503). */
  firstLoad: RefreshOutcome;
  /** What the server saw of the fleet (fetch ledger, agent reports) and its metrics. */
  fleetView: FleetView;
  /** With `replicas`: the shared store, the leader lease (`isLeader()`) and the publication state. */
  replicas?: ReplicaSet;
  /** The rollout driver and its state store. */
  rollouts: Rollouts;
  /** For git sources: sync now, i.e. git fetch and load the result (what SIGHUP and the webhook do). */
  sync?: () => Promise<SyncOutcome>;
  /** Re-reads the tokens file and the TLS files (what SIGHUP does besides re-reading the source). */
  reloadSecrets(): Promise<void>;
  /** Stops watching, stops accepting, lets in-flight requests finish (at most `graceMs`), then resolves. */
  close(graceMs?: number): Promise<void>;
}

/**
 * Replicas need one source of truth that every one of them can read at any revision: git commits. A folder has
 * no revision another server can read (nor an old one to re-render a held rollout document from).
 */
export function storeNeedsRepo(): UsageError {
  return new UsageError(
    "--store needs --repo: replicas agree on git commits",
    "each publication names a commit that every replica reads from its own git cache, and the documents a rollout holds nodes on are re-rendered from their commit; a folder has neither. Push the folder to a git repository (a bare one on the server host will do) and serve it with --repo, or run a single server without --store",
  );
}

/**
 * Loads the fleet once, starts following it, and listens; a first load that fails does not stop the start (the
 * server answers 503 until a valid revision). Rejects when the tokens file or the TLS files cannot be used, or
 * when the address cannot be bound.
 */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  const logger = options.logger ?? silentLogger();
  const git = options.git;
  const source = git?.source ?? options.source ?? createDirSource(options.dir ?? "manifests");
  const store = new RevisionStore();
  if (options.replicas !== undefined && git === undefined) throw storeNeedsRepo();
  // On a replica the follower only proposes what it validated; the served store follows the publications.
  const proposals = options.replicas === undefined ? store : new ProposalStore(store);
  const follower = new FleetFollower({ source, store: proposals, logger, reader: options.reader });
  // Nodes a rollout holds on another document: served by the hot path, classified by the dashboard and metrics.
  const selection = new NodeSelection();
  const fleetView = createFleetView(store, {
    trustProxy: options.trustProxy ?? false,
    perNode: options.perNodeMetrics ?? "auto",
    holds: (n) => selection.hold(n),
  });
  let webhook: WebhookDeps | undefined;
  let sync: (() => Promise<SyncOutcome>) | undefined;
  if (git !== undefined) {
    const gitSource = git.source;
    gitSource.onGitFetch((r) => {
      fleetView.metrics.observeGitFetch(r);
      store.recordGitFetch(
        r.ok ? { at: r.at, ok: true, revision: r.commit } : { at: r.at, ok: false, message: r.message },
      );
      if (r.ok) logger.debug({ commit: r.commit, changed: r.changed, ms: r.durationMs }, "git fetched");
      else
        logger.warn(
          { err: r.message, counters: store.counters },
          "git fetch failed; still serving the last good revision",
        );
    });
    store.onPublish((next) => {
      gitSource.markGood(next.fleet.revision).catch((e: unknown) => {
        logger.warn({ err: messageOf(e) }, "cannot record the served commit in the git cache");
      });
    });
    sync = createGitSync({ source: gitSource, follower, store: proposals });
    webhook = { secret: git.webhookSecret, sync, logger };
  }
  const replicas =
    options.replicas === undefined || git === undefined || sync === undefined
      ? undefined
      : await startReplicaSet({
          ...options.replicas,
          git: git.source,
          sync,
          proposals,
          served: store,
          ledger: fleetView.ledger,
          reports: fleetView.reports,
          logger,
        });
  let tokens: TokenFile | undefined;
  if (options.tokensFile !== undefined) {
    tokens = new TokenFile(options.tokensFile, logger);
    await tokens.load();
  } else warnOpen(logger);
  const tlsMaterial = options.tls === undefined ? undefined : await loadTls(options.tls);
  const auth =
    tokens === undefined
      ? undefined
      : new Authenticator({
          table: () => tokens.table,
          logger,
          clientCerts: tlsMaterial?.ca !== undefined,
          ...(options.metricsAuth === undefined ? {} : { metrics: options.metricsAuth }),
        });
  const rollouts = await openRollouts({
    store,
    fleetView,
    selection,
    logger,
    // Held documents this server lacks (a replica started mid-rollout, a lost pack) are re-rendered from git.
    readRevision: git === undefined ? undefined : (commit) => git.source.readCommit(commit),
    ...options.rollout,
    // Replicas share the rollout state in PostgreSQL, and only the lease holder decides.
    ...(replicas === undefined
      ? { stateDir: options.stateDir }
      : {
          state: replicas.store,
          isLeader: options.rollout?.isLeader ?? (() => replicas.isLeader()),
          dbTime: () => replicas.dbTime(),
        }),
  });
  // Node documents wait for the rollout's decisions to take effect as they wait for revisions.
  replicas?.follow(rollouts.driver);
  const firstLoad = await follower.start();
  // The first revision's rollout decision (a restart's: the stored one) is taken before the first request.
  await rollouts.driver.idle();
  const handler = createHandler({
    selection: rollouts.selection,
    rollout: rollouts.driver,
    store,
    logger,
    sourceDescription: source.description,
    version: VERSION,
    fleetView,
    ...(replicas === undefined
      ? {}
      : {
          admit: (node: string) => replicas.admit(node),
          ready: () => replicas.ready(),
          replicaStatus: () => replicas.status(),
        }),
    ...(rollouts.persisted === undefined ? {} : { stateStatus: rollouts.persisted }),
    ...(webhook === undefined ? {} : { webhook }),
    ...(auth === undefined ? {} : { auth }),
  });
  const serverOptions = { keepAliveTimeout: 65_000, ...serverLimitOptions() };
  let tlsReloader: TlsReloader | undefined;
  let server: Server;
  if (tlsMaterial !== undefined && options.tls !== undefined) {
    const https = createHttpsServer({ ...serverOptions, ...httpsOptions(tlsMaterial) }, handler);
    tlsReloader = new TlsReloader(https, options.tls, logger);
    tlsReloader.watch();
    server = https;
  } else server = createServer(serverOptions, handler);
  tokens?.watch();
  const { host, port } = parseListen(options.listen);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (e) {
    // Nothing may keep the process alive after a failed start: stop every watcher and timer started above.
    await follower.stop();
    await rollouts.close();
    await replicas?.close();
    tokens?.close();
    tlsReloader?.close();
    const code = (e as NodeJS.ErrnoException).code;
    throw new ManifestServerError(
      "listen-failed",
      `cannot listen on ${options.listen}: ${code ?? messageOf(e)}`,
      {
        hint:
          code === "EADDRINUSE"
            ? "another process uses that port: stop it or pick another --listen"
            : code === "EACCES"
              ? "ports below 1024 need privileges: pick a port above 1024"
              : "check the --listen address",
        cause: e,
      },
    );
  }
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `${tlsReloader === undefined ? "http" : "https"}://${shownHost === "[::]" ? "localhost" : shownHost}:${address.port}`;
  logger.info({ url, source: source.description }, "listening");
  return {
    url,
    server,
    store,
    follower,
    firstLoad,
    fleetView,
    ...(replicas === undefined ? {} : { replicas }),
    rollouts,
    ...(sync === undefined ? {} : { sync }),
    async reloadSecrets() {
      await tokens?.reload();
      await tlsReloader?.reload();
    },
    async close(graceMs = 10_000) {
      // Stop accepting at once; in-flight requests (a rollout action among them) finish before the state closes.
      const closed = new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        timer.unref();
        // Keep-alive connections turn idle once their in-flight request is answered: close them then, not at the deadline.
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        sweep.unref();
        server.close(() => {
          clearTimeout(timer);
          clearInterval(sweep);
          resolve();
        });
        server.closeIdleConnections();
      });
      // A git fetch or load in progress may finish first (so nothing writes to the cache after close resolves), but a
      // hung git fetch must not hold up a shutdown beyond the grace period: an interrupted cache is rebuilt at next start.
      let graceTimer: NodeJS.Timeout | undefined;
      await Promise.race([
        follower.stop(),
        new Promise<void>((resolve) => {
          graceTimer = setTimeout(resolve, graceMs);
          graceTimer.unref();
        }),
      ]);
      clearTimeout(graceTimer);
      await closed;
      await rollouts.close();
      tokens?.close();
      tlsReloader?.close();
      await replicas?.close();
    },
  };
}
