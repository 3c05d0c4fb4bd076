// Incremental loading (reusing the served revision) must give exactly what a load from scratch gives.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  loadFleet,
  loadFleetInSlices,
  type CompiledFleet,
  type LoadResult,
} from "../../src/fleet/load-fleet.js";
import { renderPodList } from "../../src/manifests/render.js";
import { readFleetDir } from "../../src/source/dir-source.js";
import { EXAMPLE_FLEET, filesFromTree, podYaml } from "../helpers/fleet.js";
import { nodeEtag } from "../../src/server/documents/etag.js";

type Tree = Record<string, string>;

async function exampleTree(): Promise<Tree> {
  const tree: Tree = {};
  for (const f of await readFleetDir(EXAMPLE_FLEET))
    if (f.content !== undefined) tree[f.path] = f.content.toString("utf8");
  return tree;
}

/** Realistic edits an operator makes between two revisions. */
const EDITS: Array<(t: Tree) => void> = [
  (t) =>
    (t["fleet.yaml"] = t["fleet.yaml"]!.replace(
      'kubernetesVersion: "v1.31.2"',
      'kubernetesVersion: "v1.31.3"',
    )),
  (t) => (t["fleet.yaml"] = t["fleet.yaml"]!.replace('site: "store-42"', 'site: "store-43"')),
  (t) =>
    (t["fleet.yaml"] = t["fleet.yaml"]!.replace(
      'role: "edge", site: "store-17"',
      'role: "control-plane", site: "store-17"',
    )),
  (t) => (t["common/node-exporter.yaml"] = t["common/node-exporter.yaml"]!.replace("v1.8.2", "v1.8.3")),
  (t) => (t["nodes/edge-1/extra.yaml"] = podYaml("extra", "busybox:{{ node.name }}")),
  (t) => delete t["nodes/edge-2/node-exporter.yaml"],
  (t) =>
    (t["groups/edge/store-gateway.yaml"] = t["groups/edge/store-gateway.yaml"]!.replace(
      "1.27-alpine",
      "1.28-alpine",
    )),
  (t) => (t["common/broken.yaml"] = "kind: Service\n"),
  (t) => delete t["common/broken.yaml"],
  (t) => (t["nodes/cp-9/p.yaml"] = podYaml("p")),
  (t) => (t["common/tpl.yaml"] = podYaml("tpl", "x:{{ node.vars.ip }}")),
];

function comparable(r: LoadResult): unknown {
  if (!r.ok) return { ok: false, issues: r.issues };
  const nodes = [...r.fleet.nodes.values()].map((n) => ({
    name: n.name,
    etag: nodeEtag(n),
    json: n.json.toString("utf8"),
    pods: n.pods.map((p) => ({ key: p.key, origin: p.origin, overrides: p.overrides, vars: p.vars })),
    groups: n.groups,
  }));
  return { ok: true, nodes, warnings: r.fleet.warnings, stats: r.fleet.stats };
}

describe("incremental loading", () => {
  it("equals a load from scratch after any sequence of edits", async () => {
    const base = await exampleTree();
    fc.assert(
      fc.property(fc.array(fc.nat(EDITS.length - 1), { minLength: 1, maxLength: 6 }), (edits) => {
        const tree: Tree = { ...base };
        let served: CompiledFleet | undefined;
        const first = loadFleet(filesFromTree(tree), { revision: "r0" });
        assert.ok(first.ok);
        served = first.fleet;
        for (const [i, e] of edits.entries()) {
          EDITS[e]!(tree);
          const files = filesFromTree(tree);
          const incremental = loadFleet(files, { revision: `r${i + 1}`, previous: served });
          const scratch = loadFleet(files, { revision: `r${i + 1}` });
          assert.deepEqual(comparable(incremental), comparable(scratch));
          if (incremental.ok) served = incremental.fleet;
        }
      }),
      { numRuns: 60 },
    );
  });

  it("assembled node documents equal a full rendering of the served pods", async () => {
    const r = loadFleet(await readFleetDir(EXAMPLE_FLEET), { revision: "x" });
    assert.ok(r.ok);
    for (const node of r.fleet.nodes.values())
      assert.equal(
        node.json.toString("utf8"),
        renderPodList(
          node.pods.map((p) => p.pod),
          "json",
        ),
        node.name,
      );
  });

  it("loads in slices with the same result, giving the event loop turns meanwhile", async () => {
    const files = await readFleetDir(EXAMPLE_FLEET);
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    try {
      const sliced = await loadFleetInSlices(files, { revision: "x" }, 0);
      assert.ok(turns > 0, "timers ran while the fleet was loading");
      assert.deepEqual(comparable(sliced), comparable(loadFleet(files, { revision: "x" })));
    } finally {
      clearInterval(ticker);
    }
  });
});
