// Canonical renderers: quoting that YAML 1.1 and 1.2 read alike, byte-stable JSON, pod list assembly.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import YAML from "yaml";
import {
  assemblePodListJson,
  canonicalJson,
  podJsonFragment,
  renderPodList,
  toYaml,
  YAML_PER_JSON_BYTE,
} from "../../src/manifests/render.js";
import { yamlToJson } from "../../src/manifests/yaml.js";
import { asNumbers } from "../helpers/numbers.js";

function read12(text: string): unknown {
  return YAML.parse(text, { version: "1.2", schema: "core" });
}


/** Both readers give back `value` (a number written with 16 digits or more reads back as its exact integer). */
function assertRoundTrip(value: unknown): void {
  const text = toYaml(value);
  assert.deepEqual(asNumbers(yamlToJson(text)), value, `YAML 1.1 reading of:\n${text}`);
  assert.deepEqual(read12(text), value, `YAML 1.2 reading of:\n${text}`);
}

describe("toYaml", () => {
  const strings: [string, string][] = [
    ["yes", '"yes"'],
    ["0644", '"0644"'],
    ["1:20", '"1:20"'],
    ["null", '"null"'],
    ["", '""'],
    ["~", '"~"'],
    ["- x", '"- x"'],
    ["a: b", '"a: b"'],
    ["#x", '"#x"'],
    ["line1\nline2\n", '"line1\\nline2\\n"'],
    ["tab\there", '"tab\\there"'],
    ['quote " and \\', '"quote \\" and \\\\"'],
    ["héllo wörld ✓ 😀", '"héllo wörld ✓ 😀"'],
    ["\u0000\u0007\u001b\u007f\u0085\u2028\u2029\ufeff", '"\\u0000\\u0007\\u001B\\u007F\\u0085\\u2028\\u2029\\uFEFF"'],
  ];
  for (const [value, quoted] of strings) {
    test(`string ${JSON.stringify(value)} is double-quoted`, () => {
      assert.equal(toYaml({ v: value }), `v: ${quoted}\n`);
      assertRoundTrip({ v: value });
      assertRoundTrip([value]);
      assertRoundTrip(value);
    });
  }

  const keys: [string, string][] = [
    ["y", '"y"'],
    ["n", '"n"'],
    ["on", '"on"'],
    ["Off", '"Off"'],
    ["true", '"true"'],
    ["null", '"null"'],
    ["123", '"123"'],
    ["0644", '"0644"'],
    ["1e3", '"1e3"'],
    ["a:b", '"a:b"'],
    ["with space", '"with space"'],
    ["", '""'],
    ["-x", '"-x"'],
    ["<<", '"<<"'],
    ["name", "name"],
    ["app.kubernetes.io/name", "app.kubernetes.io/name"],
    ["kube_proxy-1", "kube_proxy-1"],
    ["1.2.3", "1.2.3"],
  ];
  for (const [key, written] of keys) {
    test(`key ${JSON.stringify(key)} is written ${written}`, () => {
      assert.equal(toYaml({ [key]: 1 }), `${written}: 1\n`);
      assertRoundTrip({ [key]: 1 });
    });
  }

  test("scalars, empty collections and block layout", () => {
    assert.equal(
      toYaml({ b: [1, [], {}, [true, null]], a: { z: -1.5, y2: 1e21 }, e: {}, s: [] }),
      ["a:", "  y2: 1e+21", "  z: -1.5", "b:", "- 1", "- []", "- {}", "- - true", "  - null", "e: {}", "s: []", ""].join("\n"),
    );
    assert.equal(toYaml(null), "null\n");
    assert.equal(toYaml([]), "[]\n");
    assert.equal(toYaml([{ a: 1, b: [2] }]), "- a: 1\n  b:\n  - 2\n");
  });

  test("keys too long for an implicit key use the explicit form", () => {
    const long = "k".repeat(1500);
    const value = { [long]: { x: [1] }, list: [{ [long]: "v" }] };
    assert.match(toYaml(value), /^\? "k+"\n:\n {2}x:/m);
    assertRoundTrip(value);
  });

  test("float forms read the same in both readers", () => {
    assertRoundTrip([0.1, 1e21, 1.5e-7, 5e-324, 1.7976931348623157e308, -2.5e-300, 1.2345678901234567e19, 2 ** 53 + 2]);
  });

  test("rejects what JSON cannot hold", () => {
    assert.throws(() => toYaml({ a: Infinity }), /non-finite/);
    assert.throws(() => toYaml({ a: NaN }), /non-finite/);
    assert.throws(() => toYaml([undefined]), /undefined/);
    assert.throws(() => toYaml({ a: "\ud800" }), /lone surrogate/);
    assert.equal(toYaml({ a: undefined, b: 1 }), "b: 1\n");
  });
});

describe("canonicalJson", () => {
  test("sorted keys by UTF-16 code unit, 2-space indent, no trailing newline", () => {
    assert.equal(
      canonicalJson({ b: 1, B: [1, {}], a: { "é": null, z: [] } }),
      '{\n  "B": [\n    1,\n    {}\n  ],\n  "a": {\n    "z": [],\n    "é": null\n  },\n  "b": 1\n}',
    );
    assert.equal(canonicalJson("x"), '"x"');
    assert.equal(canonicalJson({ a: [1] }, 2), '{\n      "a": [\n        1\n      ]\n    }');
    assert.throws(() => canonicalJson({ a: Infinity }), /non-finite/);
  });
});

const pod = (name: string, namespace?: string, extra: object = {}): object => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: namespace === undefined ? { name } : { name, namespace },
  spec: { containers: [{ name: "c", image: "nginx" }] },
  ...extra,
});

describe("renderPodList", () => {
  const pods = [pod("web"), pod("api", "kube-system"), pod("api"), pod("zz", "a-ns")];

  test("json: a v1 PodList sorted by namespace then name, with a final newline", () => {
    const text = renderPodList(pods, "json");
    assert.ok(text.endsWith("}\n"));
    const parsed: unknown = JSON.parse(text);
    assert.deepEqual(parsed, { apiVersion: "v1", kind: "PodList", metadata: {}, items: [pods[3], pods[2], pods[0], pods[1]] });
    assert.equal(text, `${canonicalJson(parsed)}\n`);
  });

  test("an empty list renders items: []", () => {
    const expected = '{\n  "apiVersion": "v1",\n  "items": [],\n  "kind": "PodList",\n  "metadata": {}\n}\n';
    assert.equal(renderPodList([], "json"), expected);
    assert.equal(assemblePodListJson([]), expected);
    assert.equal(renderPodList([], "stream"), "# no pods\n");
    assert.deepEqual(yamlToJson(renderPodList([], "yaml")), { apiVersion: "v1", items: [], kind: "PodList", metadata: {} });
  });

  test("yaml and stream formats", () => {
    const yaml = renderPodList(pods, "yaml");
    assert.deepEqual(yamlToJson(yaml), JSON.parse(renderPodList(pods, "json")));
    const stream = renderPodList([pod("b"), pod("a")], "stream");
    assert.equal(stream, `---\n${toYaml(pod("a"))}---\n${toYaml(pod("b"))}`);
    assert.ok(stream.includes('  name: "a"\n'));
  });
});

describe("properties", () => {
  // JSON's own round trip turns -0 into 0, which is what both renderers print.
  const json = (unit: "grapheme" | "binary-ascii") =>
    fc.jsonValue({ maxDepth: 4, stringUnit: unit }).map((v): unknown => JSON.parse(JSON.stringify(v)));

  test("no YAML or stream form is larger than YAML_PER_JSON_BYTE times the JSON form (the size check relies on it)", () => {
    const worst = fc.string({ unit: fc.constantFrom("\u007f", "\u0085", "\u2028", "\ufeff", "\u0001", "a", "😀", '"') });
    const value = fc.oneof(json("grapheme"), json("binary-ascii"), worst, fc.array(worst), fc.dictionary(worst, worst));
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 4 }), (specs) => {
        const pods = specs.map((spec, i) => ({ apiVersion: "v1", kind: "Pod", metadata: { name: `p${i}` }, spec }));
        const json = Buffer.byteLength(renderPodList(pods, "json"));
        for (const format of ["yaml", "stream"] as const)
          assert.ok(Buffer.byteLength(renderPodList(pods, format)) <= YAML_PER_JSON_BYTE * json, format);
      }),
      { numRuns: 300 },
    );
  });

  test("toYaml reads back identically with YAML 1.1 (kubelet) and YAML 1.2 core readers", () => {
    fc.assert(fc.property(fc.oneof(json("grapheme"), json("binary-ascii")), (v) => assertRoundTrip(v)), { numRuns: 300 });
  });

  test("canonicalJson parses back to the same value", () => {
    fc.assert(
      fc.property(json("grapheme"), fc.nat(4), (v, indent) => {
        assert.deepEqual(JSON.parse(canonicalJson(v, indent)), v);
      }),
    );
  });

  const arbPod = fc
    .record({
      name: fc.constantFrom("a", "b", "web", "api"),
      namespace: fc.option(fc.constantFrom("default", "kube-system", "a"), { nil: undefined }),
      label: fc.string({ maxLength: 5 }),
    })
    .map(({ name, namespace, label }) => pod(name, namespace, { metadataLabel: label }));

  test("renderPodList does not depend on input order, and assembled fragments equal the json rendering", () => {
    fc.assert(
      fc.property(fc.array(arbPod, { maxLength: 8 }), fc.infiniteStream(fc.nat()), (pods, seeds) => {
        const shuffled = [...pods].map((p) => ({ p, k: seeds.next().value as number })).sort((a, b) => a.k - b.k).map(({ p }) => p);
        for (const format of ["json", "yaml", "stream"] as const) {
          assert.equal(renderPodList(shuffled, format), renderPodList(pods, format));
        }
        const sorted: unknown = JSON.parse(renderPodList(pods, "json"));
        assert.ok(sorted !== null && typeof sorted === "object" && "items" in sorted && Array.isArray(sorted.items));
        const fragments = sorted.items.map((p: object) => podJsonFragment(p));
        assert.equal(assemblePodListJson(fragments), renderPodList(pods, "json"));
      }),
    );
  });
});
