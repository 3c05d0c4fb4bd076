// The podman driver against real podman: labels, stopped pods, and never touching a pod it does not own.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { applyKubeletDefaults } from "../../src/agent/defaults.js";
import { ExecError } from "../../src/lib/errors.js";
import { GRACE_LABEL, HASH_KEY, NAMESPACE_LABEL, OWNED_LABEL } from "../../src/runtime/driver.js";
import { isRecord, recordAt } from "../../src/runtime/json.js";
import { createPodmanDriver, PodConflictError, podmanPodSpec } from "../../src/runtime/podman.js";
import { detectPodman, podmanPods, TEST_IMAGE } from "../helpers/podman.js";

const podman = detectPodman();
const NODE = "podman-driver-test";

const desired = (name: string, image = TEST_IMAGE, namespace = "drivers") =>
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
    { node: NODE, url: "http://server/nodes/x" },
  );

function rm(name: string): void {
  execFileSync("podman", ["pod", "rm", "--force", "--time", "0", name], { env: podman.env, stdio: "ignore" });
}

test("podmanPodSpec labels the pod as owned, with its hash, namespace and grace period", () => {
  const pod = desired("web");
  const spec: unknown = JSON.parse(podmanPodSpec(pod));
  assert.ok(isRecord(spec));
  assert.deepEqual(recordAt(spec, "metadata")?.labels, {
    [OWNED_LABEL]: "true",
    [HASH_KEY]: pod.hash,
    [NAMESPACE_LABEL]: "drivers",
    [GRACE_LABEL]: "0",
  });
});

test(
  "podman driver: apply, list, stopped detection, conflict with an unowned pod, remove",
  { skip: podman.skip, timeout: 120_000 },
  async () => {
    const driver = createPodmanDriver({ env: podman.env });
    const mine = desired("mine");
    const clash = desired("clash");
    rm(mine.name);
    rm(clash.name);
    try {
      await driver.apply(mine);
      let listed = (await driver.list()).filter((p) => p.fullName === mine.fullName);
      assert.deepEqual(listed, [
        { fullName: "drivers/mine-podman-driver-test", hash: mine.hash, owned: true, stopped: false },
      ]);

      await assert.rejects(
        driver.apply(desired("mine", TEST_IMAGE, "elsewhere")),
        /podman pod names have no namespace/,
      );

      execFileSync("podman", ["pod", "stop", "--time", "0", mine.name], { env: podman.env, stdio: "ignore" });
      listed = (await driver.list()).filter((p) => p.fullName === mine.fullName);
      assert.equal(listed[0]?.stopped, true);

      execFileSync("podman", ["pod", "create", "--name", clash.name, "--label", "purpose=driver-test"], {
        env: podman.env,
        stdio: "ignore",
      });
      await assert.rejects(driver.apply(clash), PodConflictError);
      await driver.remove(clash.fullName);
      assert.deepEqual(
        podmanPods(podman.env, "purpose=driver-test").map((p) => p.name),
        [clash.name],
        "the unowned pod is still there",
      );

      await assert.rejects(driver.apply(desired("broken", "localhost/does-not-exist:1")), ExecError);
      assert.deepEqual(
        (await driver.list()).filter((p) => p.fullName.startsWith("drivers/broken")),
        [],
        "no half-made pod left",
      );

      await driver.remove(mine.fullName);
      assert.deepEqual(
        (await driver.list()).filter((p) => p.fullName === mine.fullName),
        [],
      );
    } finally {
      rm(mine.name);
      rm(clash.name);
      rm("broken-podman-driver-test");
    }
  },
);
