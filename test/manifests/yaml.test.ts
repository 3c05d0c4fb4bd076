// The kubelet-faithful YAML reader: streams, errors, warnings, aliases, keys, tags and JSON input.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { countYamlDocuments, parseYamlDocuments, yamlToJson, YamlSyntaxError } from "../../src/manifests/yaml.js";
import { ExactInteger } from "../../src/lib/exact-integer.js";

function syntaxError(pattern: RegExp): (e: unknown) => boolean {
  return (e: unknown) => e instanceof YamlSyntaxError && e.code === "yaml-syntax" && pattern.test(e.message);
}

describe("parseYamlDocuments", () => {
  test("returns every document with its index, start line and value; empty documents are null", () => {
    const r = parseYamlDocuments("a: 1\n---\n---\n# lead\nb: [x]\n");
    assert.deepEqual(r.issues, []);
    assert.deepEqual(
      r.documents.map((d) => [d.index, d.line, d.value]),
      [
        [1, 1, { a: 1 }],
        [2, 2, null],
        [3, 3, { b: ["x"] }],
      ],
    );
  });

  test("a syntax error in document 2 is reported with index 2 and the other documents are still returned", () => {
    const r = parseYamlDocuments("a: 1\n---\nb: [1, 2\n---\nc: 3\n");
    assert.deepEqual(
      r.documents.map((d) => [d.index, d.value]),
      [
        [1, { a: 1 }],
        [3, { c: 3 }],
      ],
    );
    assert.equal(r.issues.length, 1);
    const issue = r.issues[0];
    assert.equal(issue?.severity, "error");
    assert.equal(issue?.code, "yaml-syntax");
    assert.equal(issue?.doc, 2);
    assert.match(issue?.message ?? "", /line \d+:\d+/);
  });

  test("conversion errors (unknown alias) are reported per document", () => {
    const r = parseYamlDocuments("a: *nope\n---\nb: 2\n");
    assert.deepEqual(r.issues.map((i) => [i.doc, i.code]), [[1, "yaml-syntax"]]);
    assert.match(r.issues[0]?.message ?? "", /line 1:4: unknown anchor 'nope'/);
    assert.deepEqual(r.documents.map((d) => d.value), [{ b: 2 }]);
  });

  test("warns with a Kubernetes-style path for every plain scalar YAML 1.1 and 1.2 read differently", () => {
    const text = [
      "spec:",
      "  containers:",
      "  - env:",
      "    - name: A",
      "      value: yes",
      "    - name: B",
      "      value: 0644",
      "  volumes:",
      "  - configMap:",
      "      defaultMode: 0b101",
      "      items: [1_000, off, \"yes\", 0o755, 0x1F, +12, 09, 3.0]",
      "on: 1",
      "",
    ].join("\n");
    const [doc] = parseYamlDocuments(text).documents;
    assert.ok(doc !== undefined);
    assert.deepEqual(doc.value, {
      spec: {
        containers: [{ env: [{ name: "A", value: true }, { name: "B", value: 420 }] }],
        volumes: [{ configMap: { defaultMode: 5, items: [1000, false, "yes", 493, 31, 12, 9, 3] } }],
      },
      true: 1,
    });
    assert.deepEqual(
      doc.warnings.map((w) => [w.path, w.severity, w.code, w.doc]),
      [
        ["spec.containers[0].env[0].value", "warning", "yaml-1.1-ambiguous", 1],
        ["spec.containers[0].env[1].value", "warning", "yaml-1.1-ambiguous", 1],
        ["spec.volumes[0].configMap.defaultMode", "warning", "yaml-1.1-ambiguous", 1],
        ["spec.volumes[0].configMap.items[0]", "warning", "yaml-1.1-ambiguous", 1],
        ["spec.volumes[0].configMap.items[1]", "warning", "yaml-1.1-ambiguous", 1],
        ["true", "warning", "yaml-1.1-ambiguous", 1],
      ],
    );
    assert.equal(
      doc.warnings[0]?.message,
      `unquoted 'yes' is the boolean true for the kubelet (YAML 1.1) but the string "yes" for YAML 1.2 tools; quote it ("yes") or write true`,
    );
    assert.match(doc.warnings[1]?.message ?? "", /420 \(octal\) for the kubelet .* 644 for YAML 1\.2 tools; quote it \("0644"\) or write 420/);
    assert.match(doc.warnings[5]?.message ?? "", /key 'on' .* named "true"/);
  });

  test("aliases do not repeat warnings of their anchor", () => {
    const [doc] = parseYamlDocuments("a: &x yes\nb: *x\nc: *x\n").documents;
    assert.deepEqual(doc?.value, { a: true, b: true, c: true });
    assert.deepEqual(doc?.warnings.map((w) => w.path), ["a"]);
  });

  test("JSON text is read as one document", () => {
    const r = parseYamlDocuments('\n  {"a": {"b": [1, "yes"]}, "a": 2}');
    assert.deepEqual(r.documents, [{ index: 1, value: { a: 2 }, line: 2, warnings: [] }]);
  });
});

describe("yamlToJson", () => {
  test("reads only the first document; later ones are ignored even when invalid", () => {
    assert.deepEqual(yamlToJson("a: 1\n---\nb: [\n"), { a: 1 });
    assert.deepEqual(yamlToJson("---\na: 1\n---\nb: 2\n"), { a: 1 });
  });

  test("empty, comment-only and leading-empty-document streams give null (the kubelet then rejects them)", () => {
    assert.equal(yamlToJson(""), null);
    assert.equal(yamlToJson("# nothing here\n"), null);
    assert.equal(yamlToJson("---\n---\nkind: Pod\n"), null);
  });

  test("the kubelet reference P8/H16: unquoted yes is a boolean, quoted is a string", () => {
    assert.deepEqual(yamlToJson("metadata:\n  labels:\n    enabled: yes\n"), { metadata: { labels: { enabled: true } } });
    assert.deepEqual(yamlToJson('metadata:\n  labels:\n    enabled: "yes"\n'), { metadata: { labels: { enabled: "yes" } } });
    assert.deepEqual(yamlToJson("defaultMode: 0644\n"), { defaultMode: 420 });
  });

  test("duplicate keys: the last one wins", () => {
    assert.deepEqual(yamlToJson("a: 1\nb: 2\na: 3\n"), { a: 3, b: 2 });
    assert.deepEqual(yamlToJson("y: 1\ntrue: 2\n"), { true: 2 });
  });

  test("merge keys apply in order; a list of maps gives precedence to earlier maps", () => {
    const text = "base: &b {p: 1, q: 1}\nother: &o {q: 2, r: 2}\nm:\n  p: 0\n  <<: [*b, *o]\n  r: 3\n";
    assert.deepEqual(yamlToJson(text), {
      base: { p: 1, q: 1 },
      other: { q: 2, r: 2 },
      m: { p: 1, q: 1, r: 3 },
    });
    assert.deepEqual(yamlToJson('a: {"<<": {b: 1}}\n'), { a: { "<<": { b: 1 } } });
    assert.throws(() => yamlToJson("a: {<<: 1}\n"), syntaxError(/map merge requires map/));
  });

  test("an alias bomb is rejected", () => {
    const levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i <= 8; i++) levels.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(", ")}]`);
    assert.throws(() => yamlToJson(levels.join("\n") + "\n"), syntaxError(/alias/));
  });

  test("an alias refers to the latest anchor of that name before it, even after other aliases were expanded", () => {
    assert.deepEqual(yamlToJson("a: &y [&x 1]\nb: &x 2\nc: *y\nd: *x\n"), { a: [1], b: 2, c: [1], d: 2 });
  });

  test("self-referencing and unknown aliases are rejected with a position", () => {
    assert.throws(() => yamlToJson("a: &a [*a]\n"), syntaxError(/line 1:\d+: anchor 'a' value contains itself/));
    assert.throws(
      () => yamlToJson("a: 1\nb: *zz\n"),
      (e: unknown) => e instanceof YamlSyntaxError && e.line === 2 && e.column === 4,
    );
  });

  test("deep nesting is rejected", () => {
    assert.throws(() => yamlToJson("[".repeat(3000) + "]".repeat(3000)), YamlSyntaxError);
  });

  test("map keys become strings the way sigs.k8s.io/yaml names them", () => {
    assert.deepEqual(yamlToJson("1: a\n0x10: b\n1.5: c\n1e7: d\nn: e\n2001-12-14: f\n"), {
      "1": "a",
      "16": "b",
      "1.5": "c",
      "1e+07": "d",
      false: "e",
      "2001-12-14": "f",
    });
    assert.throws(() => yamlToJson("~: a\n"), syntaxError(/unsupported map key/));
    assert.throws(() => yamlToJson("18446744073709551615: a\n"), syntaxError(/uint64/));
    assert.throws(() => yamlToJson("? [a]\n: b\n"), syntaxError(/invalid map key/));
  });

  test("explicit tags", () => {
    assert.deepEqual(yamlToJson('a: !!int "12"\nb: !!str 12\nc: !!float 1\nd: !!bool yes\ne: !!null ""\nf: !custom 12\ng: !!binary aGk=\n'), {
      a: 12,
      b: "12",
      c: 1,
      d: true,
      e: null,
      f: "12",
      g: "hi",
    });
    assert.throws(() => yamlToJson("a: !!int abc\n"), syntaxError(/cannot decode !!str `abc` as a !!int/));
  });

  test("numbers follow Go's ParseInt/ParseFloat", () => {
    assert.deepEqual(yamlToJson("[-0x1F, 0B11, 0O17, 08, 1__0, 1e400, ._5, .5_5, 0., -0, +0x10, 9223372036854775807]\n"), [
      -31,
      3,
      15,
      8,
      10,
      "1e400",
      "._5",
      0.55,
      0,
      0,
      16,
      // Beyond 2^53 the exact value is kept (never rounded to 2^63).
      new ExactInteger(9223372036854775807n),
    ]);
  });

  test("text starting with '{' is JSON, as for the kubelet", () => {
    assert.deepEqual(yamlToJson('{"a": 1, "a": 2, "__proto__": {"x": 1}}'), JSON.parse('{"a": 2, "__proto__": {"x": 1}}'));
    assert.throws(() => yamlToJson('{"a": 1}\n---\n'), syntaxError(/invalid JSON/));
    assert.deepEqual(yamlToJson('[{"a": "yes"}, true, 1.5]'), [{ a: "yes" }, true, 1.5]);
  });

  test("syntax errors carry line and column", () => {
    assert.throws(
      () => yamlToJson("a: 1\nb: c: d\n"),
      (e: unknown) => e instanceof YamlSyntaxError && e.line === 2 && typeof e.column === "number" && /^line 2:\d+: /.test(e.message),
    );
  });
});

describe("countYamlDocuments", () => {
  const cases: [string, number][] = [
    ["a: 1\n---\nb: 2\n", 2],
    ["---\na: 1\n", 1],
    ["---\n---\nx\n", 2],
    ["", 0],
    ["# only a comment\n", 0],
    ["a: 1\n", 1],
    ['{"a": 1}\n---\n{"b": 2}\n', 2],
  ];
  for (const [text, n] of cases) {
    test(JSON.stringify(text), () => {
      assert.equal(countYamlDocuments(text), n);
    });
  }
});
