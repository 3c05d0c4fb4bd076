import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FleetFile } from "../../src/fleet/fleet-files.js";
import { loadFleet, type CompiledFleet } from "../../src/fleet/load-fleet.js";
import { formatIssue, type Issue } from "../../src/lib/issues.js";
import { readFleetDir } from "../../src/source/dir-source.js";
import { EXAMPLE_FLEET, filesFromTree, podYaml } from "../helpers/fleet.js";
import { BAD_INPUTS } from "./bad-inputs.js";
import { nodeEtag } from "../../src/server/documents/etag.js";

function load(tree: Record<string, string>): CompiledFleet {
  const r = loadFleet(filesFromTree(tree), { revision: "test" });
  if (!r.ok) assert.fail(r.issues.map(formatIssue).join("\n"));
  return r.fleet;
}

function failing(tree: Record<string, string> | FleetFile[]): Issue[] {
  const r = loadFleet(Array.isArray(tree) ? tree : filesFromTree(tree), { revision: "test" });
  assert.equal(r.ok, false, "expected the fleet to be rejected");
  return r.ok ? [] : r.issues.filter((i) => i.severity === "error");
}

function served(fleet: CompiledFleet, node: string): unknown {
  const n = fleet.nodes.get(node);
  assert.ok(n, `node ${node} missing`);
  return JSON.parse(n.json.toString("utf8"));
}

const FLEET = `
vars: { tag: "1.36" }
nodes:
  a: { labels: { role: "edge" }, vars: { ip: "10.0.0.1" } }
  b: { labels: { role: "edge", gpu: "yes" }, vars: { ip: "10.0.0.2" } }
  c: {}
groups:
  edge: { selector: { matchLabels: { role: "edge" } } }
  gpu: { selector: { matchExpressions: [{ key: "gpu", operator: "Exists" }] }, priority: 10 }
  listed: { nodes: ["c"] }
`;

describe("loadFleet on the example fleet", () => {
  it("validates and serves every node", async () => {
    const r = loadFleet(await readFleetDir(EXAMPLE_FLEET), { revision: "example" });
    if (!r.ok) assert.fail(r.issues.map(formatIssue).join("\n"));
    assert.deepEqual([...r.fleet.nodes.keys()], ["cp-1", "cp-2", "cp-3", "edge-1", "edge-2"]);
    const cp1 = r.fleet.nodes.get("cp-1");
    assert.deepEqual(
      cp1?.pods.map((p) => p.key),
      [
        "kube-system/etcd",
        "kube-system/kube-apiserver",
        "kube-system/kube-controller-manager",
        "kube-system/kube-scheduler",
        "monitoring/node-exporter",
      ],
    );
    const etcd = JSON.stringify(cp1?.pods[0]?.pod);
    assert.match(etcd, /--name=cp-1/);
    assert.match(etcd, /https:\/\/10\.0\.0\.11:2380/);
    const edge2 = r.fleet.nodes.get("edge-2");
    const exporter = edge2?.pods.find((p) => p.key === "monitoring/node-exporter");
    assert.equal(exporter?.origin.file, "nodes/edge-2/node-exporter.yaml");
    assert.deepEqual(
      exporter?.overrides.map((o) => o.file),
      ["common/node-exporter.yaml"],
    );
  });

  it("renders byte-identical output on every load", async () => {
    const files = await readFleetDir(EXAMPLE_FLEET);
    const a = loadFleet(files, { revision: "x" });
    const b = loadFleet([...files].reverse(), { revision: "x" });
    assert.ok(a.ok && b.ok);
    for (const [name, node] of a.fleet.nodes) {
      assert.ok(node.json.equals(b.fleet.nodes.get(name)?.json ?? Buffer.alloc(0)), name);
      const other = b.fleet.nodes.get(name);
      assert.equal(nodeEtag(node), other === undefined ? undefined : nodeEtag(other));
    }
  });
});

describe("composition", () => {
  it("layers common < group < node by namespace/name key", () => {
    const fleet = load({
      "fleet.yaml": FLEET,
      "common/base.yaml": podYaml("base", "busybox:{{ vars.tag }}") + "---\n" + podYaml("agent", "agent:1"),
      "groups/edge/agent.yaml": podYaml("agent", "agent:edge"),
      "groups/gpu/agent.yaml": podYaml("agent", "agent:gpu"),
      "nodes/a/agent.yaml": podYaml("agent", "agent:a-only"),
    });
    const image = (node: string, key: string): unknown =>
      (
        fleet.nodes.get(node)?.pods.find((p) => p.key === key)?.pod as {
          spec: { containers: Array<{ image: string }> };
        }
      ).spec.containers[0]?.image;
    assert.equal(image("a", "default/agent"), "agent:a-only");
    assert.equal(image("b", "default/agent"), "agent:gpu");
    assert.equal(image("c", "default/agent"), "agent:1");
    assert.equal(image("c", "default/base"), "busybox:1.36");
    assert.deepEqual(
      fleet.nodes.get("c")?.groups.map((g) => g.group),
      ["listed"],
    );
  });

  it("keys pods by namespace too", () => {
    const fleet = load({
      "fleet.yaml": FLEET,
      "common/a.yaml": podYaml("same"),
      "nodes/a/b.yaml": podYaml("same").replace("name: same", "name: same\n  namespace: other"),
    });
    assert.deepEqual(
      fleet.nodes.get("a")?.pods.map((p) => p.key),
      ["default/same", "other/same"],
    );
  });

  it("accepts PodList documents and skips empty documents", () => {
    const fleet = load({
      "fleet.yaml": FLEET,
      "common/list.yaml":
        "---\napiVersion: v1\nkind: PodList\nitems:\n  - metadata: {name: one}\n    spec: {containers: [{name: c, image: x}]}\n  - metadata: {name: two}\n    spec: {containers: [{name: c, image: x}]}\n---\n",
    });
    assert.deepEqual(
      fleet.nodes.get("c")?.pods.map((p) => p.key),
      ["default/one", "default/two"],
    );
    const doc = served(fleet, "c") as { items: Array<{ kind: string; apiVersion: string }> };
    assert.deepEqual(
      doc.items.map((i) => [i.apiVersion, i.kind]),
      [
        ["v1", "Pod"],
        ["v1", "Pod"],
      ],
    );
  });

  it("serves a node with no pods an empty list, never an empty body", () => {
    const fleet = load({ "fleet.yaml": "nodes: { lonely: {} }\n" });
    assert.deepEqual(served(fleet, "lonely"), { apiVersion: "v1", items: [], kind: "PodList", metadata: {} });
  });

  it("makes nodes/<node>/ folders nodes even without a declaration", () => {
    const fleet = load({ "nodes/solo/p.yaml": podYaml("p") });
    assert.deepEqual([...fleet.nodes.keys()], ["solo"]);
  });

  it("drops status from served pods, with a warning", () => {
    const fleet = load({
      "fleet.yaml": FLEET,
      "common/s.yaml": podYaml("s") + "status:\n  phase: Running\n",
    });
    assert.equal(JSON.stringify(served(fleet, "a")).includes("Running"), false);
    assert.ok(fleet.warnings.some((w) => w.file === "common/s.yaml" && w.path === "status"));
  });

  it("resolves a symlink that stays inside the fleet", () => {
    const files = filesFromTree({ "fleet.yaml": FLEET, "common/real.yaml": podYaml("real") });
    files.push({ path: "nodes/a/link.yaml", size: 20, symlink: "../../common/real.yaml" });
    const r = loadFleet(files, { revision: "x" });
    assert.ok(r.ok);
  });
});

describe("loadFleet rejects bad input with the place named", () => {
  for (const bad of BAD_INPUTS) {
    it(bad.name, async () => {
      const files = (await readFleetDir(EXAMPLE_FLEET)).filter(
        (f) => !(f.path in bad.files && bad.files[f.path] === null),
      );
      const tree: Record<string, string> = {};
      for (const [path, text] of Object.entries(bad.files)) if (text !== null) tree[path] = text;
      const merged = [...files.filter((f) => !(f.path in tree)), ...filesFromTree(tree)];
      if (bad.symlink !== undefined)
        merged.push({ path: bad.symlink.path, size: 10, symlink: bad.symlink.target });
      if (bad.big !== undefined) merged.push({ path: bad.big.path, size: bad.big.bytes });
      const errors = failing(merged);
      const hit = errors.find((e) => e.file === bad.file && bad.message.test(e.message));
      assert.ok(
        hit,
        `no error on ${bad.file} matching ${bad.message}; got:\n${errors.map(formatIssue).join("\n")}`,
      );
    });
  }

  it("an empty fleet folder", () => {
    const errors = failing([]);
    assert.match(errors[0]?.message ?? "", /fleet folder is empty/);
  });

  it("a node folder whose name is not a node name", () => {
    const errors = failing({ "nodes/Bad_Node/p.yaml": podYaml("p") });
    assert.ok(errors.some((e) => e.file === "nodes/Bad_Node/" && /not a valid node name/.test(e.message)));
  });

  it("reports every problem at once, each with file and document", () => {
    const errors = failing({
      "fleet.yaml": FLEET,
      "common/one.yaml": "apiVersion: v1\nkind: Deployment\nmetadata: {name: d}\n---\n" + podYaml("ok"),
      "common/two.yaml": podYaml("two", "x:{{ vars.nope }}"),
      "nodes/a/three.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: three}\nspec: {containers: []}\n",
    });
    const places = errors.map((e) => `${e.file}#${e.doc}`);
    assert.ok(places.includes("common/one.yaml#1"), places.join());
    assert.ok(places.includes("common/two.yaml#1"), places.join());
    assert.ok(places.includes("nodes/a/three.yaml#1"), places.join());
  });

  it("merges one template error seen on many nodes into one issue listing them", () => {
    const errors = failing({ "fleet.yaml": FLEET, "common/t.yaml": podYaml("t", "x:{{ vars.nope }}") });
    const tpl = errors.filter((e) => e.code === "template");
    assert.equal(tpl.length, 1);
    assert.deepEqual(tpl[0]?.nodes, ["a", "b", "c"]);
  });

  it("rejects a name whose final <name>-<node> is too long", () => {
    const long = "p".repeat(252);
    const errors = failing({ "fleet.yaml": FLEET, "common/long.yaml": podYaml(long) });
    assert.ok(
      errors.some((e) => e.file === "common/long.yaml" && /253/.test(e.message)),
      errors.map(formatIssue).join("\n"),
    );
  });
});
