// The manifest-server command line: argv → command → exit code (EXIT in lib/errors.ts: 0 ok, 1 invalid/changed, 2 usage or error).
import { Command, CommanderError } from "commander";
import { EXIT, ManifestServerError, messageOf } from "../lib/errors.js";
import { VERSION } from "../lib/version.js";
import { ENV } from "./command-options.js";
import { addFleetCommands } from "./fleet-commands.js";
import { println, type CliIo } from "./io.js";
import { addRolloutCommand } from "./rollout-command.js";
import { addServeCommand } from "./serve-command.js";

export async function runServerCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
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
  manifest-server rollout status --server http://manifests.example:8080

Every flag also reads an environment variable: --dir is ${ENV}DIR, --listen is ${ENV}LISTEN, and so on.
Exit codes: 0 success, 1 the fleet is invalid (diff: some node changes), 2 usage error or unreadable input.`,
    );

  const setExit = (code: number): void => {
    exitCode = code;
  };
  addServeCommand(program, io);
  addFleetCommands(program, io, setExit);
  addRolloutCommand(program, io, setExit);

  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    println(io.stderr, `error: ${messageOf(e)}`);
    if (e instanceof ManifestServerError && e.hint !== undefined) println(io.stderr, `hint: ${e.hint}`);
    return EXIT.usage;
  }
}
