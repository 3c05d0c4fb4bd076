// End to end on a kubelet-less node: manifest-server on a busybox copy of the example fleet → agent → real podman pods.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Agent } from "../../src/agent/agent.js";
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
      assert.deepEqual(
        [first.source, first.applied, first.converged],
        ["changed", 5, true],
        JSON.stringify(entries()),
      );
      const running = owned();
      assert.deepEqual(
        running.map((p) => p.name),
        CP1,
      );
      for (const pod of running) assert.equal(pod.status, "Running", pod.name);
      assert.equal(running.find((p) => p.name === ETCD)?.labels[NAMESPACE_LABEL], "kube-system");
      const etcdHash = running.find((p) => p.name === ETCD)?.labels[HASH_KEY];

      const steady = await agent.pass();
      assert.deepEqual([steady.source, steady.applied, steady.converged], ["unchanged", 0, true]);

      const etcdFile = join(fleet, "groups", "control-plane", "etcd.yaml");
      await writeFile(etcdFile, (await readFile(etcdFile, "utf8")).replace('"3600"', '"3601"'));
      assert.equal((await server.follower.refresh()).kind, "published");
      const changed = await agent.pass();
      assert.deepEqual([changed.source, changed.applied, changed.converged], ["changed", 1, true]);
      const etcd = owned().find((p) => p.name === ETCD);
      assert.notEqual(etcd?.labels[HASH_KEY], etcdHash);
      assert.match(run(["inspect", "--format", "{{.Config.Entrypoint}}", `${ETCD}-etcd`]), /3601/);

      await unlink(etcdFile);
      assert.equal((await server.follower.refresh()).kind, "published");
      const removed = await agent.pass();
      assert.deepEqual([removed.removed, removed.converged], [1, true]);
      assert.deepEqual(
        owned().map((p) => p.name),
        CP1.slice(1),
      );

      run(["pod", "rm", "--force", "--time", "0", APISERVER]);
      run(["pod", "stop", "--time", "0", SCHEDULER]);
      const repaired = await agent.pass();
      assert.deepEqual([repaired.source, repaired.applied, repaired.converged], ["unchanged", 2, true]);
      assert.deepEqual(
        owned().map((p) => [p.name, p.status]),
        CP1.slice(1).map((n) => [n, "Running"]),
      );

      await server.close();
      serverOpen = false;
      const outage = await agent.pass();
      assert.deepEqual([outage.source, outage.removed, outage.converged], ["error", 0, true]);
      assert.deepEqual(
        owned().map((p) => p.name),
        CP1.slice(1),
      );

      run(["pod", "rm", "--force", "--time", "0", EXPORTER]);
      const restarted = makeAgent();
      const boot = await restarted.agent.pass();
      assert.deepEqual([boot.source, boot.applied, boot.converged], ["error", 1, true]);
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
