// Several agents on one host: two instances against two servers share a podman and a staticPodPath without touching
// each other's pods, and pods of an agent older than instances are adopted without a restart.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdir, readdir, readFile, rm, stat, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { Agent } from "../../src/agent/agent.js";
import { saveCheckpoint } from "../../src/agent/checkpoint.js";
import { applyKubeletDefaults } from "../../src/agent/defaults.js";
import { decodeResponse } from "../../src/agent/decode.js";
import { toYaml } from "../../src/manifests/render.js";
import {
  HASH_KEY,
  INSTANCE_KEY,
  OWNED_LABEL,
  type DesiredPod,
  type RuntimeDriver,
} from "../../src/runtime/driver.js";
import { recordAt, type JsonObject } from "../../src/runtime/json.js";
import { createPodmanDriver } from "../../src/runtime/podman.js";
import { createStaticDirDriver, staticFileName } from "../../src/runtime/static-dir.js";
import { startServer, type RunningServer } from "../../src/server/start.js";
import { manualDirSource, tempDir, writeTree, type TempDir } from "../helpers/fleet.js";
import {
  detectPodman,
  legacyPodSpec,
  podmanPods,
  removeInstancePods,
  removePods,
  TEST_IMAGE,
  uniqueName,
} from "../helpers/podman.js";
import { captureLogger } from "./url-server.js";

const podman = detectPodman();

/** A pod that runs anywhere podman does: busybox sleep, no pull, no grace period. */
function pod(name: string): JsonObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name: "main", image: TEST_IMAGE, imagePullPolicy: "Never", command: ["sleep", "3600"] }],
    },
  };
}

/** A fleet whose node `n1` runs one pod per name. */
const fleetOf = (names: string[]): Record<string, string> => ({
  "fleet.yaml": "nodes:\n  n1: {}\n",
  ...Object.fromEntries(names.map((n) => [`common/${n}.yaml`, JSON.stringify(pod(n))])),
});

/** One runtime under test: its drivers, what identifies each pod there (a restart or rewrite changes it). */
interface Runtime {
  driver(instance: string): RuntimeDriver;
  /** Pod name (`<name>-<node>`) → identity: podman's pod ID, or the file's inode, mtime and content. */
  snapshot(): Promise<Map<string, string>>;
  /** Makes `pods` as an agent older than instances did (no instance label or annotation). */
  legacy(pods: DesiredPod[]): Promise<void>;
  /** The instance each pod name carries, "" for none. */
  owners(): Promise<Map<string, string>>;
  cleanup(instances: string[]): Promise<void>;
}

function podmanRuntime(node: string): Runtime {
  const ours = () =>
    [...podmanPods(podman.env, OWNED_LABEL), ...podmanPods(podman.env, INSTANCE_KEY)].filter((p) =>
      p.name.endsWith(`-${node}`),
    );
  return {
    driver: (instance) => createPodmanDriver({ instance, env: podman.env }),
    snapshot: () => Promise.resolve(new Map(ours().map((p) => [p.name, p.id]))),
    legacy(pods) {
      for (const p of pods) {
        execFileSync("podman", ["kube", "play", "-"], {
          env: podman.env,
          input: legacyPodSpec(p),
          stdio: ["pipe", "ignore", "pipe"],
        });
      }
      return Promise.resolve();
    },
    owners: () => Promise.resolve(new Map(ours().map((p) => [p.name, p.labels[INSTANCE_KEY] ?? ""]))),
    cleanup(instances) {
      for (const instance of instances) removeInstancePods(podman.env, instance);
      removePods(
        podman.env,
        ours().map((p) => p.name),
      );
      return Promise.resolve();
    },
  };
}

function staticDirRuntime(root: string): Runtime {
  const dir = join(root, "kubelet-manifests");
  const files = async () => (await readdir(dir)).filter((f) => f.startsWith("manifest-agent_")).sort();
  const podName = (file: string) => file.slice(file.lastIndexOf("_") + 1, -".yaml".length);
  const annotations = async (file: string) => {
    const text = await readFile(join(dir, file), "utf8");
    return /manifest-agent\.io\/instance"?: "?([^"\n]+)"?/.exec(text)?.[1] ?? "";
  };
  return {
    driver: (instance) => createStaticDirDriver({ instance, dir, tempDir: join(root, instance, "tmp") }),
    async snapshot() {
      const out = new Map<string, string>();
      for (const f of await files()) {
        const s = await stat(join(dir, f));
        const sha = createHash("sha256")
          .update(await readFile(join(dir, f)))
          .digest("hex");
        out.set(podName(f), `${s.ino}:${s.mtimeMs}:${sha}`);
      }
      return out;
    },
    async legacy(pods) {
      await mkdir(dir, { recursive: true });
      for (const p of pods) {
        const manifest = structuredClone(p.manifest);
        const metadata = recordAt(manifest, "metadata") ?? {};
        metadata.annotations = { ...(recordAt(metadata, "annotations") ?? {}), [HASH_KEY]: p.hash };
        manifest.metadata = metadata;
        await writeFile(join(dir, staticFileName(p.fullName)), toYaml(manifest));
      }
    },
    async owners() {
      const out = new Map<string, string>();
      for (const f of await files()) out.set(podName(f), await annotations(f));
      return out;
    },
    async cleanup() {
      await mkdir(dir, { recursive: true });
    },
  };
}

interface Served {
  server: RunningServer;
  fleet: TempDir;
  url: string;
}

async function serve(names: string[]): Promise<Served> {
  const fleet = await writeTree(fleetOf(names));
  const server = await startServer({ source: manualDirSource(fleet.path), listen: "127.0.0.1:0" });
  assert.equal(server.firstLoad.kind, "published");
  return { server, fleet, url: `${server.url}/nodes/n1` };
}

function agentOf(runtime: Runtime, url: string, node: string, instance: string, stateDir: string) {
  const { logger, entries } = captureLogger();
  const agent = new Agent(
    { url, node, userAgent: "manifest-agent/test", intervalMs: 1000, maxBackoffMs: 1000, stateDir },
    { driver: runtime.driver(instance), logger },
  );
  return { agent, entries };
}

/** Pass, and check the pass converged and changed what was expected. */
async function passes(
  who: ReturnType<typeof agentOf>,
  expected: { applied: number; removed: number },
): Promise<void> {
  const r = await who.agent.pass();
  assert.deepEqual(
    { converged: r.converged, applied: r.applied, removed: r.removed },
    { converged: true, ...expected },
    JSON.stringify(who.entries()),
  );
}

async function twoAgents(makeRuntime: (root: string, node: string) => Runtime): Promise<void> {
  const root = await tempDir("agent-instances-");
  const node = uniqueName("two");
  const [a, b] = [uniqueName("agent-a"), uniqueName("agent-b")];
  const runtime = makeRuntime(root.path, node);
  await runtime.cleanup([]);
  const servedA = await serve(["alpha", "gamma"]);
  const servedB = await serve(["beta"]);
  const n = (name: string) => `${name}-${node}`;
  try {
    const agentA = agentOf(runtime, servedA.url, node, a, join(root.path, "state-a"));
    const agentB = agentOf(runtime, servedB.url, node, b, join(root.path, "state-b"));
    await passes(agentA, { applied: 2, removed: 0 });
    await passes(agentB, { applied: 1, removed: 0 });
    const first = await runtime.snapshot();
    assert.deepEqual([...first.keys()].sort(), [n("alpha"), n("beta"), n("gamma")]);
    assert.deepEqual(
      await runtime.owners(),
      new Map([
        [n("alpha"), a],
        [n("beta"), b],
        [n("gamma"), a],
      ]),
    );

    await passes(agentA, { applied: 0, removed: 0 });
    await passes(agentB, { applied: 0, removed: 0 });
    assert.deepEqual(await runtime.snapshot(), first, "a steady pass of either agent restarts nothing");

    await unlink(join(servedA.fleet.path, "common", "gamma.yaml"));
    assert.equal((await servedA.server.follower.refresh()).kind, "published");
    await passes(agentA, { applied: 0, removed: 1 });
    await passes(agentB, { applied: 0, removed: 0 });
    const second = await runtime.snapshot();
    assert.deepEqual([...second.keys()].sort(), [n("alpha"), n("beta")]);
    assert.equal(second.get(n("beta")), first.get(n("beta")), "A's removal left B's pod as it was");

    await unlink(join(servedB.fleet.path, "common", "beta.yaml"));
    assert.equal((await servedB.server.follower.refresh()).kind, "published");
    await passes(agentB, { applied: 0, removed: 1 });
    await passes(agentA, { applied: 0, removed: 0 });
    const third = await runtime.snapshot();
    assert.deepEqual([...third.keys()], [n("alpha")]);
    assert.equal(third.get(n("alpha")), first.get(n("alpha")), "B emptied its pods and left A's alone");
  } finally {
    await servedA.server.close();
    await servedB.server.close();
    await runtime.cleanup([a, b]);
    await servedA.fleet.remove();
    await servedB.fleet.remove();
    await root.remove();
  }
}

async function adoption(makeRuntime: (root: string, node: string) => Runtime): Promise<void> {
  const root = await tempDir("agent-adopt-");
  const node = uniqueName("old");
  const instance = uniqueName("agent-new");
  const runtime = makeRuntime(root.path, node);
  await runtime.cleanup([]);
  const served = await serve(["keep", "change", "drop"]);
  const stateDir = join(root.path, "state");
  const n = (name: string) => `${name}-${node}`;
  try {
    // What an agent older than instances left: its pods, without an instance, and its checkpoint.
    const body = await (await fetch(served.url)).text();
    const old = decodeResponse(body, { node, url: served.url }).pods;
    const stranger = applyKubeletDefaults(pod("stranger"), { node, url: "http://another-server/nodes/n1" });
    await runtime.legacy([...old, stranger]);
    await saveCheckpoint(stateDir, { url: served.url, body, savedAt: new Date(0).toISOString() });
    const before = await runtime.snapshot();
    assert.deepEqual([...before.keys()].sort(), [n("change"), n("drop"), n("keep"), n("stranger")]);

    // Meanwhile the fleet changed one pod and dropped another.
    await unlink(join(served.fleet.path, "common", "drop.yaml"));
    const changed = pod("change");
    changed.metadata = { name: "change", labels: { version: "2" } };
    await writeFile(join(served.fleet.path, "common", "change.yaml"), JSON.stringify(changed));
    assert.equal((await served.server.follower.refresh()).kind, "published");

    const upgraded = agentOf(runtime, served.url, node, instance, stateDir);
    await passes(upgraded, { applied: 1, removed: 1 });
    const after = await runtime.snapshot();
    assert.deepEqual([...after.keys()].sort(), [n("change"), n("keep"), n("stranger")]);
    assert.equal(after.get(n("keep")), before.get(n("keep")), "the unchanged pod was adopted, not restarted");
    assert.notEqual(after.get(n("change")), before.get(n("change")));
    assert.equal(
      after.get(n("stranger")),
      before.get(n("stranger")),
      "another URL's legacy pod is left alone",
    );
    assert.deepEqual(
      await runtime.owners(),
      new Map([
        [n("change"), instance],
        [n("keep"), ""],
        [n("stranger"), ""],
      ]),
    );

    const restarted = agentOf(runtime, served.url, node, instance, stateDir);
    await passes(restarted, { applied: 0, removed: 0 });
    assert.deepEqual(await runtime.snapshot(), after, "still adopted after a restart: nothing changes");
  } finally {
    await served.server.close();
    await runtime.cleanup([instance]);
    await served.fleet.remove();
    await rm(root.path, { recursive: true, force: true });
  }
}

test("two instances, two servers, one staticPodPath: each converges and never touches the other's files", () =>
  twoAgents((root) => staticDirRuntime(root)));

test("an older agent's files (no instance) are adopted by the agent of their URL and node, not rewritten", () =>
  adoption((root) => staticDirRuntime(root)));

test(
  "two instances, two servers, one podman: each converges and never touches the other's pods",
  { skip: podman.skip, timeout: 180_000 },
  () => twoAgents((_root, node) => podmanRuntime(node)),
);

test(
  "an older agent's podman pods (no instance label) are adopted by the agent of their URL and node, not restarted",
  { skip: podman.skip, timeout: 180_000 },
  () => adoption((_root, node) => podmanRuntime(node)),
);
