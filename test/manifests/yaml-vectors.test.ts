// Every go-yaml v2 / sigs.k8s.io/yaml vector must read the same through yamlToJson.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { yamlToJson, YamlSyntaxError } from "../../src/manifests/yaml.js";
import { asNumbers } from "../helpers/numbers.js";

const fixture: unknown = JSON.parse(readFileSync(new URL("../fixtures/yaml-1.1-vectors.json", import.meta.url), "utf8"));


interface Vector {
  yaml: string;
  json?: unknown;
  error?: string;
}

function vectors(data: unknown): Vector[] {
  assert.ok(data !== null && typeof data === "object" && "vectors" in data && Array.isArray(data.vectors));
  return data.vectors.map((v: unknown) => {
    assert.ok(v !== null && typeof v === "object" && "yaml" in v && typeof v.yaml === "string");
    return { yaml: v.yaml, ...("json" in v ? { json: v.json } : {}), ...("error" in v && typeof v.error === "string" ? { error: v.error } : {}) };
  });
}

const all = vectors(fixture);

test("the fixture holds vectors", () => {
  assert.ok(all.length > 50);
});

for (const v of all) {
  test(JSON.stringify(v.yaml), () => {
    if (v.error !== undefined) {
      assert.throws(
        () => yamlToJson(v.yaml),
        (e: unknown) => e instanceof YamlSyntaxError && e.code === "yaml-syntax" && /line \d+:\d+/.test(e.message),
      );
      return;
    }
    assert.deepEqual(asNumbers(yamlToJson(v.yaml)), v.json);
  });
}
