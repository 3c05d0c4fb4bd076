// The static-dir driver on a real temp directory: atomic files, only its own, readable by a YAML 1.1 reader.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { applyKubeletDefaults } from "../../src/agent/defaults.js";
import { yamlToJson } from "../../src/manifests/yaml.js";
import { PodConflictError } from "../../src/runtime/driver.js";
import { createStaticDirDriver, staticFileName } from "../../src/runtime/static-dir.js";

const INSTANCE = "static-test";
const driverFor = (dir: string, state: string, instance = INSTANCE) =>
  createStaticDirDriver({ instance, dir, tempDir: join(state, "tmp") });

async function withDirs(fn: (dir: string, state: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), "static-dir-"));
  try {
    await mkdir(join(root, "manifests"));
    await fn(join(root, "manifests"), join(root, "state"));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

const served = (name: string, image = "busybox:1.36") => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "kube-system", labels: { enabled: "yes" } },
  spec: { containers: [{ name: "c", image }] },
  status: { phase: "Running" },
});
const desired = (name: string, image?: string) =>
  applyKubeletDefaults(served(name, image), { node: "cp-1", url: "http://server/nodes/cp-1" });

test("apply writes one YAML file per pod, as served (the kubelet adds its own defaults), and nothing else", async () => {
  await withDirs(async (dir, state) => {
    const driver = driverFor(dir, state);
    const pod = desired("etcd");
    await driver.apply(pod);
    assert.deepEqual(await readdir(dir), ["manifest-agent_kube-system_etcd-cp-1.yaml"]);
    assert.equal(staticFileName(pod.fullName), "manifest-agent_kube-system_etcd-cp-1.yaml");
    assert.deepEqual(await readdir(join(state, "tmp")), [], "no temp file left behind");
    const written = yamlToJson(
      await readFile(join(dir, "manifest-agent_kube-system_etcd-cp-1.yaml"), "utf8"),
    );
    assert.deepEqual(written, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: "etcd",
        namespace: "kube-system",
        labels: { enabled: "yes" },
        annotations: { "manifest-agent.io/hash": pod.hash, "manifest-agent.io/instance": INSTANCE },
      },
      spec: { containers: [{ name: "c", image: "busybox:1.36" }] },
    });
    assert.deepEqual(await driver.list(), [
      { fullName: "kube-system/etcd-cp-1", hash: pod.hash, owned: true },
    ]);
  });
});

test("apply replaces a changed pod in place; remove deletes only the agent's own file", async () => {
  await withDirs(async (dir, state) => {
    const driver = driverFor(dir, state);
    await writeFile(join(dir, "kube-apiserver.yaml"), "hand-written\n");
    await writeFile(join(dir, "manifest-agent-looks-similar.yaml"), "not ours\n");
    await driver.apply(desired("etcd"));
    const changed = desired("etcd", "busybox:1.37");
    await driver.apply(changed);
    assert.deepEqual(await driver.list(), [
      { fullName: "kube-system/etcd-cp-1", hash: changed.hash, owned: true },
    ]);
    await driver.remove("kube-system/etcd-cp-1");
    await driver.remove("kube-system/etcd-cp-1");
    assert.deepEqual((await readdir(dir)).sort(), [
      "kube-apiserver.yaml",
      "manifest-agent-looks-similar.yaml",
    ]);
    assert.equal(await readFile(join(dir, "kube-apiserver.yaml"), "utf8"), "hand-written\n");
  });
});

test("a damaged file lists as legacy with an empty hash (the agent that wants it rewrites it); only the instance's own stray temp files are swept", async () => {
  await withDirs(async (dir, state) => {
    const driver = driverFor(dir, state);
    await writeFile(join(dir, "manifest-agent_default_web-cp-1.yaml"), "{ not: [yaml");
    await writeFile(join(dir, `.manifest-agent@${INSTANCE}+abc.tmp`), "half");
    await writeFile(join(dir, `.manifest-agent@${INSTANCE}-2+abc.tmp`), "another instance's, in flight");
    assert.deepEqual(await driver.list(), [
      { fullName: "default/web-cp-1", hash: "", owned: false, legacy: true },
    ]);
    assert.deepEqual((await readdir(dir)).sort(), [
      `.manifest-agent@${INSTANCE}-2+abc.tmp`,
      "manifest-agent_default_web-cp-1.yaml",
    ]);
  });
});

test("two instances on one folder: each lists, replaces and removes only its own files; legacy files are listed as such", async () => {
  await withDirs(async (dir, state) => {
    const a = driverFor(dir, join(state, "a"), "agent-a");
    const b = driverFor(dir, join(state, "b"), "agent-b");
    const etcd = desired("etcd");
    const web = desired("web");
    await a.apply(etcd);
    await b.apply(web);
    assert.deepEqual(await a.list(), [{ fullName: etcd.fullName, hash: etcd.hash, owned: true }]);
    assert.deepEqual(await b.list(), [{ fullName: web.fullName, hash: web.hash, owned: true }]);
    await assert.rejects(b.apply(desired("etcd", "busybox:1.37")), PodConflictError);
    await assert.rejects(b.remove(etcd.fullName), /belongs to manifest-agent instance agent-a/);
    assert.deepEqual(await a.list(), [{ fullName: etcd.fullName, hash: etcd.hash, owned: true }]);

    // A file written by an agent older than instances: the hash annotation only.
    const old = desired("old");
    await writeFile(
      join(dir, staticFileName(old.fullName)),
      JSON.stringify({
        ...old.manifest,
        metadata: { name: "old", annotations: { "manifest-agent.io/hash": old.hash } },
      }),
    );
    const legacy = { fullName: old.fullName, hash: old.hash, owned: false, legacy: true };
    assert.deepEqual(await b.list(), [legacy, { fullName: web.fullName, hash: web.hash, owned: true }]);
    await b.apply(old);
    assert.deepEqual(await a.list(), [{ fullName: etcd.fullName, hash: etcd.hash, owned: true }]);
    await b.remove(old.fullName);
    await b.remove(web.fullName);
    assert.deepEqual(await readdir(dir), [staticFileName(etcd.fullName)]);
  });
});
