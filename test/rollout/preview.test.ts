import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { runServerCli } from "../../src/cli/server-cli.js";
import { formatRolloutPreview, previewRollout } from "../../src/rollout/preview.js";
import { runCli } from "../helpers/cli.js";
import { createGitFixture, git } from "../helpers/git.js";
import { policy } from "./world.js";

const etags = (entries: Record<string, string>) => new Map(Object.entries(entries));

describe("rollout preview", () => {
  it("lists each wave's batches, the nodes that do not take part, new and removed nodes", () => {
    const rollout = policy(
      [{ name: "canary" }, { name: "rest", maxNodes: { count: 2 }, soakMs: 300_000 }, { name: "spare" }],
      { a: 0, b: 1, c: 1, d: 1, e: 1, f: 2, new: 1 },
    );
    const p = previewRollout(
      etags({ a: "1", b: "1", c: "1", d: "1", e: "x", f: "y", gone: "1" }),
      etags({ a: "2", b: "2", c: "2", d: "2", e: "x", f: "y", new: "2" }),
      rollout,
    );
    assert.deepEqual(formatRolloutPreview(p), [
      "rollout of 4 nodes, wave by wave (when every node is healthy in time):",
      "  wave canary (all at once):",
      "    batch 1: a",
      "  wave rest (2 at a time, soak 5m):",
      "    batch 1: b, c",
      "    batch 2: d",
      "  wave spare: no node changes (skipped)",
      "  not taking part (document unchanged): e, f",
      "  new nodes, served at once: new",
      "  removed nodes: gone",
    ]);
    assert.deepEqual(formatRolloutPreview(previewRollout(etags({ a: "1" }), etags({ a: "2" }), undefined)), [
      "rollout: no rollout: in the new revision; 1 changed node gets it at once.",
    ]);
  });

  it("diff --from --to prints the waves and batches of the change under the new revision's policy", async () => {
    const fx = await createGitFixture();
    after(() => fx.remove());
    const base = await git(["rev-parse", "HEAD"], fx.work);
    const exporter = await readFile(join(fx.work, "manifests/common/node-exporter.yaml"), "utf8");
    const fleet = await readFile(join(fx.work, "manifests/fleet.yaml"), "utf8");
    await fx.write({
      "manifests/common/node-exporter.yaml": exporter.replace("v1.8.2", "v1.9.0"),
      "manifests/fleet.yaml": `${fleet}
rollout:
  waves:
    - { name: canary, nodes: ["cp-1"] }
    - { name: control-plane, selector: { matchLabels: { role: "control-plane" } }, maxNodes: 1 }
    - { name: everyone, maxNodes: "50%" }
`,
    });
    const next = await fx.commit("Bump node-exporter, roll it out in waves");
    const r = await runCli(runServerCli, ["diff", "--from", base, "--to", next], { cwd: fx.work });
    assert.equal(r.code, 1, r.stderr);
    assert.ok(
      r.stdout.endsWith(
        [
          "rollout of 4 nodes, wave by wave (when every node is healthy in time):",
          "  wave canary (all at once):",
          "    batch 1: cp-1",
          "  wave control-plane (1 at a time):",
          "    batch 1: cp-2",
          "    batch 2: cp-3",
          "  wave everyone (50% at a time):",
          "    batch 1: edge-1",
          "  not taking part (document unchanged): edge-2",
          "",
        ].join("\n"),
      ),
      r.stdout,
    );
  });
});
