import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseKubeletVersion, resolveKubeletVersion } from "../../src/fleet/kubelet-version.js";
import { loadFleet } from "../../src/fleet/load-fleet.js";
import { explainNode } from "../../src/cli/explain.js";
import { filesFromTree, podYaml } from "../helpers/fleet.js";

describe("parseKubeletVersion", () => {
  const good: [unknown, number][] = [
    ["1.31", 31],
    ["v1.29", 29],
    ["1.35.2", 35],
  ];
  for (const [value, minor] of good)
    it(`${JSON.stringify(value)} → ${minor}`, () => assert.deepEqual(parseKubeletVersion(value), { minor }));
  const bad: [unknown, string][] = [
    [1.3, "quoted string"],
    ["1.28", "not supported"],
    ["1.36", "not supported"],
    ["2.1", "not a version"],
    ["1.031", "not a version"],
    [true, "must be a string"],
  ];
  for (const [value, fragment] of bad)
    it(`refuses ${JSON.stringify(value)}`, () => {
      const r = parseKubeletVersion(value);
      assert.ok("error" in r && r.error.includes(fragment), JSON.stringify(r));
    });
});

describe("resolveKubeletVersion: node > highest-priority group > fleet > newest", () => {
  it("takes the most specific setting", () => {
    assert.deepEqual(resolveKubeletVersion(30, [{ group: "g", priority: 0, minor: 31 }], 32), {
      minor: 30,
      from: "node",
    });
    assert.deepEqual(
      resolveKubeletVersion(
        undefined,
        [
          { group: "a", priority: 0, minor: 31 },
          { group: "b", priority: 5, minor: 33 },
        ],
        32,
      ),
      { minor: 33, from: "group b" },
    );
    assert.deepEqual(resolveKubeletVersion(undefined, [], 32), { minor: 32, from: "fleet" });
    assert.deepEqual(resolveKubeletVersion(undefined, [], undefined), { minor: 35, from: "default" });
  });
  it("refuses two groups of equal priority that disagree", () => {
    const r = resolveKubeletVersion(
      undefined,
      [
        { group: "a", priority: 1, minor: 31 },
        { group: "b", priority: 1, minor: 33 },
      ],
      undefined,
    );
    assert.ok("error" in r && r.error.includes("same priority"));
  });
});

const FLEET = `kubeletVersion: "1.33"
nodes:
  old-1: { labels: { tier: "old" } }
  new-1: { kubeletVersion: "1.35" }
  mid-1: {}
groups:
  old:
    selector: { matchLabels: { tier: "old" } }
    kubeletVersion: "1.31"
`;
const NEW_FIELD = podYaml("web", "busybox:1.36", '  hostnameOverride: "web"\n');

describe("the fleet validates each node for its kubelet", () => {
  it("reports a field the node's kubelet does not know, and explain names the version", () => {
    const r = loadFleet(filesFromTree({ "fleet.yaml": FLEET, "common/web.yaml": NEW_FIELD }), {
      revision: "t",
    });
    assert.ok(r.ok, JSON.stringify(r));
    const fieldWarnings = r.fleet.warnings.filter((i) => i.path === "spec.hostnameOverride");
    assert.ok(fieldWarnings.some((i) => i.message.includes("kubelet 1.31 drop")));
    assert.ok(fieldWarnings.some((i) => i.message.includes("kubelet 1.33 drop")));
    assert.ok(!fieldWarnings.some((i) => i.message.includes("kubelet 1.35 drop")));
    assert.deepEqual(r.fleet.nodes.get("old-1")?.kubelet, { minor: 31, from: "group old" });
    assert.deepEqual(r.fleet.nodes.get("mid-1")?.kubelet, { minor: 33, from: "fleet" });
    assert.ok(
      explainNode(r.fleet.nodes.get("new-1")!, "t").includes(
        "kubelet: 1.35 (set by node); its pods were validated for this version",
      ),
    );
  });
  it("strict: true in fleet.yaml, or the strict option, makes unknown fields errors", () => {
    const tree = {
      "fleet.yaml": `nodes: { n1: {} }\n`,
      "common/web.yaml": podYaml("web", "busybox:1.36", '      imagePulPolicy: "Always"\n'),
    };
    assert.equal(loadFleet(filesFromTree(tree), { revision: "t" }).ok, true);
    const strictOption = loadFleet(filesFromTree(tree), { revision: "t", strict: true });
    assert.ok(
      !strictOption.ok &&
        strictOption.issues.some((i) => i.code === "unknown-field" && i.severity === "error"),
    );
    const strictFleet = loadFleet(
      filesFromTree({ ...tree, "fleet.yaml": `strict: true\nnodes: { n1: {} }\n` }),
      { revision: "t" },
    );
    assert.equal(strictFleet.ok, false);
  });
  it("a bad kubeletVersion is an error naming the place", () => {
    const r = loadFleet(
      filesFromTree({
        "fleet.yaml": `nodes:\n  n1: { kubeletVersion: 1.30 }\ngroups:\n  g: { nodes: [n1], kubeletVersion: "1.99" }\n`,
      }),
      { revision: "t" },
    );
    assert.ok(!r.ok);
    assert.ok(
      r.issues.some(
        (i) =>
          i.file === "fleet.yaml" && i.path === "nodes.n1.kubeletVersion" && i.message.includes("quoted"),
      ),
    );
    assert.ok(
      r.issues.some((i) => i.path === "groups.g.kubeletVersion" && i.message.includes("not supported")),
    );
  });
});

describe("incremental loads follow kubeletVersion changes", () => {
  it("a changed version re-validates the node as a fresh load does", () => {
    const before = filesFromTree({ "fleet.yaml": FLEET, "common/web.yaml": NEW_FIELD });
    const changed = FLEET.replace(`new-1: { kubeletVersion: "1.35" }`, `new-1: { kubeletVersion: "1.32" }`);
    const after = filesFromTree({ "fleet.yaml": changed, "common/web.yaml": NEW_FIELD });
    const first = loadFleet(before, { revision: "a" });
    assert.ok(first.ok);
    const incremental = loadFleet(after, { revision: "b", previous: first.fleet });
    const fresh = loadFleet(after, { revision: "b" });
    assert.ok(incremental.ok && fresh.ok);
    assert.deepEqual(incremental.fleet.nodes.get("new-1")?.kubelet, { minor: 32, from: "node" });
    assert.deepEqual(incremental.fleet.warnings, fresh.fleet.warnings);
    assert.ok(fresh.fleet.warnings.some((i) => i.message.includes("kubelet 1.32 drop")));
  });
});

describe("incremental loads follow strict", () => {
  it("turning strict on re-judges unchanged files", () => {
    const pod = podYaml("web", "busybox:1.36", '      imagePulPolicy: "Always"\n');
    const first = loadFleet(filesFromTree({ "fleet.yaml": `nodes: { n1: {} }\n`, "common/web.yaml": pod }), {
      revision: "a",
    });
    assert.ok(first.ok);
    const strict = filesFromTree({
      "fleet.yaml": `strict: true\nnodes: { n1: {} }\n`,
      "common/web.yaml": pod,
    });
    const incremental = loadFleet(strict, { revision: "b", previous: first.fleet });
    assert.ok(
      !incremental.ok && incremental.issues.some((i) => i.code === "unknown-field" && i.severity === "error"),
    );
  });
});
