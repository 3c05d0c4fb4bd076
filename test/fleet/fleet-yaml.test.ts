// readFleetYaml must read exactly what yamlToJson reads (with strict keys: fleet.yaml is configuration), whatever the previous revision's cache holds.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { readFleetYaml, type FleetYamlCache } from "../../src/fleet/fleet-yaml.js";
import { loadFleet } from "../../src/fleet/load-fleet.js";
import { yamlToJson } from "../../src/manifests/yaml.js";
import { filesFromTree } from "../helpers/fleet.js";

function outcome(read: () => unknown): unknown {
  try {
    return { value: read() };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/** Reads `after` with the cache left by reading `before`, and checks it against a plain full read. */
function check(before: string, after: string): void {
  let cache: FleetYamlCache | undefined;
  try {
    cache = readFleetYaml(before).cache;
  } catch {
    cache = undefined;
  }
  assert.deepEqual(
    outcome(() => readFleetYaml(after, cache).value),
    outcome(() => yamlToJson(after, { strictKeys: true })),
    `before:\n${before}\nafter:\n${after}`,
  );
}

const BASE = `# fleet
vars:
  version: "1.0"
nodes:
  cp-1:
    labels: { role: "cp" }
    vars: { ip: "10.0.0.1" }
  # a comment between entries
  cp-2:
    labels:
      role: "cp"

  edge-1: { labels: { role: "edge" } }
groups:
  cp: { selector: { matchLabels: { role: "cp" } } }
`;

describe("readFleetYaml", () => {
  const edits: Array<[string, (t: string) => string]> = [
    ["unchanged", (t) => t],
    ["one label changed", (t) => t.replace('role: "edge"', 'role: "edge-2"')],
    ["an entry added", (t) => t.replace("groups:", '  edge-2: { labels: { role: "edge" } }\ngroups:')],
    ["an entry removed", (t) => t.replace('  edge-1: { labels: { role: "edge" } }\n', "")],
    ["entries reordered", (t) => t.replace("  cp-1:", "  cp-0: {}\n  cp-1:")],
    [
      "a duplicate key (last wins)",
      (t) => t.replace("groups:", '  cp-1: { labels: { role: "late" } }\ngroups:'),
    ],
    ["vars changed", (t) => t.replace('version: "1.0"', 'version: "2.0"')],
    ["YAML 1.1 keys", (t) => t.replace("  cp-2:", "  yes:\n    labels: {}\n  123: {}\n  cp-2:")],
    ["a quoted key", (t) => t.replace("  cp-2:", '  "cp-3": {}\n  cp-2:')],
    [
      "a block scalar",
      (t) =>
        t.replace('vars: { ip: "10.0.0.1" }', "vars:\n      note: |\n        line one\n        line two"),
    ],
    [
      "an anchor and alias",
      (t) =>
        t
          .replace('labels: { role: "cp" }', 'labels: &l { role: "cp" }')
          .replace('  cp-2:\n    labels:\n      role: "cp"', "  cp-2:\n    labels: *l"),
    ],
    ["a second document", (t) => t + "---\nnodes: {}\n"],
    ["flow-style nodes", () => 'nodes: { a: {}, b: { labels: { x: "y" } } }\n'],
    ["nodes emptied", (t) => t.replace(/nodes:[\s\S]*groups:/, "nodes:\ngroups:")],
    ["a syntax error in an entry", (t) => t.replace('{ role: "edge" }', '{ role: "edge" ')],
    ["a badly indented line", (t) => t.replace("  cp-2:", " cp-2:")],
    ["a tab", (t) => t.replace("  cp-2:", "\tcp-2:")],
    ["a sequence instead of a mapping", (t) => t.replace(/nodes:\n/, "nodes:\n  - a\n")],
  ];
  for (const [name, edit] of edits) it(`reads like yamlToJson after: ${name}`, () => check(BASE, edit(BASE)));

  it("reuses unchanged entries: their values are the cached objects", () => {
    const first = readFleetYaml(BASE);
    const second = readFleetYaml(BASE.replace('role: "edge"', 'role: "edge-2"'), first.cache);
    const a = (first.value as { nodes: Record<string, unknown> }).nodes;
    const b = (second.value as { nodes: Record<string, unknown> }).nodes;
    assert.equal(b["cp-1"], a["cp-1"]);
    assert.notEqual(b["edge-1"], a["edge-1"]);
  });

  it("reads like yamlToJson for generated fleets and random edits", () => {
    const name = fc.oneof(
      fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/),
      fc.constantFrom("yes", "on", "123", '"q-1"', "n"),
    );
    const value = fc.oneof(
      fc.constant("{}"),
      fc.constant('{ labels: { role: "a" } }'),
      fc.constant("\n    labels:\n      role: b\n    vars: { ip: 10.0.0.1 }"),
      fc.constant("\n    vars:\n      s: |\n        text\n        more"),
      fc.constant("{ labels: { x: yes } }"),
      fc.constant("\n    # comment\n    labels: {}"),
    );
    const entry = fc.tuple(name, value).map(([n, v]) => `  ${n}: ${v}`);
    const file = fc
      .tuple(fc.array(entry, { maxLength: 8 }), fc.boolean(), fc.boolean())
      .map(([entries, varsFirst, blank]) => {
        const nodes = `nodes:\n${entries.join(blank ? "\n\n" : "\n")}\n`;
        const vars = 'vars: { v: "1" }\n';
        return varsFirst ? vars + nodes + "groups: {}\n" : nodes + vars;
      });
    fc.assert(
      fc.property(file, file, (before, after) => {
        check(before, after);
        check(after, after);
      }),
      { numRuns: 300 },
    );
  });

  it("a fleet.yaml with two documents is an error, not a silent first-document read", () => {
    const r = loadFleet(filesFromTree({ "fleet.yaml": "nodes: { a: {} }\n---\nnodes: { b: {} }\n" }), {
      revision: "x",
    });
    assert.equal(r.ok, false);
    if (!r.ok)
      assert.ok(r.issues.some((i) => i.file === "fleet.yaml" && /holds 2 YAML documents/.test(i.message)));
  });
});
