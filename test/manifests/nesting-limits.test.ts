// Nesting depth at its boundaries: the server's readers and loader (JSON 1,000, YAML 500 levels, below the kubelet's
// 10,000) and the agent's decoder (exactly as the kubelet: 10,000 levels accepted, 10,001 refused, JSON and YAML).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeResponse, ResponseRejectedError } from "../../src/agent/decode.js";
import { decodeBody } from "../../src/agent/deep-yaml.js";
import { MAX_NESTING_DEPTH } from "../../src/agent/max-depth.js";
import { loadFleet } from "../../src/fleet/load-fleet.js";
import { formatIssue } from "../../src/lib/issues.js";
import { KUBELET_MAX_DEPTH } from "../../src/manifests/yaml-depth.js";
import { readJson } from "../../src/manifests/yaml-json.js";
import { MAX_JSON_DEPTH, MAX_YAML_DEPTH, parseYamlDocuments, yamlToJson } from "../../src/manifests/yaml.js";
import { filesFromTree } from "../helpers/fleet.js";

/** `depth` nested flow sequences: `[[...]]`, depth 1 being `[]`. */
const flow = (depth: number): string => "[".repeat(depth) + "]".repeat(depth);

/** YAML documents whose collections nest exactly `depth` levels (the top-level mapping is level 1). */
const yamlShapes: Record<string, (depth: number) => string> = {
  "flow sequences": (d) => `a: ${flow(d - 1)}\n`,
  "flow mappings": (d) => `a: ${"{b: ".repeat(d - 2)}{}${"}".repeat(d - 2)}\n`,
  "block mappings": (d) => {
    let text = "";
    for (let i = 0; i < d - 1; i++) text += `${" ".repeat(i)}k:\n`;
    return `${text}${" ".repeat(d - 1)}v: 1\n`;
  },
  "block sequences": (d) => {
    let text = "a:\n";
    for (let i = 1; i < d - 1; i++) text += `${" ".repeat(i)}-\n`;
    return `${text}${" ".repeat(d - 1)}- 1\n`;
  },
  "one-pair mappings in flow sequences": (d) => `a: ${"[k: ".repeat((d - 1) / 2)}[]${"]".repeat((d - 1) / 2)}\n`,
};

/** JSON nesting exactly `depth` levels. */
const json = (depth: number): string => `{"a":${flow(depth - 1)}}`;

describe("nesting limits of the server's readers", () => {
  it("are below the kubelet's, which is 10,000 levels for JSON and YAML alike", () => {
    assert.equal(KUBELET_MAX_DEPTH, 10_000);
    assert.equal(MAX_JSON_DEPTH, 1_000);
    assert.equal(MAX_YAML_DEPTH, 500);
  });

  it("JSON: 1,000 levels are read, 1,001 refused, saying whose limit it is", () => {
    assert.ok(readJson(json(MAX_JSON_DEPTH)));
    assert.throws(
      () => readJson(json(MAX_JSON_DEPTH + 1)),
      /^JsonReadError: nested deeper than 1,000 levels, this server's limit for JSON \(the kubelet's is 10,000\)$/,
    );
  });

  for (const [shape, make] of Object.entries(yamlShapes)) {
    it(`YAML ${shape}: 500 levels are read, 501 refused before composing, saying whose limit it is`, () => {
      const depth = shape.startsWith("one-pair") ? MAX_YAML_DEPTH - 1 : MAX_YAML_DEPTH;
      assert.ok(yamlToJson(make(depth)));
      const over = make(depth + (shape.startsWith("one-pair") ? 2 : 1));
      assert.throws(
        () => yamlToJson(over),
        /line \d+:\d+: nested deeper than 500 levels, this server's limit for YAML \(the kubelet's is 10,000\)$/,
      );
      const issues = parseYamlDocuments(`ok: 1\n---\n${over}`).issues;
      assert.deepEqual(
        issues.map((i) => [i.code, i.doc]),
        [["yaml-syntax", 2]],
      );
    });
  }

  it("YAML depth added by aliases counts: 250 + 250 levels are read, 250 + 251 refused", () => {
    const anchored = (outer: number): string => `x: &deep ${flow(249)}\ny: ${"[".repeat(outer - 1)}*deep${"]".repeat(outer - 1)}\n`;
    // y's mapping is level 1; outer - 1 sequences; then the 249 of the anchor: 1 + (outer - 1) + 249.
    assert.ok(yamlToJson(anchored(251)));
    assert.throws(() => yamlToJson(anchored(252)), /nested deeper than 500 levels, this server's limit for YAML/);
  });

  it("the loader: a pod file at each limit loads, one level more is rejected naming the file", () => {
    const fleet = "nodes:\n  cp-1: {}\n";
    // A pod (level 1) with an unknown field holding the rest of the depth.
    const podJson = (depth: number): string =>
      `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"deep"},"spec":{"containers":[{"name":"c","image":"i"}]},"x":${flow(depth - 1)}}`;
    const podYaml = (depth: number): string =>
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: deep\nspec:\n  containers:\n    - name: c\n      image: i\nx: ${flow(depth - 1)}\n`;
    const load = (path: string, text: string) =>
      loadFleet(filesFromTree({ "fleet.yaml": fleet, [path]: text }), { revision: "r" });
    assert.equal(load("common/deep.json", podJson(MAX_JSON_DEPTH)).ok, true);
    assert.equal(load("common/deep.yaml", podYaml(MAX_YAML_DEPTH)).ok, true);
    for (const [path, text, limit] of [
      ["common/deep.json", podJson(MAX_JSON_DEPTH + 1), "1,000 levels, this server's limit for JSON"],
      ["common/deep.yaml", podYaml(MAX_YAML_DEPTH + 1), "500 levels, this server's limit for YAML"],
    ] as const) {
      const result = load(path, text);
      assert.equal(result.ok, false);
      const errors = result.ok ? [] : result.issues.filter((i) => i.severity === "error").map(formatIssue);
      assert.match(errors.join("\n"), new RegExp(`${path}.*nested deeper than ${limit} \\(the kubelet's is 10,000\\)`));
    }
  });
});

describe("nesting limits of the agent's decoder", () => {
  const options = { node: "n1", url: "http://server/nodes/n1" };
  /** An empty PodList whose unknown field nests the body `depth` levels deep (the list itself is level 1). */
  const jsonBody = (depth: number): string => `{"apiVersion":"v1","kind":"PodList","items":[],"x":${flow(depth - 1)}}`;
  const yamlBody = (depth: number): string => `apiVersion: v1\nkind: PodList\nitems: []\nx: ${flow(depth - 1)}\n`;
  /** The same in block style: each level one more indentation (the scanner's other depth count). */
  const blockBody = (depth: number): string => {
    let text = "apiVersion: v1\nkind: PodList\nitems: []\n";
    for (let i = 0; i < depth - 1; i++) text += `${" ".repeat(i)}x:\n`;
    return `${text}${" ".repeat(depth - 1)}v: 1\n`;
  };
  const refusal = async (body: string): Promise<string> => {
    try {
      await decodeBody(body, options);
    } catch (e) {
      if (e instanceof ResponseRejectedError) return e.issues.map((i) => `${i.code}: ${i.message}`).join("\n");
      throw e;
    }
    return "accepted";
  };

  it("JSON exactly as the kubelet: 10,000 levels accepted, 10,001 refused", async () => {
    assert.equal(MAX_NESTING_DEPTH, KUBELET_MAX_DEPTH);
    assert.equal((await decodeBody(jsonBody(KUBELET_MAX_DEPTH), options)).pods.length, 0);
    assert.match(await refusal(jsonBody(KUBELET_MAX_DEPTH + 1)), /^max-depth: .*deeper than 10000 levels.*exceeded max depth/);
  });

  it("YAML exactly as the kubelet: 10,000 levels accepted, 10,001 refused, flow and block (read in a worker thread)", async () => {
    for (const body of [yamlBody, blockBody]) {
      assert.equal((await decodeBody(body(KUBELET_MAX_DEPTH), options)).pods.length, 0);
      assert.match(
        await refusal(body(KUBELET_MAX_DEPTH + 1)),
        /^max-depth: the body nests YAML collections deeper than 10,000 levels \(line \d+:\d+\); the kubelet refuses it/,
      );
    }
  });

  it("a pod whose unknown field nests the body 10,000 levels deep runs (the field dropped, as the kubelet does); 10,001 is refused", async () => {
    // The list is level 1, items 2, the pod 3: the unknown field holds the rest.
    const withPod = (depth: number, yaml: boolean): string => {
      const x = flow(depth - 3);
      return yaml
        ? `apiVersion: v1\nkind: PodList\nitems:\n  - metadata: {name: web}\n    spec: {containers: [{name: c, image: "nginx:1.27"}]}\n    x: ${x}\n`
        : `{"apiVersion":"v1","kind":"PodList","items":[{"metadata":{"name":"web"},"spec":{"containers":[{"name":"c","image":"nginx:1.27"}]},"x":${x}}]}`;
    };
    for (const yaml of [false, true]) {
      const decoded = await decodeBody(withPod(KUBELET_MAX_DEPTH, yaml), options);
      assert.deepEqual(
        decoded.pods.map((p) => [p.fullName, "x" in p.manifest]),
        [["default/web-n1", false]],
      );
      assert.match(await refusal(withPod(KUBELET_MAX_DEPTH + 1, yaml)), /^max-depth: /);
    }
  });

  it("YAML up to 500 levels is read on the calling thread; deeper, decodeResponse names the worker path", () => {
    assert.equal(decodeResponse(yamlBody(MAX_YAML_DEPTH), options).pods.length, 0);
    assert.throws(
      () => decodeResponse(yamlBody(MAX_YAML_DEPTH + 1), options),
      (e: unknown) =>
        e instanceof ResponseRejectedError &&
        e.issues.length === 1 &&
        e.issues[0]?.code === "yaml-too-deep" &&
        /deeper than 500 levels \(line 4:\d+\), the most read on this thread \(the kubelet reads up to 10,000\)/.test(
          e.issues[0].message,
        ),
    );
  });

  it("a deep YAML body that is invalid otherwise, or holds several documents, is refused as the kubelet refuses it", async () => {
    assert.match(await refusal(`${yamlBody(600)}bad: [\n`), /^yaml-syntax: the body is not valid YAML/);
    assert.match(await refusal(`${yamlBody(600)}---\nkind: Pod\n`), /^multi-document: the body holds 2 YAML documents/);
  });
});
