// E2E helpers: real agents (in-process Agent, real HTTP polls and report POSTs) against a running server.
import assert from "node:assert/strict";
import { join } from "node:path";
import { Agent, type AgentConfig, type PassResult } from "../../src/agent/agent.js";
import { postReport, reportUrlFor } from "../../src/agent/report.js";
import { silentLogger } from "../../src/lib/logger.js";
import { createDryRunDriver } from "../../src/runtime/dry-run.js";
import type { RuntimeDriver } from "../../src/runtime/driver.js";
import { createStaticDirDriver } from "../../src/runtime/static-dir.js";
import type { RolloutPhase, RolloutState } from "../../src/rollout/state.js";
import type { RunningServer } from "../../src/server/start.js";

const USER_AGENT = "manifest-agent/e2e";

/**
 * An agent for `node` of the server at `base`, reporting after each pass like the manifest-agent binary; `config`
 * overrides its settings (e.g. a shorter interval for `run`).
 */
export function agentFor(
  base: string,
  node: string,
  driver: RuntimeDriver = createDryRunDriver(() => undefined),
  config: Partial<Pick<AgentConfig, "intervalMs" | "maxBackoffMs" | "jitter">> = {},
): Agent {
  const url = `${base}/nodes/${node}`;
  return new Agent(
    { url, node, userAgent: USER_AGENT, intervalMs: 1000, maxBackoffMs: 1000, ...config },
    {
      driver,
      logger: silentLogger(),
      report: (body, signal) =>
        postReport({ url: reportUrlFor(url), headers: [], userAgent: USER_AGENT, signal }, body),
    },
  );
}

/** A static-dir runtime whose folder is below a regular file, so every runtime call fails for real. */
export function brokenDriver(fileInTemp: string): RuntimeDriver {
  return createStaticDirDriver({
    instance: "e2e-broken",
    dir: join(fileInTemp, "manifests"),
    tempDir: join(fileInTemp, "tmp"),
  });
}

/** One pass of each agent, in order. */
export async function passAll(agents: readonly Agent[]): Promise<PassResult[]> {
  const results: PassResult[] = [];
  for (const a of agents) results.push(await a.pass());
  return results;
}

/**
 * The server's rollout state once the rollout of `to` is in `phase`, checked every 20 ms (the driver decides on its
 * ticks). Fails at once when that rollout finishes in another phase.
 */
export async function untilRollout(
  server: RunningServer,
  to: string,
  phase: RolloutPhase,
): Promise<RolloutState> {
  for (;;) {
    const r = server.rollouts.driver.state;
    if (r?.to === to && r.phase === phase) return r;
    if (r?.to === to && r.phase !== "progressing")
      assert.fail(`rollout of ${to} ended ${r.phase}, not ${phase}: ${r.reason ?? ""}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** What canaryFleet writes: `nodes` (each with its value, `{}` by default), rolled out canary first, then one at a time. */
export interface CanaryFleet {
  nodes: readonly string[];
  nodeValue?: (node: string) => string;
  canary: string;
  soak: string;
  deadline: string;
  probe?: string;
  onFailure?: "rollback" | "pause";
}

/** A fleet.yaml of the rollout tests: a canary wave of one node, then everyone else one node at a time. */
export function canaryFleet(f: CanaryFleet): string {
  const value = f.nodeValue ?? (() => "{}");
  const health = [
    ...(f.probe === undefined ? [] : [`    probe: "${f.probe}"`]),
    `    deadline: "${f.deadline}"`,
  ];
  return [
    "nodes:",
    ...f.nodes.map((n) => `  ${n}: ${value(n)}`),
    "rollout:",
    "  waves:",
    `    - { name: "canary", nodes: ["${f.canary}"], soak: "${f.soak}" }`,
    `    - { name: "everyone", maxNodes: 1 }`,
    "  health:",
    ...health,
    ...(f.onFailure === undefined ? [] : [`  onFailure: "${f.onFailure}"`]),
    "",
  ].join("\n");
}
