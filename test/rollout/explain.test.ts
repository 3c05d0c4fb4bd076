import assert from "node:assert/strict";
import { appendFile } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { runServerCli } from "../../src/cli/server-cli.js";
import { runCli } from "../helpers/cli.js";
import { copyExampleFleet, EXAMPLE_FLEET } from "../helpers/fleet.js";

const ROLLOUT = `
rollout:
  waves:
    - { name: canary, nodes: ["cp-1"], soak: 10m }
    - { name: control-plane, selector: { matchLabels: { role: "control-plane" } }, maxNodes: 1 }
    - { name: everyone, maxNodes: "50%" }
  health:
    probe: "https://{{ node.vars.ip }}:6443/readyz"
`;

describe("explain shows the node's rollout wave", () => {
  it("shows the example fleet's own policy", async () => {
    const r = await runCli(runServerCli, ["explain", "cp-2", "--dir", EXAMPLE_FLEET]);
    assert.match(
      r.stdout,
      /^rollout wave: control-plane \(2 of 3; 1 at a time, soak 5m\), probe https:\/\/10\.0\.0\.12:6443\/readyz$/m,
    );
    const edge = await runCli(runServerCli, ["explain", "edge-1", "--dir", EXAMPLE_FLEET]);
    assert.match(
      edge.stdout,
      /^rollout wave: edge \(3 of 3; 50% at a time\), probe http:\/\/192\.168\.17\.10:8080\/$/m,
    );
  });

  it("names the wave, its limits and the node's probe", async () => {
    const fleet = await copyExampleFleet();
    after(() => fleet.remove());
    await appendFile(join(fleet.path, "fleet.yaml"), ROLLOUT);
    const cp1 = await runCli(runServerCli, ["explain", "cp-1", "--dir", fleet.path]);
    assert.equal(cp1.code, 0, cp1.stderr);
    assert.match(
      cp1.stdout,
      /^rollout wave: canary \(1 of 3; all at once, soak 10m\), probe https:\/\/10\.0\.0\.11:6443\/readyz$/m,
    );
    const edge = await runCli(runServerCli, ["explain", "edge-2", "--dir", fleet.path]);
    assert.match(edge.stdout, /^rollout wave: everyone \(3 of 3; 50% at a time\)/m);
  });

  it("says when the fleet has no rollout", async () => {
    const fleet = await copyExampleFleet();
    after(() => fleet.remove());
    const r = await runCli(runServerCli, ["explain", "cp-2", "--dir", fleet.path]);
    assert.match(
      r.stdout,
      /^rollout wave: \(no rollout: in fleet\.yaml; a change reaches every node at once\)$/m,
    );
  });

  it("validate rejects a bad rollout section, naming the place", async () => {
    const fleet = await copyExampleFleet();
    after(() => fleet.remove());
    await appendFile(join(fleet.path, "fleet.yaml"), "rollout:\n  waves: [{ name: all, maxNodes: 0 }]\n");
    const r = await runCli(runServerCli, ["validate", fleet.path]);
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /fleet\.yaml rollout\.waves\[0\]\.maxNodes: 0 nodes switched at a time would never switch/,
    );
  });
});
