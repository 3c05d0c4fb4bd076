// `manifest-server serve`: load, validate and serve the fleet until SIGTERM, from a folder or a git branch.
import { Command, Option } from "commander";
import { readFile, realpath, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { parseDuration } from "../lib/duration.js";
import { ManifestServerError, messageOf, UsageError } from "../lib/errors.js";
import { createLogger } from "../lib/logger.js";
import { startServer, storeNeedsRepo } from "../server/start.js";
import { createDirSource } from "../source/dir-source.js";
import { defaultCacheDir } from "../source/git-cache.js";
import { createGitSource } from "../source/git-source.js";
import { gitEnv } from "../source/git.js";
import { checkSource, ENV, sourceOptions } from "./command-options.js";
import type { FleetInputOptions } from "./fleet-input.js";
import type { CliIo } from "./io.js";
import { dirStateKey, repoStateKey, serveStateDir } from "./state-dir.js";
import type { ReplicaOptions } from "../replicas/replica-set.js";
import { isPostgresUrl, postgresTarget, redactUrl } from "../store/postgres/connection.js";

async function readSecret(file: string | undefined, cwd: string): Promise<string | undefined> {
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(resolve(cwd, file), "utf8");
  } catch (e) {
    throw new ManifestServerError(
      "secret-unreadable",
      `cannot read --webhook-secret-file ${file}: ${messageOf(e)}`,
      {
        hint: "write the shared webhook secret into that file (one line)",
      },
    );
  }
  const secret = text.replace(/\r?\n$/, "");
  if (secret === "")
    throw new UsageError(`--webhook-secret-file ${file} is empty`, "write the shared webhook secret into it");
  return secret;
}

/** `--store` and its companions as start options, or undefined without --store. */
async function replicaOptions(
  opts: { store?: string; storePasswordFile?: string; publishDelay: string },
  cwd: string,
): Promise<ReplicaOptions | undefined> {
  if (opts.store === undefined) {
    if (opts.storePasswordFile !== undefined) throw new UsageError("--store-password-file needs --store");
    return undefined;
  }
  if (!isPostgresUrl(opts.store))
    throw new UsageError(
      `--store ${redactUrl(opts.store)} is not a postgres:// URL`,
      "use postgres://USER@HOST:PORT/DATABASE",
    );
  let delayMs: number;
  try {
    delayMs = parseDuration(opts.publishDelay);
  } catch (e) {
    throw new UsageError(`--publish-delay: ${messageOf(e)}`);
  }
  if (delayMs < 100) throw new UsageError("--publish-delay must be at least 100ms");
  const file = opts.storePasswordFile === undefined ? undefined : resolve(cwd, opts.storePasswordFile);
  return { target: await postgresTarget(opts.store, file), delayMs };
}

/** Adds `serve`; its action resolves only when the server has shut down. */
export function addServeCommand(program: Command, io: CliIo): void {
  sourceOptions(
    program
      .command("serve")
      .description("serve the fleet over HTTP: GET /nodes/{node} is the kubelet's staticPodURL")
      .addOption(
        new Option("--listen <[host:]port>", "address to listen on").default("8080").env(`${ENV}LISTEN`),
      )
      .addOption(
        new Option(
          "--state-dir <dir>",
          "keep rollout state here, so a restart resumes it (default: <cache-dir>/state/<repository or folder>)",
        ).env(`${ENV}STATE_DIR`),
      )
      .addOption(
        new Option(
          "--no-state-dir",
          "keep rollout state in memory only: a restart forgets a rollout in progress",
        ),
      )
      .addOption(
        new Option("--poll <duration>", "how often to fetch the repository (with --repo; 0 disables)")
          .default("30s")
          .env(`${ENV}POLL`),
      )
      .addOption(
        new Option(
          "--quiet-period <duration>",
          "with --dir: how long the folder must stay unchanged before a change is loaded",
        )
          .default("5s")
          .env(`${ENV}QUIET_PERIOD`),
      )
      .addOption(
        new Option(
          "--webhook-secret-file <file>",
          "enables POST /hooks/git with the secret in this file",
        ).env(`${ENV}WEBHOOK_SECRET_FILE`),
      )
      .addOption(
        new Option(
          "--tokens-file <file>",
          "YAML file of per-node and admin token digests; without it everything is open",
        ).env(`${ENV}TOKENS_FILE`),
      )
      .addOption(
        new Option(
          "--metrics-auth <mode>",
          "whether /metrics needs an admin token (default: the tokens file's metrics key)",
        )
          .choices(["open", "admin"])
          .env(`${ENV}METRICS_AUTH`),
      )
      .addOption(
        new Option("--tls-cert <file>", "serve HTTPS with this PEM certificate chain").env(`${ENV}TLS_CERT`),
      )
      .addOption(new Option("--tls-key <file>", "the PEM private key of --tls-cert").env(`${ENV}TLS_KEY`))
      .addOption(
        new Option(
          "--client-ca <file>",
          "PEM CA: agents may present a client certificate for their node (CN or DNS name); never required",
        ).env(`${ENV}CLIENT_CA`),
      )
      .addOption(
        new Option(
          "--trust-proxy",
          "take client addresses (fetch ledger, dashboard) from X-Forwarded-For; only behind your own proxy",
        ).env(`${ENV}TRUST_PROXY`),
      )
      .addOption(
        new Option(
          "--per-node-metrics <mode>",
          "per-node series on /metrics: on, off, or auto (on up to 10,000 nodes)",
        )
          .choices(["auto", "on", "off"])
          .default("auto")
          .env(`${ENV}PER_NODE_METRICS`),
      )
      .addOption(
        new Option(
          "--store <url>",
          "postgres://USER@HOST:PORT/DB: replicas share revisions, rollout state and the fleet view (with --repo)",
        ).env(`${ENV}STORE`),
      )
      .addOption(
        new Option(
          "--store-password-file <file>",
          "the database password (else PGPASSWORD or ~/.pgpass)",
        ).env(`${ENV}STORE_PASSWORD_FILE`),
      )
      .addOption(
        new Option(
          "--publish-delay <duration>",
          "with --store: a new revision takes effect on every replica this long after it is published",
        )
          .default("3s")
          .env(`${ENV}PUBLISH_DELAY`),
      )
      .addOption(
        new Option("--log-level <level>", "log level")
          .choices(["debug", "info", "warn", "error"])
          .default("info")
          .env(`${ENV}LOG_LEVEL`),
      )
      .addHelpText(
        "after",
        `
The server loads and validates the whole fleet before serving it. A change that fails validation is
rejected whole: the previous revision keeps being served byte for byte and GET /status says why.
Until a first valid revision exists, node documents answer 503 with Retry-After (never an empty 200).
Send SIGHUP to re-read the source at once (with --repo: fetch at once), the tokens file and the TLS files.
Logs are JSON lines on stderr.

With --tokens-file, GET /nodes/NODE needs that node's token or an admin token (Authorization: Bearer),
/, /nodes and /status need an admin token; /healthz and /readyz stay open. SIGTERM stops accepting,
lets in-flight requests finish (up to 10 s) and exits 0.

With --repo, the branch is fetched every --poll interval into --cache-dir and read from the commit's
tree; X-Manifest-Revision is the commit SHA. POST /hooks/git (GitHub, Gitea, GitLab or X-Signature
HMAC, secret from --webhook-secret-file) fetches at once. git never prompts: use an SSH key or a
credential helper for private repositories.

With --store postgres://USER@HOST:PORT/DB (and --repo: every replica reads each revision from git),
several servers agree through the database: a fetched commit is published to all of them, effective
--publish-delay later on the database clock; a replica unsure of the current revision, or still
loading a document a rollout holds a node on, answers 503 for it. Fetches, reports, rollout state
and the leader lease are shared. The password comes from --store-password-file or PGPASSWORD.

With a rollout: policy in fleet.yaml, a new revision moves wave by wave (see the README, Rollouts);
its state is kept in --state-dir and survives restarts. Watch and steer it with manifest-server rollout.
The default state folder is under --cache-dir, one per repository (URL, --ref, --subdir) or per fleet
folder (its real path), so two fleets never share one; --no-state-dir keeps it in memory only.

Example kubelet configuration (KubeletConfiguration):
  staticPodURL: http://manifests.example:8080/nodes/<node-name>`,
      ),
    true,
  ).action(
    async (
      opts: FleetInputOptions & {
        listen: string;
        logLevel: string;
        poll: string;
        quietPeriod: string;
        webhookSecretFile?: string;
        tokensFile?: string;
        metricsAuth?: "open" | "admin";
        tlsCert?: string;
        tlsKey?: string;
        clientCa?: string;
        trustProxy?: boolean;
        perNodeMetrics: "auto" | "on" | "off";
        store?: string;
        storePasswordFile?: string;
        publishDelay: string;
        stateDir?: string | false;
      },
    ) => {
      checkSource(opts);
      const logger = createLogger(opts.logLevel, io.stderr);
      if ((opts.tlsCert === undefined) !== (opts.tlsKey === undefined))
        throw new UsageError("--tls-cert and --tls-key go together", "pass both, or neither for plain HTTP");
      if (opts.clientCa !== undefined && opts.tlsCert === undefined)
        throw new UsageError("--client-ca needs --tls-cert and --tls-key");
      const security = {
        ...(opts.tokensFile === undefined ? {} : { tokensFile: resolve(io.cwd, opts.tokensFile) }),
        ...(opts.metricsAuth === undefined ? {} : { metricsAuth: opts.metricsAuth }),
        ...(opts.tlsCert === undefined || opts.tlsKey === undefined
          ? {}
          : {
              tls: {
                cert: resolve(io.cwd, opts.tlsCert),
                key: resolve(io.cwd, opts.tlsKey),
                ...(opts.clientCa === undefined ? {} : { clientCa: resolve(io.cwd, opts.clientCa) }),
              },
            }),
      };
      const env = { ...process.env, ...io.env };
      const cacheDir = resolve(io.cwd, opts.cacheDir ?? defaultCacheDir(env));
      const rolloutOptions = {
        trustProxy: opts.trustProxy === true,
        perNodeMetrics: opts.perNodeMetrics,
      };
      const stateDirOf = (source: string): { stateDir?: string } => {
        const stateDir = serveStateDir(opts.stateDir, { cwd: io.cwd, cacheDir, source });
        logger.info({ stateDir: stateDir ?? "memory only" }, "rollout state");
        return stateDir === undefined ? {} : { stateDir };
      };
      let running;
      if (opts.repo !== undefined) {
        let pollMs: number;
        try {
          pollMs = parseDuration(opts.poll);
        } catch (e) {
          throw new UsageError(`--poll: ${messageOf(e)}`);
        }
        const webhookSecret = await readSecret(opts.webhookSecretFile, io.cwd);
        const source = createGitSource({
          repo: opts.repo,
          ref: opts.ref ?? "main",
          subdir: opts.subdir ?? "manifests",
          pollMs,
          cacheDir,
          cwd: io.cwd,
          env: gitEnv(env, true),
        });
        const replicas = await replicaOptions(opts, io.cwd);
        running = await startServer({
          git: { source, ...(webhookSecret === undefined ? {} : { webhookSecret }) },
          ...(replicas === undefined ? {} : { replicas }),
          listen: opts.listen,
          logger,
          ...security,
          // With --store the rollout state is in PostgreSQL, shared by the replicas.
          ...(replicas === undefined
            ? stateDirOf(repoStateKey(opts.repo, opts.ref ?? "main", opts.subdir ?? "manifests"))
            : {}),
          ...rolloutOptions,
        });
      } else {
        if (opts.webhookSecretFile !== undefined)
          throw new UsageError("--webhook-secret-file needs --repo", "webhooks trigger git fetches");
        if (opts.store !== undefined) throw storeNeedsRepo();
        const dir = resolve(io.cwd, opts.dir ?? "manifests");
        // A folder that is missing at start is a typo, not an outage: say so instead of serving 503 forever.
        const found = await stat(dir).catch(() => undefined);
        if (found?.isDirectory() !== true)
          throw new ManifestServerError(
            "source-unreadable",
            `fleet folder ${dir} does not exist or is not a folder`,
            {
              hint: "pass --dir with the folder that holds fleet.yaml (the example fleet is manifests/), or --repo",
            },
          );
        let quietMs: number;
        try {
          quietMs = parseDuration(opts.quietPeriod);
        } catch (e) {
          throw new UsageError(`--quiet-period: ${e instanceof Error ? e.message : String(e)}`);
        }
        running = await startServer({
          source: createDirSource(dir, { quietMs }),
          listen: opts.listen,
          logger,
          ...security,
          ...stateDirOf(dirStateKey(await realpath(dir))),
          ...rolloutOptions,
        });
      }
      const server = running;
      if (server.firstLoad.kind !== "published")
        logger.warn(
          "no valid revision yet: node documents answer 503 until the fleet validates (see /status)",
        );
      await new Promise<void>((done) => {
        const stop = (signal: string): void => {
          logger.info({ signal }, "shutting down: finishing in-flight requests");
          process.off("SIGHUP", reload);
          void server.close().then(done);
        };
        const reload = (): void => {
          void server.reloadSecrets();
          void (server.sync?.() ?? server.follower.refresh());
        };
        process.once("SIGTERM", () => stop("SIGTERM"));
        process.once("SIGINT", () => stop("SIGINT"));
        process.on("SIGHUP", reload);
      });
    },
  );
}
