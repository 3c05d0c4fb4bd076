// The podman driver against real podman: labels, stopped pods, instances, and never touching a pod it does not own.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { applyKubeletDefaults } from "../../src/agent/defaults.js";
import { ExecError } from "../../src/lib/errors.js";
import {
  GRACE_LABEL,
  HASH_KEY,
  INSTANCE_KEY,
  NAMESPACE_LABEL,
  type ActualPod,
  type RuntimeDriver,
} from "../../src/runtime/driver.js";
import { isRecord, recordAt } from "../../src/runtime/json.js";
import { createPodmanDriver, PodConflictError, podmanPodSpec } from "../../src/runtime/podman.js";
import {
  detectPodman,
  legacyPodSpec,
  podmanPods,
  removeInstancePods,
  removePods,
  TEST_IMAGE,
  uniqueName,
} from "../helpers/podman.js";

const podman = detectPodman();

/** Pods of a node no other test (or concurrent test run) uses, so their names are this test's alone. */
const podsOf =
  (node: string) =>
  (name: string, image = TEST_IMAGE, namespace = "drivers") =>
    applyKubeletDefaults(
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, namespace },
        spec: {
          terminationGracePeriodSeconds: 0,
          containers: [{ name: "main", image, imagePullPolicy: "Never", command: ["sleep", "3600"] }],
        },
      },
      { node, url: "http://server/nodes/x" },
    );

function run(args: string[], input?: string): void {
  execFileSync("podman", args, {
    env: podman.env,
    stdio: [input === undefined ? "ignore" : "pipe", "ignore", "ignore"],
    input,
  });
}

/** The driver's list, restricted to `node` (a concurrent test run may have legacy pods of its own), sorted. */
async function listOn(driver: RuntimeDriver, node: string): Promise<ActualPod[]> {
  return (await driver.list())
    .filter((p) => p.fullName.endsWith(`-${node}`))
    .sort((x, y) => x.fullName.localeCompare(y.fullName));
}

test("podmanPodSpec labels the pod as owned by the instance, with its hash, namespace and grace period", () => {
  const pod = podsOf("n1")("web");
  const spec: unknown = JSON.parse(podmanPodSpec(pod, "agent-a"));
  assert.ok(isRecord(spec));
  assert.deepEqual(recordAt(spec, "metadata")?.labels, {
    [INSTANCE_KEY]: "agent-a",
    [HASH_KEY]: pod.hash,
    [NAMESPACE_LABEL]: "drivers",
    [GRACE_LABEL]: "0",
  });
});

test(
  "podman driver: apply, list, stopped detection, conflict with an unowned pod, remove",
  { skip: podman.skip, timeout: 120_000 },
  async () => {
    const node = uniqueName("drv");
    const instance = uniqueName("podman-driver");
    const desired = podsOf(node);
    const driver = createPodmanDriver({ instance, env: podman.env });
    const mine = desired("mine");
    const clash = desired("clash");
    try {
      await driver.apply(mine);
      let listed = await listOn(driver, node);
      assert.deepEqual(listed, [{ fullName: mine.fullName, hash: mine.hash, owned: true, stopped: false }]);

      await assert.rejects(
        driver.apply(desired("mine", TEST_IMAGE, "elsewhere")),
        /podman pod names have no namespace/,
      );

      run(["pod", "stop", "--time", "0", mine.name]);
      listed = await listOn(driver, node);
      assert.equal(listed[0]?.stopped, true);

      run(["pod", "create", "--name", clash.name, "--label", `purpose=${instance}`]);
      await assert.rejects(driver.apply(clash), PodConflictError);
      await driver.remove(clash.fullName);
      assert.deepEqual(
        podmanPods(podman.env, `purpose=${instance}`).map((p) => p.name),
        [clash.name],
        "the unowned pod is still there",
      );

      const broken = desired("broken", "localhost/does-not-exist:1");
      await assert.rejects(driver.apply(broken), ExecError);
      assert.deepEqual(
        podmanPods(podman.env, `${INSTANCE_KEY}=${instance}`).map((p) => p.name),
        [mine.name],
        "no half-made pod left",
      );

      await driver.remove(mine.fullName);
      assert.deepEqual(await listOn(driver, node), []);
    } finally {
      removeInstancePods(podman.env, instance);
      removePods(podman.env, [clash.name]);
    }
  },
);

test(
  "podman driver instances: another instance's pods are neither listed, replaced nor removed; legacy pods are listed as such",
  { skip: podman.skip, timeout: 120_000 },
  async () => {
    const node = uniqueName("inst");
    const [a, b] = [uniqueName("podman-a"), uniqueName("podman-b")];
    const desired = podsOf(node);
    const driverA = createPodmanDriver({ instance: a, env: podman.env });
    const driverB = createPodmanDriver({ instance: b, env: podman.env });
    const shared = desired("shared");
    const old = desired("old");
    try {
      await driverA.apply(shared);
      assert.deepEqual(await listOn(driverB, node), [], "B does not see A's pod");
      await assert.rejects(
        driverB.apply(desired("shared", TEST_IMAGE)),
        /belongs to manifest-agent instance/,
      );
      await driverB.remove(shared.fullName);
      assert.deepEqual(
        (await listOn(driverA, node)).map((p) => p.fullName),
        [shared.fullName],
        "B's remove did not touch A's pod",
      );

      // A pod made by an agent older than instances: the same labels without the instance.
      run(["kube", "play", "-"], legacyPodSpec(old));
      const legacy = { fullName: old.fullName, hash: old.hash, owned: false, legacy: true, stopped: false };
      assert.deepEqual(await listOn(driverB, node), [legacy], "listed, not owned: the agent decides");
      assert.deepEqual(await listOn(driverA, node), [
        legacy,
        { fullName: shared.fullName, hash: shared.hash, owned: true, stopped: false },
      ]);

      // Replacing an adopted legacy pod gives it the instance.
      await driverB.apply(old);
      assert.deepEqual(await listOn(driverB, node), [
        { fullName: old.fullName, hash: old.hash, owned: true, stopped: false },
      ]);
      assert.deepEqual(
        podmanPods(podman.env, `${INSTANCE_KEY}=${b}`).map((p) => p.name),
        [old.name],
      );
    } finally {
      removeInstancePods(podman.env, a);
      removeInstancePods(podman.env, b);
      removePods(podman.env, [old.name]);
    }
  },
);
