// Test helper: an agent for node n1 polling `url` into a real static-dir runtime and state dir under a temp folder.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { Agent } from "../../src/agent/agent.js";
import { createStaticDirDriver } from "../../src/runtime/static-dir.js";
import { tempDir } from "../helpers/fleet.js";
import { captureLogger } from "./url-server.js";

/** The agent (removed with its folder when `t` ends), its pod and state folders and its captured log entries. */
export async function staticDirAgent(t: TestContext, url: string, instance: string) {
  const root = await tempDir(`${instance}-`);
  t.after(() => root.remove());
  const podDir = join(root.path, "pods");
  const stateDir = join(root.path, "state");
  await mkdir(podDir);
  const log = captureLogger();
  const agent = new Agent(
    { url, node: "n1", userAgent: "t", intervalMs: 1000, maxBackoffMs: 1000, stateDir },
    {
      driver: createStaticDirDriver({ instance, dir: podDir, tempDir: join(stateDir, "tmp") }),
      logger: log.logger,
    },
  );
  return { agent, podDir, stateDir, logs: log.entries };
}
