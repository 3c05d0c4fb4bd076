// Options and helpers shared by the manifest-server commands.
import { Command, Option } from "commander";
import { UsageError } from "../lib/errors.js";
import { defaultCacheDir } from "../source/git-cache.js";
import { gitEnv } from "../source/git.js";
import { fleetSnapshotReader, type FleetInputOptions, type SnapshotReader } from "./fleet-input.js";
import type { CliIo } from "./io.js";

/** Sets the process exit code of the command being run. */
export type SetExit = (code: number) => void;

export const ENV = "MANIFEST_SERVER_";

export function sourceOptions(cmd: Command, withPathDefault: boolean): Command {
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
        "where repositories are cloned and serve keeps rollout state (default: ~/.cache/manifest-server)",
      ).env(`${ENV}CACHE_DIR`),
    );
}

export function revOption(cmd: Command): Command {
  return cmd.addOption(
    new Option("--rev <rev>", "branch, tag or commit to read (implies git; default: --ref)").env(`${ENV}REV`),
  );
}

export function checkSource(opts: FleetInputOptions): void {
  if (opts.dir !== undefined && (opts.repo !== undefined || opts.rev !== undefined))
    throw new UsageError("--dir and --repo/--rev are exclusive", "pass one fleet source");
}

/** Git reads keep the hook's quarantine variables, so `validate --rev` works inside pre-receive. */
export function readerFor(io: CliIo): SnapshotReader {
  const env = { ...process.env, ...io.env };
  return fleetSnapshotReader(gitEnv(env, false), defaultCacheDir(env));
}
