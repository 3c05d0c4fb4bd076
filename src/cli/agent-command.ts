// The manifest-agent command line: its flags (each with an environment variable), help text and checks.
import { hostname } from "node:os";
import { Command, Option } from "commander";
import { parseKubeletVersion } from "../fleet/kubelet-version.js";
import { parseDuration } from "../lib/duration.js";
import { instanceProblem } from "../agent/instance.js";
import { parseHeader } from "../agent/poll.js";
import { UsageError, messageOf } from "../lib/errors.js";
import { VERSION } from "../lib/version.js";
import { isDns1123Subdomain } from "../manifests/validate-names.js";

const RUNTIMES = ["podman", "static-dir", "dry-run"] as const;

const EXAMPLES = `
Examples:
  # next to a kubelet: write the node's pods into its staticPodPath
  manifest-agent --url http://manifests.internal:8080/nodes/cp-1 --node cp-1 \\
    --runtime static-dir --static-dir /etc/kubernetes/manifests

  # a node without a kubelet: run the pods with podman
  manifest-agent --url https://manifests.internal/nodes/edge-7 --runtime podman \\
    --header 'Authorization: Bearer s3cret'

  # show what would change, once
  manifest-agent --url http://127.0.0.1:8080/nodes/cp-1 --node cp-1 --runtime dry-run --once

Every flag can also be set through MANIFEST_AGENT_<FLAG> (e.g. MANIFEST_AGENT_URL, MANIFEST_AGENT_STATIC_DIR);
MANIFEST_AGENT_HEADER takes one header per line.
With --once the exit code is 0 when the server answered and the runtime matches it, 1 otherwise, 2 for usage errors.
A failed poll never removes pods; at boot with the server unreachable the agent runs the pods of its checkpoint.
`;

/** The parsed flags (after checkFlags). */
export interface Flags {
  url: string;
  node: string;
  instance?: string;
  runtime: (typeof RUNTIMES)[number];
  staticDir?: string;
  stateDir: string;
  interval: number;
  maxBackoff: number;
  header: [string, string][];
  once: boolean;
  logLevel: string;
  podman: string;
  reportUrl?: string;
  kubeletVersion?: number;
}

function usage<T>(parse: (v: string) => T): (v: string) => T {
  return (v) => {
    try {
      return parse(v);
    } catch (cause) {
      throw new UsageError(messageOf(cause));
    }
  };
}

/** The command with every flag, its environment variable, defaults and examples; parsing is left to the caller. */
export function buildCommand(): Command {
  const collectHeaders = (value: string, previous: [string, string][]): [string, string][] => [
    ...previous,
    ...value
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map(usage(parseHeader)),
  ];
  return new Command("manifest-agent")
    .description(
      "Poll a static-pod URL (like the kubelet's staticPodURL) and reconcile the node's pods into podman, " +
        "a kubelet staticPodPath, or a dry run.",
    )
    .version(VERSION, "-V, --version")
    .addOption(
      new Option("--url <url>", "required: URL of this node's pods (a v1 PodList or Pod, JSON or YAML)")
        .env("MANIFEST_AGENT_URL")
        .makeOptionMandatory(),
    )
    .addOption(
      new Option("--node <name>", "node name; pods are named <name>-<lowercased node>")
        .env("MANIFEST_AGENT_NODE")
        .default(hostname(), "this host's name"),
    )
    .addOption(
      new Option(
        "--instance <name>",
        "this agent's identity on the host: it lists, replaces and removes only the pods and files it labelled " +
          "with it, so several agents can share a podman or a staticPodPath (default: <node>-<hash of node and URL>)",
      ).env("MANIFEST_AGENT_INSTANCE"),
    )
    .addOption(
      new Option("--runtime <runtime>", "required: where pods run")
        .choices(RUNTIMES)
        .env("MANIFEST_AGENT_RUNTIME")
        .makeOptionMandatory(),
    )
    .addOption(
      new Option("--static-dir <dir>", "the kubelet's staticPodPath (required for --runtime static-dir)").env(
        "MANIFEST_AGENT_STATIC_DIR",
      ),
    )
    .addOption(
      new Option("--state-dir <dir>", "checkpoint and temp files")
        .env("MANIFEST_AGENT_STATE_DIR")
        .default("/var/lib/manifest-agent"),
    )
    .addOption(
      new Option("--interval <duration>", "time between polls, ±10% jitter")
        .env("MANIFEST_AGENT_INTERVAL")
        .default(20_000, "20s")
        .argParser(usage(parseDuration)),
    )
    .addOption(
      new Option("--max-backoff <duration>", "longest wait between polls after errors")
        .env("MANIFEST_AGENT_MAX_BACKOFF")
        .default(300_000, "5m")
        .argParser(usage(parseDuration)),
    )
    .addOption(
      new Option("--header <'Key: Value'>", "HTTP header sent with every poll (repeatable)")
        .env("MANIFEST_AGENT_HEADER")
        .default([])
        .argParser(collectHeaders),
    )
    .addOption(
      new Option(
        "--kubelet-version <minor>",
        'the kubelet version whose rules judge the pods, e.g. "1.31" (default: the newest supported)',
      )
        .env("MANIFEST_AGENT_KUBELET_VERSION")
        .argParser(usage(parseKubeletMinor)),
    )
    .addOption(
      new Option("--once", "one pass, then exit 0 if converged, 1 if not").env("MANIFEST_AGENT_ONCE"),
    )
    .addOption(
      new Option(
        "--report-url <url|off>",
        "where each pass is reported (POST, same headers as the polls); default: --url + /report; off: never",
      ).env("MANIFEST_AGENT_REPORT_URL"),
    )
    .addOption(
      new Option("--log-level <level>", "JSON log level on stderr")
        .choices(["trace", "debug", "info", "warn", "error", "fatal"])
        .env("MANIFEST_AGENT_LOG_LEVEL")
        .default("info"),
    )
    .addOption(
      new Option("--podman <path>", "podman binary (--runtime podman)")
        .env("MANIFEST_AGENT_PODMAN")
        .default("podman"),
    )
    .addHelpText("after", EXAMPLES)
    .showHelpAfterError("(run manifest-agent --help for usage)");
}

function parseKubeletMinor(value: string): number {
  const parsed = parseKubeletVersion(value);
  if ("error" in parsed) throw new Error(`--kubelet-version: ${parsed.error}`);
  return parsed.minor;
}

/** Throws a UsageError for flags that parse but do not make sense together (or a URL that is not one). */
export function checkFlags(flags: Flags): void {
  let url: URL;
  try {
    url = new URL(flags.url);
  } catch {
    throw new UsageError(
      `--url "${flags.url}" is not a URL`,
      "e.g. --url http://manifests.internal:8080/nodes/cp-1",
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`--url must be http or https, not ${url.protocol}`);
  }
  if (!isDns1123Subdomain(flags.node.toLowerCase())) {
    throw new UsageError(
      `--node "${flags.node}" is not a valid node name (a DNS-1123 subdomain)`,
      "set --node explicitly",
    );
  }
  const badInstance = flags.instance === undefined ? undefined : instanceProblem(flags.instance);
  if (badInstance !== undefined) throw new UsageError(`--instance ${badInstance}`);
  if (flags.reportUrl !== undefined && flags.reportUrl !== "off") {
    let report: URL | undefined;
    try {
      report = new URL(flags.reportUrl);
    } catch {
      report = undefined;
    }
    if (report === undefined || (report.protocol !== "http:" && report.protocol !== "https:"))
      throw new UsageError(
        `--report-url "${flags.reportUrl}" is not an http(s) URL`,
        "or pass --report-url off",
      );
  }
  if (flags.runtime === "static-dir" && flags.staticDir === undefined) {
    throw new UsageError(
      "--runtime static-dir needs --static-dir DIR",
      "e.g. --static-dir /etc/kubernetes/manifests",
    );
  }
}
