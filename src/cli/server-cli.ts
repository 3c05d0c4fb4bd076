// The manifest-server command line: argv → command → exit code (0 ok, 1 invalid/changed, 2 usage or error).
import { Command, CommanderError, Option } from "commander";
import { resolve } from "node:path";
import { ManifestServerError, UsageError } from "../lib/errors.js";
import { createLogger } from "../lib/logger.js";
import { VERSION } from "../lib/version.js";
import type { Format } from "../manifests/render.js";
import { renderPodList } from "../manifests/render.js";
import { startServer } from "../server/start.js";
import { createDirSource } from "../source/dir-source.js";
import { explainNode } from "./explain.js";
import { loadFleetInput, type FleetInputOptions } from "./fleet-input.js";
import { println, type CliIo } from "./io.js";
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
    );
}

function checkSource(opts: FleetInputOptions): void {
  if (opts.dir !== undefined && opts.repo !== undefined)
    throw new UsageError("--dir and --repo are exclusive", "pass one fleet source");
  if (opts.repo !== undefined)
    throw new UsageError(
      "--repo is not supported by this build yet",
      "use --dir with a checkout of the repository",
    );
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
  manifest-server validate manifests
  manifest-server render cp-1 --format yaml
  manifest-server explain edge-1

Every flag also reads an environment variable: --dir is ${ENV}DIR, --listen is ${ENV}LISTEN, and so on.
Exit codes: 0 success, 1 the fleet is invalid, 2 usage error or unreadable input.`,
    );

  sourceOptions(
    program
      .command("serve")
      .description("serve the fleet over HTTP: GET /nodes/{node} is the kubelet's staticPodURL")
      .addOption(
        new Option("--listen <[host:]port>", "address to listen on").default("8080").env(`${ENV}LISTEN`),
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
Send SIGHUP to re-read the source at once. Logs are JSON lines on stderr.

Example kubelet configuration (KubeletConfiguration):
  staticPodURL: http://manifests.example:8080/nodes/<node-name>`,
      ),
    true,
  ).action(async (opts: FleetInputOptions & { listen: string; logLevel: string }) => {
    checkSource(opts);
    const logger = createLogger(opts.logLevel, io.stderr);
    const dir = resolve(io.cwd, opts.dir ?? "manifests");
    const running = await startServer({ source: createDirSource(dir), listen: opts.listen, logger });
    if (running.firstLoad.kind !== "published")
      logger.warn("no valid revision yet: node documents answer 503 until the fleet validates (see /status)");
    await new Promise<void>((done) => {
      const stop = (signal: string): void => {
        logger.info({ signal }, "shutting down: finishing in-flight requests");
        process.off("SIGHUP", reload);
        void running.close().then(done);
      };
      const reload = (): void => void running.follower.refresh();
      process.once("SIGTERM", () => stop("SIGTERM"));
      process.once("SIGINT", () => stop("SIGINT"));
      process.on("SIGHUP", reload);
    });
  });

  program
    .command("validate")
    .description("validate a fleet folder the way the kubelet will judge every node's pods")
    .argument("[path]", "fleet folder", "manifests")
    .addOption(new Option("--json", "print issues as JSON"))
    .addHelpText(
      "after",
      "\nExit codes: 0 valid (warnings allowed), 1 invalid (every issue is listed), 2 unreadable or usage error.",
    )
    .action(async (path: string, opts: { json?: boolean }) => {
      const { snapshot, result } = await loadFleetInput({ dir: path }, io.cwd);
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
    program
      .command("render")
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
    program
      .command("explain")
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
  const { snapshot, result } = await loadFleetInput(opts, io.cwd);
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
