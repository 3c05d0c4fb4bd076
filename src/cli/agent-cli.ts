// The manifest-agent command line in-process: argv → an Agent with a runtime driver → exit code (EXIT).
import { join } from "node:path";
import { CommanderError } from "commander";
import { Agent } from "../agent/agent.js";
import { defaultInstance } from "../agent/instance.js";
import { postReport, reportUrlFor } from "../agent/report.js";
import { EXIT, ManifestServerError, messageOf } from "../lib/errors.js";
import { createLogger, type Logger } from "../lib/logger.js";
import { VERSION } from "../lib/version.js";
import { agentUserAgent } from "../protocol/headers.js";
import type { RuntimeDriver } from "../runtime/driver.js";
import { createDryRunDriver } from "../runtime/dry-run.js";
import { createPodmanDriver } from "../runtime/podman.js";
import { createStaticDirDriver } from "../runtime/static-dir.js";
import { buildCommand, checkFlags, type Flags } from "./agent-command.js";
import { println, type CliIo } from "./io.js";

type StopSignal = "SIGTERM" | "SIGINT";

/** Where the agent hears SIGTERM and SIGINT: `process` in the binary, an EventEmitter in tests. */
export interface SignalSource {
  on(signal: StopSignal, listener: () => void): unknown;
  off(signal: StopSignal, listener: () => void): unknown;
}

/** Returned after a second signal: the caller must exit at once, without waiting for the step in progress. */
export const EXIT_INTERRUPTED = 130;

function createDriver(flags: Flags, instance: string, io: CliIo): RuntimeDriver {
  if (flags.runtime === "podman") return createPodmanDriver({ instance, podman: flags.podman });
  if (flags.runtime === "static-dir") {
    const tempDir = join(flags.stateDir, "tmp");
    return createStaticDirDriver({ instance, dir: flags.staticDir ?? "", tempDir });
  }
  return createDryRunDriver((line) => println(io.stdout, line));
}

function createAgent(flags: Flags, instance: string, io: CliIo, logger: Logger): Agent {
  const userAgent = agentUserAgent(VERSION);
  const reportUrl = flags.reportUrl === "off" ? undefined : (flags.reportUrl ?? reportUrlFor(flags.url));
  return new Agent(
    {
      url: flags.url,
      node: flags.node,
      headers: flags.header,
      userAgent,
      intervalMs: flags.interval,
      maxBackoffMs: flags.maxBackoff,
      stateDir: flags.stateDir,
      ...(flags.kubeletVersion === undefined ? {} : { kubeletMinor: flags.kubeletVersion }),
    },
    {
      driver: createDriver(flags, instance, io),
      logger,
      ...(reportUrl === undefined
        ? {}
        : {
            report: (body, signal) =>
              postReport({ url: reportUrl, headers: flags.header, userAgent, signal }, body),
          }),
    },
  );
}

/**
 * Runs the agent until a signal (or one pass with --once). Resolves EXIT.ok when stopped by a signal or
 * converged with --once, EXIT.failed when a --once pass did not converge, EXIT_INTERRUPTED on a second signal.
 */
async function runAgent(flags: Flags, io: CliIo, signals: SignalSource): Promise<number> {
  const logger = createLogger(flags.logLevel, io.stderr);
  const instance = flags.instance ?? defaultInstance(flags.node, flags.url);
  const agent = createAgent(flags, instance, io, logger);
  const controller = new AbortController();
  let interrupt = (): void => undefined;
  const interrupted = new Promise<number>((resolve) => {
    interrupt = () => resolve(EXIT_INTERRUPTED);
  });
  const stop = (signal: StopSignal): void => {
    if (controller.signal.aborted) {
      logger.warn({ signal }, "second signal: exiting without finishing the current step");
      interrupt();
      return;
    }
    logger.info({ signal }, "stopping after the current step");
    controller.abort();
  };
  const onTerm = (): void => stop("SIGTERM");
  const onInt = (): void => stop("SIGINT");
  signals.on("SIGTERM", onTerm);
  signals.on("SIGINT", onInt);
  const work = async (): Promise<number> => {
    logger.info(
      {
        url: flags.url,
        node: flags.node,
        instance,
        runtime: flags.runtime,
        headers: flags.header.map(([k]) => k),
      },
      "starting",
    );
    if (flags.once) {
      const result = await agent.pass(controller.signal);
      const converged = result.fresh && result.converged;
      logger.info(result, converged ? "converged" : "not converged");
      return converged ? EXIT.ok : EXIT.failed;
    }
    await agent.run(controller.signal);
    return EXIT.ok;
  };
  try {
    return await Promise.race([work(), interrupted]);
  } finally {
    signals.off("SIGTERM", onTerm);
    signals.off("SIGINT", onInt);
  }
}

/**
 * The manifest-agent program: parses `argv` (without node and script), checks the flags, runs the agent with
 * its logs on `io.stderr` (and the dry-run plan on `io.stdout`), and stops on the first SIGTERM or SIGINT of
 * `signals` after the step in progress. Returns the exit code (EXIT: 0 ok or converged, 1 a --once pass did
 * not converge, 2 usage error or failure; EXIT_INTERRUPTED after a second signal). Never throws; never exits.
 */
export async function runAgentCli(
  argv: readonly string[],
  io: CliIo,
  signals: SignalSource,
): Promise<number> {
  const command = buildCommand()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  try {
    command.parse([...argv], { from: "user" });
    const flags = command.opts<Flags>();
    checkFlags(flags);
    return await runAgent(flags, io, signals);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    println(io.stderr, `error: ${messageOf(e)}`);
    if (e instanceof ManifestServerError && e.hint !== undefined) println(io.stderr, `hint: ${e.hint}`);
    return EXIT.usage;
  }
}
