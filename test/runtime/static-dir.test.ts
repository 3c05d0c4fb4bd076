// The static-dir driver on a real temp directory: atomic files, only its own, readable by a YAML 1.1 reader.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { applyKubeletDefaults } from "../../src/agent/defaults.js";
import { yamlToJson } from "../../src/manifests/yaml.js";
import { createStaticDirDriver, staticFileName } from "../../src/runtime/static-dir.js";

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
    const driver = createStaticDirDriver({ dir, tempDir: join(state, "tmp") });
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
        annotations: { "manifest-agent.io/hash": pod.hash },
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
    const driver = createStaticDirDriver({ dir, tempDir: join(state, "tmp") });
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

test("a damaged own file lists with an empty hash (so it gets rewritten) and stray temp files are swept", async () => {
  await withDirs(async (dir, state) => {
    const driver = createStaticDirDriver({ dir, tempDir: join(state, "tmp") });
    await writeFile(join(dir, "manifest-agent_default_web-cp-1.yaml"), "{ not: [yaml");
    await writeFile(join(dir, ".manifest-agent-abc.tmp"), "half");
    assert.deepEqual(await driver.list(), [{ fullName: "default/web-cp-1", hash: "", owned: true }]);
    assert.deepEqual(await readdir(dir), ["manifest-agent_default_web-cp-1.yaml"]);
  });
});
