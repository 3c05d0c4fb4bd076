// E2E helpers: real agents (in-process Agent, real HTTP polls and report POSTs) against a running server.
import { join } from "node:path";
import { Agent, type PassResult } from "../../src/agent/agent.js";
import { postReport, reportUrlFor } from "../../src/agent/report.js";
import { silentLogger } from "../../src/lib/logger.js";
import { createDryRunDriver } from "../../src/runtime/dry-run.js";
import type { RuntimeDriver } from "../../src/runtime/driver.js";
import { createStaticDirDriver } from "../../src/runtime/static-dir.js";

const USER_AGENT = "manifest-agent/e2e";

/** An agent for `node` of the server at `base`, reporting after each pass like the manifest-agent binary. */
export function agentFor(
  base: string,
  node: string,
  driver: RuntimeDriver = createDryRunDriver(() => undefined),
): Agent {
  const url = `${base}/nodes/${node}`;
  return new Agent(
    { url, node, userAgent: USER_AGENT, intervalMs: 1000, maxBackoffMs: 1000 },
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
