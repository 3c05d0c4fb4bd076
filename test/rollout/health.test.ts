import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeHealth, nodeHealth } from "../../src/rollout/health.js";
import type { Observations, ReportSeen } from "../../src/rollout/observations.js";
import { doc } from "./world.js";

const MIN = 60_000;
const NEW = doc("B", "edge-7");
const SWITCHED = 10 * MIN;

function seen(
  parts: Partial<{
    fetch: number;
    report: Partial<ReportSeen>;
    probe: { status?: number; error?: string; since: number };
  }>,
): Observations {
  const url = "https://10.0.1.7:6443/readyz";
  return {
    fetches: new Map(parts.fetch === undefined ? [] : [["edge-7", { at: parts.fetch, ...NEW }]]),
    reports: new Map(
      parts.report === undefined
        ? []
        : [["edge-7", { at: 11 * MIN, ...NEW, pods: [], errors: [], ...parts.report }]],
    ),
    probes: new Map(parts.probe === undefined ? [] : [["edge-7", { at: 19 * MIN, url, ...parts.probe }]]),
  };
}

describe("node health", () => {
  const running = [{ name: "kube-system/kube-proxy-edge-7", state: "running" as const }];
  const cases: Array<[string, Observations, boolean, string | undefined]> = [
    ["never fetched", seen({}), false, "never fetched the new document"],
    [
      "fetched before the switch only",
      seen({ fetch: 5 * MIN }),
      false,
      "never fetched the new document (last fetch 15m ago)",
    ],
    ["fetched, no agent, no probe", seen({ fetch: 11 * MIN }), false, undefined],
    [
      "agent crash-looping",
      seen({
        fetch: 11 * MIN,
        report: {
          pods: [
            { name: "kube-system/kube-proxy-edge-7", state: "failed", reason: "CrashLoopBackOff (exit 1)" },
          ],
        },
      }),
      false,
      "agent reports kube-proxy CrashLoopBackOff (exit 1)",
    ],
    [
      "agent pending",
      seen({ fetch: 11 * MIN, report: { pods: [{ name: "default/web-edge-7", state: "pending" }] } }),
      false,
      "agent reports web not running yet",
    ],
    [
      "agent error",
      seen({ fetch: 11 * MIN, report: { pods: running, errors: ["podman: no space left on device"] } }),
      false,
      "agent reports: podman: no space left on device",
    ],
    [
      "agent on the old document",
      seen({ fetch: 11 * MIN, report: { revision: "A", etag: '"A-edge-7"', pods: running } }),
      false,
      "agent has not reported the new document applied (its last report is of A)",
    ],
    [
      "agent applied it, every pod running",
      seen({ fetch: 11 * MIN, report: { pods: running } }),
      false,
      undefined,
    ],
    ["agent report alone proves the fetch", seen({ report: { pods: running } }), false, undefined],
    [
      "probe 503",
      seen({ fetch: 11 * MIN, probe: { status: 503, since: 5 * MIN } }),
      true,
      "probe https://10.0.1.7:6443/readyz answered 503 for 10m",
    ],
    [
      "probe refused",
      seen({ fetch: 11 * MIN, probe: { error: "connect ECONNREFUSED", since: 15 * MIN } }),
      true,
      "probe https://10.0.1.7:6443/readyz failed (connect ECONNREFUSED) for 5m",
    ],
    ["probe not answered", seen({ fetch: 11 * MIN }), true, "probe not answered yet"],
    ["probe 204", seen({ fetch: 11 * MIN, probe: { status: 204, since: 19 * MIN } }), true, undefined],
  ];
  for (const [name, obs, probe, reason] of cases)
    it(name, () => {
      const h = nodeHealth("edge-7", NEW, SWITCHED, obs, probe);
      assert.equal(h.healthy, reason === undefined);
      if (reason !== undefined) assert.equal(describeHealth(h, 20 * MIN), reason);
    });
});
