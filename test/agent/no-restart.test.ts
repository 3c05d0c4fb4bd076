// The agent next to a kubelet (static-dir) keeps a pod whose served form changes only in ways the kubelet ignores.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Agent } from "../../src/agent/agent.js";
import { legacyContentHash } from "../../src/agent/defaults.js";
import { HASH_KEY } from "../../src/runtime/driver.js";
import { createStaticDirDriver } from "../../src/runtime/static-dir.js";
import { captureLogger, startUrlServer } from "./url-server.js";

const pod = (spec: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "web", namespace: "kube-system" },
  spec: { containers: [{ name: "app", image: "busybox:1.36", args: ["sleep", "3600"] }], ...spec },
  ...extra,
});
const list = (p: object): string => JSON.stringify({ apiVersion: "v1", kind: "PodList", items: [p] });
const FILE = "manifest-agent_kube-system_web-n1.yaml";

test("static-dir: a spelled-out default, an unknown field, key order or a BOM rewrite no pod file", async () => {
  const root = await mkdtemp(join(tmpdir(), "agent-no-restart-"));
  const podDir = join(root, "manifests");
  await mkdir(podDir);
  const server = await startUrlServer("/nodes/n1");
  const url = `${server.url}/nodes/n1`;
  const { logger, entries } = captureLogger();
  const agent = new Agent(
    { url, node: "n1", userAgent: "manifest-agent/test", intervalMs: 1000, maxBackoffMs: 1000 },
    {
      driver: createStaticDirDriver({ dir: podDir, tempDir: join(root, "tmp"), instance: "default" }),
      logger,
    },
  );
  try {
    server.answer({ body: list(pod({})) });
    const first = await agent.pass();
    assert.deepEqual([first.source, first.applied], ["changed", 1], JSON.stringify(entries()));
    const written = await readFile(join(podDir, FILE), "utf8");
    const mtime = (await stat(join(podDir, FILE))).mtimeMs;

    const same = [
      list(pod({ restartPolicy: "Always", dnsPolicy: "ClusterFirst", terminationGracePeriodSeconds: 30 })),
      list(
        pod({
          containers: [
            { name: "app", image: "busybox:1.36", args: ["sleep", "3600"], imagePullPolicy: "IfNotPresent" },
          ],
        }),
      ),
      list(pod({ someFutureField: { x: 1 } })),
      list({ spec: pod({}).spec, metadata: pod({}).metadata, kind: "Pod", apiVersion: "v1" }),
      `\uFEFF${list(pod({}))}`,
    ];
    for (const body of same) {
      server.answer({ body });
      const result = await agent.pass();
      assert.deepEqual([result.source, result.applied, result.converged], ["changed", 0, true], body);
    }
    assert.equal(await readFile(join(podDir, FILE), "utf8"), written);
    assert.equal((await stat(join(podDir, FILE))).mtimeMs, mtime);

    server.answer({ body: list(pod({ restartPolicy: "Never" })) });
    const changed = await agent.pass();
    assert.equal(changed.applied, 1, "a change the kubelet sees is applied");
  } finally {
    await server.close();
    await rm(root, { recursive: true, force: true });
  }
});

test("static-dir: after an upgrade, a pod written with the previous hash scheme is kept", async () => {
  const root = await mkdtemp(join(tmpdir(), "agent-upgrade-"));
  const podDir = join(root, "manifests");
  await mkdir(podDir);
  const server = await startUrlServer("/nodes/n1");
  const url = `${server.url}/nodes/n1`;
  const served = pod({});
  const oldHash = legacyContentHash(served, url);
  // What an older agent wrote: the pod with its hash annotation under the old scheme.
  const old = { ...served, metadata: { ...served.metadata, annotations: { [HASH_KEY]: oldHash } } };
  await writeFile(join(podDir, FILE), JSON.stringify(old));
  const { logger } = captureLogger();
  const agent = new Agent(
    { url, node: "n1", userAgent: "manifest-agent/test", intervalMs: 1000, maxBackoffMs: 1000 },
    {
      driver: createStaticDirDriver({ dir: podDir, tempDir: join(root, "tmp"), instance: "default" }),
      logger,
    },
  );
  try {
    server.answer({ body: list(served) });
    const result = await agent.pass();
    assert.deepEqual([result.applied, result.removed, result.converged], [0, 0, true]);
    assert.equal(await readFile(join(podDir, FILE), "utf8"), JSON.stringify(old));
  } finally {
    await server.close();
    await rm(root, { recursive: true, force: true });
  }
});
