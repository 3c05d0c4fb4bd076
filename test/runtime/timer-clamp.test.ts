// Delays past setTimeout's 2^31−1 ms: Node would fire them after 1 ms, so every computed delay is clamped.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Agent } from "../../src/agent/agent.js";
import { applyKubeletDefaults } from "../../src/agent/defaults.js";
import { execCommand } from "../../src/lib/exec.js";
import { silentLogger } from "../../src/lib/logger.js";
import { clampDelay, MAX_TIMER_MS } from "../../src/lib/timers.js";
import { createDryRunDriver } from "../../src/runtime/dry-run.js";
import { createPodmanDriver } from "../../src/runtime/podman.js";
import { startUrlServer } from "../agent/url-server.js";
import { detectPodman, removeInstancePods, TEST_IMAGE, uniqueName } from "../helpers/podman.js";

/** The smallest grace period whose podman timeout, (grace + 60) s, no longer fits a timer. */
const HUGE_GRACE_SECONDS = 2_147_424;

test("clampDelay keeps delays within what setTimeout honours", () => {
  assert.deepEqual(
    [-5, 0, Number.NaN, 1500, MAX_TIMER_MS, MAX_TIMER_MS + 1, (HUGE_GRACE_SECONDS + 60) * 1000, Infinity].map(
      clampDelay,
    ),
    [0, 0, 0, 1500, MAX_TIMER_MS, MAX_TIMER_MS, MAX_TIMER_MS, MAX_TIMER_MS],
  );
});

test("execCommand with a timeout past 2^31−1 ms lets the program finish", async () => {
  const { stdout } = await execCommand("sh", ["-c", "sleep 0.2; echo done"], {
    timeoutMs: (HUGE_GRACE_SECONDS + 60) * 1000,
  });
  assert.equal(stdout.toString("utf8"), "done\n");
});

test("the agent's wait between passes never overflows to a busy loop", async (t) => {
  const server = await startUrlServer("/nodes/n1");
  t.after(() => server.close());
  const warnings: string[] = [];
  const onWarning = (w: Error): void => {
    warnings.push(w.name);
  };
  process.on("warning", onWarning);
  t.after(() => process.off("warning", onWarning));
  const controller = new AbortController();
  let reported!: () => void;
  const firstReport = new Promise<void>((resolve) => (reported = resolve));
  const agent = new Agent(
    {
      url: server.url,
      node: "n1",
      userAgent: "t",
      intervalMs: 30 * 86_400_000,
      maxBackoffMs: 30 * 86_400_000,
    },
    {
      driver: createDryRunDriver(() => undefined),
      logger: silentLogger(),
      report: async () => {
        reported();
        await Promise.resolve();
      },
    },
  );
  const running = agent.run(controller.signal);
  await firstReport;
  // The wait starts right after the report; a warning is emitted on the next tick when it overflows.
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  controller.abort();
  await running;
  assert.deepEqual(warnings, []);
  assert.equal(server.requests.length, 1, "one poll, then a (long) wait");
});

const podman = detectPodman();

test(
  "podman driver: a pod with a grace period of 2,147,424 s or more can still be removed",
  { skip: podman.skip, timeout: 120_000 },
  async () => {
    const pod = applyKubeletDefaults(
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "patient", namespace: "drivers" },
        spec: {
          terminationGracePeriodSeconds: HUGE_GRACE_SECONDS,
          containers: [
            {
              name: "main",
              image: TEST_IMAGE,
              imagePullPolicy: "Never",
              // Exits promptly on SIGTERM, so the removal never needs its grace period.
              command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"],
            },
          ],
        },
      },
      { node: uniqueName("clamp"), url: "http://server/nodes/x" },
    );
    const instance = uniqueName("timer-clamp");
    const driver = createPodmanDriver({ instance, env: podman.env });
    try {
      await driver.apply(pod);
      assert.equal((await driver.list()).filter((p) => p.fullName === pod.fullName).length, 1);
      await driver.remove(pod.fullName);
      assert.deepEqual(
        (await driver.list()).filter((p) => p.fullName === pod.fullName),
        [],
      );
    } finally {
      removeInstancePods(podman.env, instance);
    }
  },
);
