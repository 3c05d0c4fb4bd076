// `validate`, `render`, `explain` and `diff`: read a fleet (folder or commit), report, and set the exit code.
import { Command, Option } from "commander";
import type { CompiledFleet } from "../fleet/load-fleet.js";
import { EXIT, ManifestServerError } from "../lib/errors.js";
import type { Format } from "../manifests/render.js";
import { renderPodList } from "../manifests/render.js";
import { formatRolloutPreview, previewRollout } from "../rollout/preview.js";
import { nodeEtag } from "../server/documents/etag.js";
import { defaultCacheDir } from "../source/git-cache.js";
import { gitEnv } from "../source/git.js";
import { checkSource, ENV, readerFor, revOption, sourceOptions, type SetExit } from "./command-options.js";
import { diffFleets, formatFleetDiff } from "./diff.js";
import { explainNode } from "./explain.js";
import { gitSnapshotReader, loadFleetInput, type FleetInputOptions } from "./fleet-input.js";
import { println, type CliIo } from "./io.js";
import { createProgress, loadProgress } from "./progress.js";
import { printIssues } from "./print-issues.js";

/** Adds validate, render, explain and diff to `program`. */
export function addFleetCommands(program: Command, io: CliIo, setExit: SetExit): void {
  program
    .command("validate")
    .description(
      "validate a fleet folder, or a commit of a repository, the way the kubelet will judge every node's pods",
    )
    .argument("[path]", "fleet folder", "manifests")
    .addOption(new Option("--json", "print issues as JSON"))
    .addOption(
      new Option(
        "--strict",
        "unknown pod fields (which the kubelet drops silently) are errors, as with strict: true in fleet.yaml",
      ),
    )
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
  manifest-server validate --strict manifests    (unknown fields are errors)
  manifest-server validate --rev HEAD            (a commit of the repository around the current folder)
  manifest-server validate --repo /srv/git/fleet.git --rev "$newrev"   (in a pre-receive hook)

Exit codes: 0 valid (warnings allowed), 1 invalid (every issue is listed), 2 unreadable or usage error.`,
    )
    .action(async (pathArg: string, opts: FleetInputOptions & { json?: boolean; strict?: boolean }) => {
      const fromGit = opts.repo !== undefined || opts.rev !== undefined;
      const progress = createProgress(io.stderr);
      progress.phase("reading and validating the fleet");
      const { snapshot, result } = await loadFleetInput(
        fromGit ? { ...opts, rev: opts.rev ?? "main" } : { dir: pathArg },
        io.cwd,
        readerFor(io),
        loadProgress(progress),
        opts.strict === true,
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
      setExit(result.ok ? EXIT.ok : EXIT.failed);
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
      setExit(compiled);
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
      setExit(compiled);
      return;
    }
    for (const line of explainNode(compiled.node, compiled.revision, compiled.rollout))
      println(io.stdout, line);
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
          loaded = await loadFleetInput(
            { ...opts, rev },
            io.cwd,
            read,
            loadProgress(progress, `${which}: `),
          ).finally(() => progress.done());
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
        setExit(EXIT.usage);
        return;
      }
      progress.phase(`comparing ${Math.max(from.nodes.size, to.nodes.size)} nodes`);
      const diff = diffFleets(from, to);
      progress.done();
      for (const line of formatFleetDiff(diff)) println(io.stdout, line);
      const etags = (f: CompiledFleet) => new Map([...f.nodes].map(([n, c]) => [n, nodeEtag(c)]));
      if (diff.changed > 0)
        for (const line of formatRolloutPreview(previewRollout(etags(from), etags(to), to.rollout)))
          println(io.stdout, line);
      setExit(diff.changed === 0 ? EXIT.ok : EXIT.failed);
    });
}

async function loadNode(name: string, opts: FleetInputOptions, io: CliIo) {
  const progress = createProgress(io.stderr);
  progress.phase("reading and validating the fleet");
  const { snapshot, result } = await loadFleetInput(
    opts,
    io.cwd,
    readerFor(io),
    loadProgress(progress),
  ).finally(() => progress.done());
  if (!result.ok) {
    printIssues(io.stderr, result.issues, opts.dir ?? "manifests");
    return EXIT.failed;
  }
  const node = result.fleet.nodes.get(name.toLowerCase());
  if (node === undefined) {
    println(
      io.stderr,
      `error: node "${name}" is not in the fleet; known nodes: ${[...result.fleet.nodes.keys()].join(", ")}`,
    );
    return EXIT.usage;
  }
  return { node, revision: snapshot.revision, rollout: result.fleet.rollout };
}
