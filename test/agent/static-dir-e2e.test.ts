// End to end next to a kubelet: manifest-server on a copy of the example fleet → agent → a staticPodPath.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Agent } from "../../src/agent/agent.js";
import { yamlToJson } from "../../src/manifests/yaml.js";
import { isRecord, recordAt } from "../../src/runtime/json.js";
import { createStaticDirDriver } from "../../src/runtime/static-dir.js";
import { startServer } from "../../src/server/start.js";
import { busyboxPod, copyFleet } from "./fleet-copy.js";
import { captureLogger } from "./url-server.js";
import { manualDirSource } from "../helpers/fleet.js";

const FLEET = join(import.meta.dirname, "..", "..", "manifests");
const CP1_FILES = [
  "manifest-agent_kube-system_etcd-cp-1.yaml",
  "manifest-agent_kube-system_kube-apiserver-cp-1.yaml",
  "manifest-agent_kube-system_kube-controller-manager-cp-1.yaml",
  "manifest-agent_kube-system_kube-scheduler-cp-1.yaml",
  "manifest-agent_monitoring_node-exporter-cp-1.yaml",
];

test("static-dir: pods appear, change, go, come back after a hand delete, and survive a server outage", async () => {
  const root = await mkdtemp(join(tmpdir(), "agent-static-e2e-"));
  const fleet = join(root, "fleet");
  const podDir = join(root, "etc-kubernetes-manifests");
  const stateDir = join(root, "state");
  await copyFleet(FLEET, fleet, busyboxPod("localhost/busybox:latest"));
  await mkdir(podDir);
  await writeFile(join(podDir, "hand-made.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: {name: mine}\n");
  const server = await startServer({ source: manualDirSource(fleet), listen: "127.0.0.1:0" });
  let serverOpen = true;
  const makeAgent = () => {
    const { logger, entries } = captureLogger();
    const agent = new Agent(
      {
        url: `${server.url}/nodes/cp-1`,
        node: "cp-1",
        userAgent: "manifest-agent/test",
        intervalMs: 1000,
        maxBackoffMs: 1000,
        stateDir,
      },
      {
        driver: createStaticDirDriver({
          instance: "static-e2e",
          dir: podDir,
          tempDir: join(stateDir, "tmp"),
        }),
        logger,
      },
    );
    return { agent, entries };
  };
  const ours = async () => (await readdir(podDir)).filter((f) => f.startsWith("manifest-agent_")).sort();
  try {
    assert.equal(server.firstLoad.kind, "published", JSON.stringify(server.firstLoad));
    const { agent, entries } = makeAgent();

    const first = await agent.pass();
    assert.deepEqual([first.source, first.converged], ["changed", true], JSON.stringify(entries()));
    assert.deepEqual(await ours(), CP1_FILES);
    const etcd = yamlToJson(await readFile(join(podDir, CP1_FILES[0] ?? ""), "utf8"));
    assert.ok(isRecord(etcd));
    assert.equal(recordAt(etcd, "metadata")?.name, "etcd", "the kubelet adds -cp-1 itself");

    const again = await agent.pass();
    assert.deepEqual([again.source, again.applied, again.converged], ["unchanged", 0, true]);

    const etcdFile = join(fleet, "groups", "control-plane", "etcd.yaml");
    await writeFile(etcdFile, (await readFile(etcdFile, "utf8")).replace('"3600"', '"3601"'));
    assert.equal((await server.follower.refresh()).kind, "published");
    const changed = await agent.pass();
    assert.deepEqual([changed.source, changed.applied, changed.removed], ["changed", 1, 0]);
    assert.match(await readFile(join(podDir, CP1_FILES[0] ?? ""), "utf8"), /3601/);

    await unlink(join(fleet, "groups", "control-plane", "etcd.yaml"));
    assert.equal((await server.follower.refresh()).kind, "published");
    const removed = await agent.pass();
    assert.deepEqual([removed.source, removed.removed], ["changed", 1]);
    assert.deepEqual(await ours(), CP1_FILES.slice(1));

    await unlink(join(podDir, CP1_FILES[1] ?? ""));
    const repaired = await agent.pass();
    assert.deepEqual([repaired.source, repaired.applied, repaired.converged], ["unchanged", 1, true]);
    assert.deepEqual(await ours(), CP1_FILES.slice(1));

    await server.close();
    serverOpen = false;
    const outage = await agent.pass();
    assert.deepEqual([outage.source, outage.removed, outage.converged], ["error", 0, true]);
    assert.deepEqual(await ours(), CP1_FILES.slice(1));

    await unlink(join(podDir, CP1_FILES[4] ?? ""));
    const restarted = makeAgent();
    const boot = await restarted.agent.pass();
    assert.deepEqual([boot.source, boot.applied, boot.converged], ["error", 1, true]);
    assert.ok(restarted.entries().some((e) => e.msg === "loaded checkpoint"));
    assert.deepEqual(await ours(), CP1_FILES.slice(1));
    assert.deepEqual(
      (await readdir(podDir)).filter((f) => !f.startsWith("manifest-agent_")),
      ["hand-made.yaml"],
      "no stray files the kubelet would read, and the hand-made pod is untouched",
    );
  } finally {
    if (serverOpen) await server.close();
    await rm(root, { recursive: true, force: true });
  }
});
