// Hostile fleet content: every bound of the readers and the loader, each case a rejection naming the place, never a crash.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadFleet, type LoadResult } from "../../src/fleet/load-fleet.js";
import { ExactInteger } from "../../src/lib/exact-integer.js";
import { countErrors, MAX_ISSUES_PER_FILE, MAX_ISSUES_TOTAL } from "../../src/lib/issue-collector.js";
import { formatIssue } from "../../src/lib/issues.js";
import { renderPodList } from "../../src/manifests/render.js";
import { MAX_DOCUMENTS, yamlToJson } from "../../src/manifests/yaml.js";
import { readJson } from "../../src/manifests/yaml-json.js";
import { filesFromTree, podYaml } from "../helpers/fleet.js";

const FLEET = "nodes:\n  cp-1: {}\n";

function load(tree: Record<string, string>): LoadResult {
  return loadFleet(filesFromTree({ "fleet.yaml": FLEET, "common/ok.yaml": podYaml("ok"), ...tree }), {
    revision: "r",
  });
}

function rejected(result: LoadResult): string[] {
  assert.equal(result.ok, false, "the revision must be rejected");
  return result.ok ? [] : result.issues.filter((i) => i.severity === "error").map(formatIssue);
}

/** Seven levels of ten aliases each: 10^7 nodes once expanded, from a few hundred bytes. */
const BOMB =
  "a: &a [x,x,x,x,x,x,x,x,x,x]\n" +
  ["b", "c", "d", "e", "f", "g"]
    .map((k, i) => `${k}: &${k} [${Array<string>(10).fill(`*${"abcdef"[i]}`).join(",")}]`)
    .join("\n") +
  "\nh: [*g,*g]\n";

const pod = (extra: Record<string, unknown>) =>
  JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "j" },
    spec: { containers: [{ name: "c", image: "i" }] },
    ...extra,
  });

describe("readers refuse what they cannot hold, naming the file", () => {
  it("files nested 5,000 levels deep (JSON is read to 1,000 levels, YAML to 500; the boundaries are in nesting-limits)", () => {
    const errors = rejected(load({ "common/deep.json": "[".repeat(5000) + "]".repeat(5000) }));
    assert.match(
      errors.join("\n"),
      /common\/deep\.json .*nested deeper than 1,000 levels, this server's limit/,
    );
    const yaml = rejected(load({ "common/deep.yaml": "a: " + "[".repeat(5000) + "]".repeat(5000) }));
    assert.match(yaml.join("\n"), /common\/deep\.yaml .*nested deeper than 500 levels, this server's limit/);
  });

  it("1e400 in a .json file is an error naming the field, at read time", () => {
    const errors = rejected(load({ "common/inf.json": pod({ x: "INF" }).replace('"INF"', "1e400") }));
    assert.match(errors.join("\n"), /common\/inf\.json .*x: the number is out of range/);
    assert.throws(() => readJson('{"a":[1,-1e999]}'), /a\[1\]: the number is out of range/);
    assert.throws(() => yamlToJson("a: .inf\n"), /not a JSON number/);
  });

  it("integers beyond 2^53 are kept exact, never rounded, in JSON and YAML", () => {
    const big = "9007199254740993";
    const json = readJson(`{"a": ${big}, "b": -${big}0, "c": 9007199254740991, "s": "${big}"}`) as Record<
      string,
      unknown
    >;
    assert.ok(json["a"] instanceof ExactInteger);
    assert.equal(json["a"].text, big);
    assert.equal((json["b"] as ExactInteger).text, `-${big}0`);
    assert.equal(json["c"], 9007199254740991);
    assert.equal(json["s"], big);
    const yaml = yamlToJson(`a: ${big}\nb: 9223372036854775808\n`) as Record<string, unknown>;
    assert.equal((yaml["a"] as ExactInteger).text, big);
    assert.equal((yaml["a"] as ExactInteger).fitsInt64, true);
    // Beyond int64, go-yaml reads a uint64 that sigs.k8s.io/yaml turns into a float64: the kubelet gets it rounded.
    assert.equal(yaml["b"], 2 ** 63);
    // Rendering writes the digits as read.
    assert.match(
      renderPodList([{ metadata: { name: "a" }, count: yaml["a"] }], "json"),
      new RegExp(`"count": ${big},\\n`),
    );
    assert.match(
      renderPodList([{ metadata: { name: "a" }, count: yaml["a"] }], "yaml"),
      new RegExp(`count: ${big}\\n`),
    );
  });

  it("a fleet var of 100 KB used 6,000 times in one string stops at the expansion limit", () => {
    const errors = rejected(
      loadFleet(
        filesFromTree({
          "fleet.yaml": `vars:\n  big: "${"x".repeat(100_000)}"\n${FLEET}`,
          "common/t.yaml": podYaml("t", "i", `  hostname: "${"{{ vars.big }}".repeat(6000)}"\n`),
        }),
        { revision: "r" },
      ),
    );
    assert.match(
      errors.join("\n"),
      /common\/t\.yaml .*spec\.hostname: this string expands to more than 1,048,576 characters/,
    );
  });

  it("250 alias-bomb documents: the budget is per file, not per document", () => {
    const errors = rejected(load({ "common/bomb.yaml": Array<string>(250).fill(BOMB).join("---\n") }));
    assert.match(errors.join("\n"), /aliases expand to more than 250,000 nodes in this file/);
  });

  it("alias bombs spread over many files meet the per-revision budget", () => {
    // Each file stays under its own budget (about 202,000 nodes); together they exceed the revision's.
    const file =
      "a: &a [" +
      Array<string>(100).fill("x").join(",") +
      "]\n" +
      "b: &b [" +
      Array<string>(100).fill("*a").join(",") +
      "]\n" +
      "c: [" +
      Array<string>(19).fill("*b").join(",") +
      "]\n";
    const tree: Record<string, string> = {};
    for (let i = 0; i < 6; i++) tree[`common/bomb-${i}.yaml`] = file;
    const errors = rejected(load(tree));
    assert.match(errors.join("\n"), /aliases expand to more than 1,000,000 nodes in this revision/);
  });

  it("a PodList of 2 million numbers keeps one issue, not millions", () => {
    const list = `{"apiVersion":"v1","kind":"PodList","items":[${Array<string>(2_000_000).fill("1").join(",")}]}`;
    const result = load({ "common/n.json": list });
    const errors = rejected(result);
    assert.equal(errors.length, 1);
    assert.match(
      errors[0] ?? "",
      /items: a PodList of 2,000,000 items; a file may define at most 1,000 pods/,
    );
  });

  it("issues are capped per file and per revision, with a count of the rest", () => {
    // 900 documents each missing its kind: 900 errors in one file.
    const flood = Array.from({ length: 900 }, (_, i) => `a: ${i}\n`).join("---\n");
    const result = load({ "common/flood.yaml": flood });
    assert.equal(result.ok, false);
    if (result.ok) return;
    const inFile = result.issues.filter((i) => i.file === "common/flood.yaml");
    assert.equal(inFile.filter((i) => i.code !== "issues-omitted").length, MAX_ISSUES_PER_FILE);
    assert.match(formatIssue(inFile.find((i) => i.code === "issues-omitted")!), /800 more errors not listed/);
    assert.equal(countErrors(result.issues), 900);

    const many: Record<string, string> = {};
    for (let f = 0; f < 30; f++)
      many[`common/f${f}.yaml`] = Array.from({ length: 60 }, (_, i) => `a: ${i}\n`).join("---\n");
    const wide = load(many);
    assert.equal(wide.ok, false);
    if (wide.ok) return;
    assert.ok(wide.issues.filter((i) => i.code !== "issues-omitted").length <= MAX_ISSUES_TOTAL);
    assert.equal(countErrors(wide.issues), 1800);
  });

  it("documents per file are bounded: reading stops after 1,000", () => {
    const result = load({ "common/docs.yaml": "---\n{}\n".repeat(MAX_DOCUMENTS * 3) });
    assert.match(rejected(result).join("\n"), /more than 1,000 documents; split it/);
  });

  it("__proto__ and constructor keys under templated values are served in every form", () => {
    // Under an unknown field (a warning; the kubelet drops it): label-like maps refuse `__proto__` as a key.
    const result = load({
      "common/p.yaml": podYaml(
        "p",
        "i",
        `  notes:\n    __proto__: "{{ node.name }}"\n    constructor: "x-{{ node.name }}"\n`,
      ),
    });
    assert.ok(result.ok, result.ok ? "" : result.issues.map(formatIssue).join("\n"));
    const node = result.fleet.nodes.get("cp-1")!;
    const served = node.pods.find((p) => p.key === "default/p")!.pod;
    const json = JSON.parse(node.json.toString("utf8")) as {
      items: Array<{ spec: { notes: object } }>;
    };
    const selector = json.items.find((i) => "notes" in i.spec)!.spec.notes;
    assert.deepEqual(Object.entries(selector), [
      ["__proto__", "cp-1"],
      ["constructor", "x-cp-1"],
    ]);
    const yaml = renderPodList([served], "yaml");
    assert.match(yaml, /\n\s+__proto__: "cp-1"\n/);
    assert.match(yaml, /\n\s+constructor: "x-cp-1"\n/);
    assert.equal(
      Object.getPrototypeOf((served["spec"] as Record<string, unknown>)["notes"]),
      Object.prototype,
    );
  });

  it("the YAML form is checked against the 10 MiB limit even when the JSON form is small", () => {
    // U+0085 is 2 bytes in JSON and 6 (\u0085) in the YAML served: a 4.4 MB JSON document is 13 MB of YAML.
    const args = Array.from({ length: 22 }, () => `"${"\u0085".repeat(100_000)}"`).join(", ");
    const errors = rejected(load({ "common/nel.yaml": podYaml("nel", "i", `      args: [${args}]\n`) }));
    assert.match(errors.join("\n"), /node cp-1 would receive \d+ bytes as yaml/);
  });

  it("fleet.yaml keys YAML 1.1 would convert are errors, never node true or 26", () => {
    for (const key of ["on", "true", "0x1a", "yes"]) {
      const result = loadFleet(filesFromTree({ "fleet.yaml": `nodes:\n  ${key}: {}\n  cp-1: {}\n` }), {
        revision: "r",
      });
      const errors = rejected(result);
      assert.match(
        errors.join("\n"),
        new RegExp(`fleet\\.yaml.*key '${key}' is .* in YAML 1\\.1.*quote it`),
        key,
      );
    }
    const quoted = loadFleet(
      filesFromTree({ "fleet.yaml": 'nodes:\n  "on": {}\n', "common/ok.yaml": podYaml("ok") }),
      { revision: "r" },
    );
    assert.ok(quoted.ok && quoted.fleet.nodes.has("on"));
  });
});
