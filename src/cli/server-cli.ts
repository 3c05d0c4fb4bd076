// The manifest-server command line: argv → command → exit code (0 ok, 1 invalid/changed, 2 usage or error).
import { Command, CommanderError, Option } from "commander";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseDuration } from "../lib/duration.js";
import { ManifestServerError, UsageError } from "../lib/errors.js";
import { createLogger } from "../lib/logger.js";
import { VERSION } from "../lib/version.js";
import type { Format } from "../manifests/render.js";
import { renderPodList } from "../manifests/render.js";
import { startServer } from "../server/start.js";
import { createDirSource } from "../source/dir-source.js";
import { defaultCacheDir } from "../source/git-cache.js";
import { createGitSource } from "../source/git-source.js";
import { gitEnv } from "../source/git.js";
import { diffFleets, formatFleetDiff } from "./diff.js";
import { explainNode } from "./explain.js";
import {
  fleetSnapshotReader,
  gitSnapshotReader,
  loadFleetInput,
  type FleetInputOptions,
  type SnapshotReader,
} from "./fleet-input.js";
import { println, type CliIo } from "./io.js";
import { createProgress } from "./progress.js";
import { printIssues } from "./report.js";

const ENV = "MANIFEST_SERVER_";

function sourceOptions(cmd: Command, withPathDefault: boolean): Command {
  return cmd
    .addOption(
      new Option("--dir <path>", `fleet folder${withPathDefault ? " (default: ./manifests)" : ""}`).env(
        `${ENV}DIR`,
      ),
    )
    .addOption(new Option("--repo <url|path>", "git repository holding the fleet").env(`${ENV}REPO`))
    .addOption(new Option("--ref <branch>", "branch to track (with --repo)").default("main").env(`${ENV}REF`))
    .addOption(
      new Option("--subdir <dir>", "folder of the fleet inside the repository (with --repo)")
        .default("manifests")
        .env(`${ENV}SUBDIR`),
    )
    .addOption(
      new Option(
        "--cache-dir <dir>",
        "where repositories are cloned (default: ~/.cache/manifest-server)",
      ).env(`${ENV}CACHE_DIR`),
    );
}

function revOption(cmd: Command): Command {
  return cmd.addOption(
    new Option("--rev <rev>", "branch, tag or commit to read (implies git; default: --ref)").env(`${ENV}REV`),
  );
}

function checkSource(opts: FleetInputOptions): void {
  if (opts.dir !== undefined && (opts.repo !== undefined || opts.rev !== undefined))
    throw new UsageError("--dir and --repo/--rev are exclusive", "pass one fleet source");
}

/** Git reads keep the hook's quarantine variables, so `validate --rev` works inside pre-receive. */
function readerFor(io: CliIo): SnapshotReader {
  const env = { ...process.env, ...io.env };
  return fleetSnapshotReader(gitEnv(env, false), defaultCacheDir(env));
}

async function readSecret(file: string | undefined, cwd: string): Promise<string | undefined> {
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(resolve(cwd, file), "utf8");
  } catch (e) {
    throw new ManifestServerError(
      "secret-unreadable",
      `cannot read --webhook-secret-file ${file}: ${String(e)}`,
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

/** Runs the CLI. Resolves with the exit code; only `serve` keeps running until SIGTERM/SIGINT. */
export async function runServerCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode = 0;
  const program = new Command("manifest-server")
    .description(
      "Serve every node of a fleet its Kubernetes static pods (kubelet staticPodURL) from a fleet folder or git repository.",
    )
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText(
      "after",
      `
Examples:
  manifest-server serve --dir manifests --listen 8080
  manifest-server serve --repo git@git.example.com:ops/fleet.git --webhook-secret-file /etc/ms/secret
  manifest-server diff --from origin/main --to HEAD
  manifest-server validate manifests
  manifest-server render cp-1 --format yaml
  manifest-server explain edge-1

Every flag also reads an environment variable: --dir is ${ENV}DIR, --listen is ${ENV}LISTEN, and so on.
Exit codes: 0 success, 1 the fleet is invalid (diff: some node changes), 2 usage error or unreadable input.`,
    );

  sourceOptions(
    program
      .command("serve")
      .description("serve the fleet over HTTP: GET /nodes/{node} is the kubelet's staticPodURL")
      .addOption(
        new Option("--listen <[host:]port>", "address to listen on").default("8080").env(`${ENV}LISTEN`),
      )
      .addOption(
        new Option("--poll <duration>", "how often to fetch the repository (with --repo; 0 disables)")
          .default("30s")
          .env(`${ENV}POLL`),
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
        webhookSecretFile?: string;
        tokensFile?: string;
        metricsAuth?: "open" | "admin";
        tlsCert?: string;
        tlsKey?: string;
        clientCa?: string;
        trustProxy?: boolean;
        perNodeMetrics: "auto" | "on" | "off";
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
      const rolloutOptions = { trustProxy: opts.trustProxy === true, perNodeMetrics: opts.perNodeMetrics };
      let running;
      if (opts.repo !== undefined) {
        let pollMs: number;
        try {
          pollMs = parseDuration(opts.poll);
        } catch (e) {
          throw new UsageError(`--poll: ${e instanceof Error ? e.message : String(e)}`);
        }
        const env = { ...process.env, ...io.env };
        const webhookSecret = await readSecret(opts.webhookSecretFile, io.cwd);
        const source = createGitSource({
          repo: opts.repo,
          ref: opts.ref ?? "main",
          subdir: opts.subdir ?? "manifests",
          pollMs,
          cacheDir: resolve(io.cwd, opts.cacheDir ?? defaultCacheDir(env)),
          cwd: io.cwd,
          env: gitEnv(env, true),
        });
        running = await startServer({
          git: { source, ...(webhookSecret === undefined ? {} : { webhookSecret }) },
          listen: opts.listen,
          logger,
          ...security,
          ...rolloutOptions,
        });
      } else {
        if (opts.webhookSecretFile !== undefined)
          throw new UsageError("--webhook-secret-file needs --repo", "webhooks trigger git fetches");
        const dir = resolve(io.cwd, opts.dir ?? "manifests");
        running = await startServer({
          source: createDirSource(dir),
          listen: opts.listen,
          logger,
          ...security,
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

  program
    .command("validate")
    .description(
      "validate a fleet folder, or a commit of a repository, the way the kubelet will judge every node's pods",
    )
    .argument("[path]", "fleet folder", "manifests")
    .addOption(new Option("--json", "print issues as JSON"))
    .addOption(
      new Option(
        "--repo <url|path>",
        "read the fleet from this git repository (default with --rev: the current one)",
      ),
    )
    .addOption(new Option("--rev <rev>", "branch, tag or commit to validate (default: main)"))
    .addOption(new Option("--subdir <dir>", "folder of the fleet inside the repository").default("manifests"))
    .addOption(
      new Option("--cache-dir <dir>", "where repositories given by URL are fetched").env(`${ENV}CACHE_DIR`),
    )
    .addHelpText(
      "after",
      `
Examples:
  manifest-server validate manifests
  manifest-server validate --rev HEAD            (a commit of the repository around the current folder)
  manifest-server validate --repo /srv/git/fleet.git --rev "$newrev"   (in a pre-receive hook)

Exit codes: 0 valid (warnings allowed), 1 invalid (every issue is listed), 2 unreadable or usage error.`,
    )
    .action(async (pathArg: string, opts: FleetInputOptions & { json?: boolean }) => {
      const fromGit = opts.repo !== undefined || opts.rev !== undefined;
      const progress = createProgress(io.stderr);
      progress.phase("reading and validating the fleet");
      const { snapshot, result } = await loadFleetInput(
        fromGit ? { ...opts, rev: opts.rev ?? "main" } : { dir: pathArg },
        io.cwd,
        readerFor(io),
      ).finally(() => progress.done());
      const path = fromGit
        ? `${opts.repo ?? "."}@${opts.rev ?? "main"}:${opts.subdir ?? "manifests"}`
        : pathArg;
      const issues = result.ok ? result.fleet.warnings : result.issues;
      if (opts.json === true)
        println(
          io.stdout,
          JSON.stringify({ valid: result.ok, revision: snapshot.revision, issues }, null, 2),
        );
      else {
        printIssues(io.stdout, issues, path);
        if (result.ok) {
          const s = result.fleet.stats;
          println(
            io.stdout,
            `${path} is valid: ${s.nodes} nodes, ${s.pods} pods served in all, revision ${snapshot.revision}.`,
          );
        }
      }
      exitCode = result.ok ? 0 : 1;
    });

  sourceOptions(
    revOption(program.command("render"))
      .description("print exactly what GET /nodes/NODE serves")
      .argument("<node>", "node name")
      .addOption(
        new Option("--format <format>", "json (what the kubelet gets), yaml or stream (for kubectl)")
          .choices(["json", "yaml", "stream"])
          .default("json")
          .env(`${ENV}FORMAT`),
      ),
    true,
  ).action(async (node: string, opts: FleetInputOptions & { format: Format }) => {
    checkSource(opts);
    const compiled = await loadNode(node, opts, io);
    if (typeof compiled === "number") {
      exitCode = compiled;
      return;
    }
    io.stdout.write(
      opts.format === "json"
        ? compiled.node.json
        : renderPodList(
            compiled.node.pods.map((p) => p.pod),
            opts.format,
          ),
    );
  });

  sourceOptions(
    revOption(program.command("explain"))
      .description(
        "show where each of a node's pods comes from, which groups select it and which vars it uses",
      )
      .argument("<node>", "node name"),
    true,
  ).action(async (node: string, opts: FleetInputOptions) => {
    checkSource(opts);
    const compiled = await loadNode(node, opts, io);
    if (typeof compiled === "number") {
      exitCode = compiled;
      return;
    }
    for (const line of explainNode(compiled.node, compiled.revision)) println(io.stdout, line);
  });

  program
    .command("diff")
    .description("show, for every node, whether its served document changes between two revisions, and how")
    .requiredOption("--from <rev>", "the old revision (branch, tag or commit)")
    .requiredOption("--to <rev>", "the new revision")
    .addOption(new Option("--repo <url|path>", "git repository (default: the one around the current folder)"))
    .addOption(new Option("--subdir <dir>", "folder of the fleet inside the repository").default("manifests"))
    .addOption(
      new Option("--cache-dir <dir>", "where repositories given by URL are fetched").env(`${ENV}CACHE_DIR`),
    )
    .addHelpText(
      "after",
      `
Example, as a check on a pull request:
  manifest-server diff --from origin/main --to HEAD

Exit codes: 0 no node's served document changes, 1 some change, 2 error (a revision is unknown or invalid).`,
    )
    .action(async (opts: { from: string; to: string; repo?: string; subdir: string; cacheDir?: string }) => {
      const env = { ...process.env, ...io.env };
      const read = gitSnapshotReader(gitEnv(env, false), defaultCacheDir(env));
      const progress = createProgress(io.stderr);
      const load = async (which: "--from" | "--to", rev: string) => {
        let loaded;
        try {
          progress.phase(`reading and validating ${which} ${rev}`);
          loaded = await loadFleetInput({ ...opts, rev }, io.cwd, read).finally(() => progress.done());
        } catch (e) {
          if (e instanceof ManifestServerError)
            throw new ManifestServerError(
              e.code,
              `${which} ${rev}: ${e.message}`,
              e.hint === undefined ? {} : { hint: e.hint },
            );
          throw e;
        }
        if (!loaded.result.ok) {
          printIssues(
            io.stderr,
            loaded.result.issues,
            `${which} ${rev} (${loaded.snapshot.revision.slice(0, 12)})`,
          );
          return undefined;
        }
        return loaded.result.fleet;
      };
      const from = await load("--from", opts.from);
      const to = await load("--to", opts.to);
      if (from === undefined || to === undefined) {
        exitCode = 2;
        return;
      }
      progress.phase(`comparing ${Math.max(from.nodes.size, to.nodes.size)} nodes`);
      const diff = diffFleets(from, to);
      progress.done();
      for (const line of formatFleetDiff(diff)) println(io.stdout, line);
      exitCode = diff.changed === 0 ? 0 : 1;
    });

  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof ManifestServerError) {
      println(io.stderr, `error: ${e.message}`);
      if (e.hint !== undefined) println(io.stderr, `hint: ${e.hint}`);
      return 2;
    }
    println(io.stderr, `error: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
}

async function loadNode(name: string, opts: FleetInputOptions, io: CliIo) {
  const progress = createProgress(io.stderr);
  progress.phase("reading and validating the fleet");
  const { snapshot, result } = await loadFleetInput(opts, io.cwd, readerFor(io)).finally(() =>
    progress.done(),
  );
  if (!result.ok) {
    printIssues(io.stderr, result.issues, opts.dir ?? "manifests");
    return 1;
  }
  const node = result.fleet.nodes.get(name.toLowerCase());
  if (node === undefined) {
    println(
      io.stderr,
      `error: node "${name}" is not in the fleet; known nodes: ${[...result.fleet.nodes.keys()].join(", ")}`,
    );
    return 2;
  }
  return { node, revision: snapshot.revision };
}
