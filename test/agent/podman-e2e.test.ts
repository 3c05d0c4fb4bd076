// End to end on a kubelet-less node: manifest-server on a busybox copy of the example fleet → agent → real podman pods.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Agent, type PassResult } from "../../src/agent/agent.js";
import { HASH_KEY, INSTANCE_KEY, NAMESPACE_LABEL } from "../../src/runtime/driver.js";
import { createPodmanDriver } from "../../src/runtime/podman.js";
import { startServer } from "../../src/server/start.js";
import {
  detectPodman,
  podmanPods,
  removeInstancePods,
  removePods,
  TEST_IMAGE,
  uniqueName,
} from "../helpers/podman.js";
import { busyboxPod, copyFleet } from "./fleet-copy.js";
import { captureLogger } from "./url-server.js";
import { manualDirSource } from "../helpers/fleet.js";

const podman = detectPodman();
const FLEET = join(import.meta.dirname, "..", "..", "manifests");
// The agent polls cp-1's URL as a node of its own, so its pod names (<name>-<node>) are this run's alone.
const NODE = uniqueName("cp-1");
const INSTANCE = uniqueName("podman-e2e");
const CP1 = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "node-exporter"].map(
  (name) => `${name}-${NODE}`,
);
const [ETCD, APISERVER, , SCHEDULER, EXPORTER] = CP1 as [string, string, string, string, string];
const BYSTANDER = uniqueName("manifest-agent-e2e-bystander");

function run(args: string[]): string {
  return execFileSync("podman", args, { env: podman.env, stdio: ["ignore", "pipe", "pipe"] }).toString(
    "utf8",
  );
}

const owned = () => podmanPods(podman.env, `${INSTANCE_KEY}=${INSTANCE}`);

/**
 * Checks the fields of a pass that `expected` names. When they differ, the message carries the pass's errors and the
 * agent's log: a failure under a busy podman then says what podman answered.
 */
function expectPass(
  result: PassResult,
  expected: Partial<Record<keyof PassResult, unknown>>,
  log: () => unknown[],
): void {
  const actual = Object.fromEntries(Object.keys(expected).map((k) => [k, result[k as keyof PassResult]]));
  assert.deepEqual(
    actual,
    expected,
    `errors: ${JSON.stringify(result.errors)}\nlog: ${JSON.stringify(log())}`,
  );
}

function cleanup(): void {
  removeInstancePods(podman.env, INSTANCE);
  removePods(podman.env, [BYSTANDER]);
}

test(
  "podman: pods run, are replaced, removed, repaired, and survive a server outage and a restart",
  { skip: podman.skip, timeout: 240_000 },
  async () => {
    const root = await mkdtemp(join(tmpdir(), "agent-podman-e2e-"));
    const fleet = join(root, "fleet");
    const stateDir = join(root, "state");
    await copyFleet(FLEET, fleet, busyboxPod(TEST_IMAGE));
    cleanup();
    run(["pod", "create", "--name", BYSTANDER, "--label", `purpose=${BYSTANDER}`]);
    const server = await startServer({ source: manualDirSource(fleet), listen: "127.0.0.1:0" });
    let serverOpen = true;
    const makeAgent = () => {
      const { logger, entries } = captureLogger();
      const agent = new Agent(
        {
          url: `${server.url}/nodes/cp-1`,
          node: NODE,
          userAgent: "manifest-agent/test",
          intervalMs: 1000,
          maxBackoffMs: 1000,
          stateDir,
        },
        { driver: createPodmanDriver({ instance: INSTANCE, env: podman.env }), logger },
      );
      return { agent, entries };
    };
    try {
      assert.equal(server.firstLoad.kind, "published");
      const { agent, entries } = makeAgent();

      const first = await agent.pass();
      expectPass(first, { source: "changed", applied: 5, converged: true }, entries);
      const running = owned();
      assert.deepEqual(
        running.map((p) => p.name),
        CP1,
      );
      for (const pod of running) assert.equal(pod.status, "Running", pod.name);
      assert.equal(running.find((p) => p.name === ETCD)?.labels[NAMESPACE_LABEL], "kube-system");
      const etcdHash = running.find((p) => p.name === ETCD)?.labels[HASH_KEY];

      const steady = await agent.pass();
      expectPass(steady, { source: "unchanged", applied: 0, converged: true }, entries);

      const etcdFile = join(fleet, "groups", "control-plane", "etcd.yaml");
      await writeFile(etcdFile, (await readFile(etcdFile, "utf8")).replace('"3600"', '"3601"'));
      assert.equal((await server.follower.refresh()).kind, "published");
      const changed = await agent.pass();
      expectPass(changed, { source: "changed", applied: 1, converged: true }, entries);
      const etcd = owned().find((p) => p.name === ETCD);
      assert.notEqual(etcd?.labels[HASH_KEY], etcdHash);
      assert.match(run(["inspect", "--format", "{{.Config.Entrypoint}}", `${ETCD}-etcd`]), /3601/);

      await unlink(etcdFile);
      assert.equal((await server.follower.refresh()).kind, "published");
      const removed = await agent.pass();
      expectPass(removed, { removed: 1, converged: true }, entries);
      assert.deepEqual(
        owned().map((p) => p.name),
        CP1.slice(1),
      );

      run(["pod", "rm", "--force", "--time", "0", APISERVER]);
      run(["pod", "stop", "--time", "0", SCHEDULER]);
      const repaired = await agent.pass();
      expectPass(repaired, { source: "unchanged", applied: 2, converged: true }, entries);
      assert.deepEqual(
        owned().map((p) => [p.name, p.status]),
        CP1.slice(1).map((n) => [n, "Running"]),
      );

      await server.close();
      serverOpen = false;
      const outage = await agent.pass();
      expectPass(outage, { source: "error", removed: 0, converged: true }, entries);
      assert.deepEqual(
        owned().map((p) => p.name),
        CP1.slice(1),
      );

      run(["pod", "rm", "--force", "--time", "0", EXPORTER]);
      const restarted = makeAgent();
      const boot = await restarted.agent.pass();
      expectPass(boot, { source: "error", applied: 1, converged: true }, restarted.entries);
      assert.ok(restarted.entries().some((e) => e.msg === "loaded checkpoint"));
      assert.deepEqual(
        owned().map((p) => p.name),
        CP1.slice(1),
      );

      assert.deepEqual(
        podmanPods(podman.env, `purpose=${BYSTANDER}`).map((p) => p.name),
        [BYSTANDER],
        "unowned pods are untouched",
      );
    } finally {
      if (serverOpen) await server.close();
      cleanup();
      await rm(root, { recursive: true, force: true });
    }
  },
);
