// Rollouts with real agents (static-dir runtime, real polls and reports): a change whose image cannot be pulled fails
// on the canary, the agent's report stops the rollout there and rolls the canary back; no other agent ever gets it.
import assert from "node:assert/strict";
import { mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Agent } from "../../src/agent/agent.js";
import type { RuntimeDriver } from "../../src/runtime/driver.js";
import { createStaticDirDriver } from "../../src/runtime/static-dir.js";
import { startServer, type RunningServer } from "../../src/server/start.js";
import { manualDirSource, tempDir, writeAppFleet, type TempDir } from "../helpers/fleet.js";
import { agentFor, canaryFleet, untilRollout } from "./agents.js";

const NODES = ["cp-1", "cp-2", "edge-1", "edge-2"];
const FLEET = canaryFleet({ nodes: NODES, canary: "cp-1", soak: "100ms", deadline: "3s" });

/** The static-dir runtime, except that a pod whose image names "broken" cannot start, as an image that cannot be pulled. */
function pullingDriver(dir: string, attempts: string[]): RuntimeDriver {
  const inner = createStaticDirDriver({
    instance: "rollout-test",
    dir: join(dir, "manifests"),
    tempDir: join(dir, "tmp"),
  });
  return {
    name: "static-dir",
    list: () => inner.list(),
    remove: (name) => inner.remove(name),
    async apply(pod) {
      const image = JSON.stringify(pod.manifest);
      attempts.push(image);
      if (image.includes("broken")) throw new Error("ErrImagePull: example/broken:1: manifest unknown");
      await inner.apply(pod);
    },
  };
}

describe("rollouts with real agents", () => {
  let root: TempDir;
  let server: RunningServer;
  const agents = new Map<string, Agent>();
  const attempts = new Map<string, string[]>();
  const stop = new AbortController();
  const runs: Array<Promise<void>> = [];

  const push = async (image: string): Promise<string> => {
    await writeAppFleet(join(root.path, "fleet"), image, FLEET);
    assert.equal((await server.follower.refresh()).kind, "published");
    return server.store.current?.fleet.revision ?? "";
  };
  const running = async (node: string) => {
    const dir = join(root.path, node, "manifests");
    const files = await readdir(dir);
    return Promise.all(files.map((f) => readFile(join(dir, f), "utf8")));
  };

  before(async () => {
    root = await tempDir("ms-rollout-agents-");
    await writeAppFleet(join(root.path, "fleet"), "example/app:1", FLEET);
    server = await startServer({
      source: manualDirSource(join(root.path, "fleet")),
      listen: "127.0.0.1:0",
      rollout: { tickMs: 20 },
    });
    for (const n of NODES) {
      await mkdir(join(root.path, n, "manifests"), { recursive: true });
      const tried: string[] = [];
      attempts.set(n, tried);
      const agent = agentFor(server.url, n, pullingDriver(join(root.path, n), tried));
      agents.set(n, agent);
      runs.push(
        (async () => {
          while (!stop.signal.aborted) {
            await agent.pass(stop.signal);
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        })(),
      );
    }
  });

  after(async () => {
    stop.abort();
    await Promise.all(runs);
    await server.close();
    await root.remove();
  });

  it("a good change reaches every agent", async () => {
    const to = await push("example/app:2");
    await untilRollout(server, to, "succeeded");
    for (const n of NODES) assert.match((await running(n)).join(), /example\/app:2/);
  });

  it("an image that cannot be pulled stops the rollout at the canary and rolls it back", async () => {
    const bad = await push("example/broken:1");
    const r = await untilRollout(server, bad, "rolled-back");
    assert.match(r.reason ?? "", /cp-1/);
    assert.match(r.nodes.get("cp-1")?.reason ?? "", /ErrImagePull|agent reports/);
    for (const n of NODES.filter((x) => x !== "cp-1"))
      assert.ok(!(attempts.get(n) ?? []).some((a) => a.includes("broken")), `${n} got the broken image`);
    // The canary's agent gets its previous document back and runs it again.
    for (;;) {
      const report = server.fleetView.reports.get("cp-1");
      if (report?.revision !== bad && report?.converged === true) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.match((await running("cp-1")).join(), /example\/app:2/);
  });
});
