import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseFleetConfig } from "../../src/fleet/fleet-config.js";
import { formatIssue } from "../../src/lib/issues.js";
import { yamlToJson } from "../../src/manifests/yaml.js";
import { failuresTolerated, maxInFlight } from "../../src/rollout/policy.js";

const NODES = `
nodes:
  cp-1: { labels: { role: control-plane }, vars: { ip: "10.0.0.11" } }
  cp-2: { labels: { role: control-plane }, vars: { ip: "10.0.0.12" } }
  edge-1: { labels: { role: edge }, vars: { ip: "10.0.1.1" } }
  edge-2: { labels: { role: edge }, vars: { ip: "10.0.1.2" } }
`;

const GOOD = `
rollout:
  waves:
    - name: canary
      nodes: [cp-1]
      soak: 10m
    - name: control-plane
      selector: { matchLabels: { role: control-plane } }
      maxNodes: 1
    - name: everyone
      maxNodes: "50%"
  health:
    probe: "https://{{ node.vars.ip }}:6443/readyz"
    deadline: 5m
    maxFailures: "10%"
  onFailure: pause
`;

function parse(rollout: string) {
  return parseFleetConfig(yamlToJson(NODES + rollout), []);
}

function errors(rollout: string): string[] {
  return parse(rollout)
    .issues.filter((i) => i.severity === "error")
    .map(formatIssue);
}

describe("rollout policy in fleet.yaml", () => {
  it("parses waves, health and onFailure, and resolves each node's wave", () => {
    const { config, issues } = parse(GOOD);
    assert.deepEqual(issues, []);
    const r = config.rollout;
    assert.ok(r !== undefined);
    assert.deepEqual(r.policy, {
      waves: [
        { name: "canary", soakMs: 600_000, maxNodes: undefined },
        { name: "control-plane", soakMs: 0, maxNodes: { count: 1 } },
        { name: "everyone", soakMs: 0, maxNodes: { percent: 50 } },
      ],
      health: {
        probe: "https://{{ node.vars.ip }}:6443/readyz",
        deadlineMs: 300_000,
        maxFailures: { percent: 10 },
      },
      onFailure: "pause",
    });
    // cp-1 is listed by the canary and selected by control-plane: the first wave wins.
    assert.deepEqual(Object.fromEntries(r.waveOf), { "cp-1": 0, "cp-2": 1, "edge-1": 2, "edge-2": 2 });
    assert.equal(r.probeOf.get("cp-2"), "https://10.0.0.12:6443/readyz");
  });

  it("defaults: deadline 10m, no failure tolerated, rollback; no rollout section means no policy", () => {
    const { config } = parse("rollout:\n  waves: [{ name: all }]\n");
    assert.deepEqual(config.rollout?.policy.health, {
      probe: undefined,
      deadlineMs: 600_000,
      maxFailures: { count: 0 },
    });
    assert.equal(config.rollout?.policy.onFailure, "rollback");
    assert.equal(parse("").config.rollout, undefined);
  });

  const bad: Array<[string, string, RegExp]> = [
    [
      "unknown field in a wave",
      "rollout:\n  waves: [{ name: all, maxnodes: 1 }]\n",
      /rollout\.waves\[0\]\.maxnodes: unknown field "maxnodes"/,
    ],
    [
      "unknown field at the top",
      "rollout:\n  waves: [{ name: all }]\n  onfailure: pause\n",
      /rollout\.onfailure: unknown field/,
    ],
    [
      "unknown field in health",
      "rollout:\n  waves: [{ name: all }]\n  health: { probes: x }\n",
      /rollout\.health\.probes: unknown field/,
    ],
    [
      "a wave that selects no node",
      "rollout:\n  waves:\n    - { name: gpu, selector: { matchLabels: { gpu: 'true' } } }\n    - { name: all }\n",
      /rollout\.waves\[0\]: wave "gpu" selects no node/,
    ],
    [
      "a catch-all wave after one that took everything",
      "rollout:\n  waves: [{ name: a }, { name: b }]\n",
      /rollout\.waves\[1\]: wave "b" selects no node \(earlier waves take every node\)/,
    ],
    [
      "two waves with one name",
      "rollout:\n  waves: [{ name: a, nodes: [cp-1] }, { name: a }]\n",
      /rollout\.waves\[1\]\.name: two waves are named "a"/,
    ],
    [
      "maxNodes: 0",
      "rollout:\n  waves: [{ name: a, maxNodes: 0 }]\n",
      /rollout\.waves\[0\]\.maxNodes: 0 nodes switched at a time would never switch a node/,
    ],
    [
      "maxNodes: 0%",
      "rollout:\n  waves: [{ name: a, maxNodes: '0%' }]\n",
      /maxNodes: 0% nodes switched at a time would never switch/,
    ],
    [
      "a percentage over 100%",
      "rollout:\n  waves: [{ name: a, maxNodes: '150%' }]\n",
      /rollout\.waves\[0\]\.maxNodes: 150% is over 100%/,
    ],
    [
      "maxFailures over 100%",
      "rollout:\n  waves: [{ name: a }]\n  health: { maxFailures: '101%' }\n",
      /rollout\.health\.maxFailures: 101% is over 100%/,
    ],
    [
      "maxFailures negative",
      "rollout:\n  waves: [{ name: a }]\n  health: { maxFailures: -1 }\n",
      /maxFailures: -1 is not a count/,
    ],
    [
      "a probe template with an undefined variable",
      "rollout:\n  waves: [{ name: a }]\n  health: { probe: 'https://{{ node.vars.addr }}/readyz' }\n",
      /rollout\.health\.probe: undefined node var "addr" in \{\{ node\.vars\.addr \}\}.*\[nodes: cp-1, cp-2, edge-1, edge-2\]/,
    ],
    [
      "a probe that is not http",
      "rollout:\n  waves: [{ name: a }]\n  health: { probe: 'tcp://x' }\n",
      /rollout\.health\.probe: the probe must be an http/,
    ],
    [
      "a malformed soak",
      "rollout:\n  waves: [{ name: a, soak: 10 minutes }]\n",
      /rollout\.waves\[0\]\.soak: "10 minutes" is not a duration/,
    ],
    [
      "a malformed deadline",
      "rollout:\n  waves: [{ name: a }]\n  health: { deadline: 5x }\n",
      /rollout\.health\.deadline: "5x" is not a duration/,
    ],
    [
      "onFailure other",
      "rollout:\n  waves: [{ name: a }]\n  onFailure: retry\n",
      /rollout\.onFailure: onFailure must be rollback or pause/,
    ],
    ["no waves", "rollout:\n  health: { deadline: 1m }\n", /rollout\.waves: waves must be a non-empty list/],
    [
      "a wave without a name",
      "rollout:\n  waves: [{ nodes: [cp-1] }, { name: rest }]\n",
      /rollout\.waves\[0\]\.name: a wave needs a name/,
    ],
    [
      "an unknown node",
      "rollout:\n  waves: [{ name: a, nodes: [cp-9] }, { name: b }]\n",
      /rollout\.waves\[0\]\.nodes\[0\]: wave lists node "cp-9"/,
    ],
    [
      "a bad selector",
      "rollout:\n  waves: [{ name: a, selector: { matchLabel: {} } }, { name: b }]\n",
      /rollout\.waves\[0\]\.selector\.matchLabel: unknown selector field/,
    ],
    [
      "nodes left without a wave",
      "rollout:\n  waves: [{ name: a, selector: { matchLabels: { role: edge } } }]\n",
      /rollout\.waves: no wave selects these 2 nodes; add a last wave .*\[nodes: cp-1, cp-2\]/,
    ],
  ];
  for (const [name, yaml, pattern] of bad)
    it(`rejects ${name}, naming the place`, () => {
      const { config, issues } = parse(yaml);
      const found = errors(yaml);
      assert.ok(
        found.some((l) => pattern.test(l)),
        `expected ${pattern} in:\n${found.join("\n")}`,
      );
      assert.ok(issues.every((i) => i.file === "fleet.yaml"));
      assert.equal(config.rollout, undefined, "no policy from a section with errors");
    });

  it("rounds amounts: maxNodes up (at least 1), maxFailures down", () => {
    assert.equal(maxInFlight({ percent: 25 }, 3), 1);
    assert.equal(maxInFlight({ percent: 25 }, 10), 3);
    assert.equal(maxInFlight({ count: 5 }, 2), 2);
    assert.equal(maxInFlight(undefined, 7), 7);
    assert.equal(failuresTolerated({ percent: 10 }, 5), 0);
    assert.equal(failuresTolerated({ percent: 10 }, 25), 2);
    assert.equal(failuresTolerated({ count: 1 }, 25), 1);
  });
});
