import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expandTemplates, hasTemplate, type TemplateContext } from "../../src/fleet/template.js";

const ctx: TemplateContext = {
  node: {
    name: "cp-1",
    labels: { zone: "a", "topology.kubernetes.io/zone": "eu-1a" },
    vars: { ip: "10.0.0.11" },
  },
  vars: { version: "v1.31.2" },
};

describe("templates", () => {
  const cases: Array<[string, string]> = [
    ["{{ node.name }}", "cp-1"],
    ["--ip={{node.vars.ip}}:2379", "--ip=10.0.0.11:2379"],
    ["{{ node.labels.zone }}-{{ vars.version }}", "a-v1.31.2"],
    ["{{ node.labels.topology.kubernetes.io/zone }}", "eu-1a"],
    ['{{ "{{" }} literal }}', "{{ literal }}"],
    ["{{ '}}' }}", "}}"],
    ["no template }}", "no template }}"],
  ];
  for (const [input, expected] of cases)
    it(`expands ${input}`, () => {
      const r = expandTemplates({ a: [input] }, ctx);
      assert.deepEqual(r.issues, []);
      assert.deepEqual(r.value, { a: [expected] });
    });

  it("never templates keys and keeps non-strings", () => {
    const r = expandTemplates({ "{{ node.name }}": 5, b: true, c: null }, ctx);
    assert.deepEqual(r.value, { "{{ node.name }}": 5, b: true, c: null });
  });

  it("reports undefined variables with their path, and unknown roots", () => {
    const r = expandTemplates(
      {
        spec: {
          containers: [{ args: ["{{ node.vars.missing }}", "{{ vars.nope }}", "{{ env.HOME }}", "{{ oops"] }],
        },
      },
      ctx,
    );
    assert.deepEqual(
      r.issues.map((i) => [i.path, i.message.split(" ").slice(0, 3).join(" ")]),
      [
        ["spec.containers[0].args[0]", "undefined node var"],
        ["spec.containers[0].args[1]", "undefined fleet var"],
        ["spec.containers[0].args[2]", "unknown template expression"],
        ["spec.containers[0].args[3]", 'unterminated "{{" in'],
      ],
    );
    assert.match(r.issues[0]?.message ?? "", /"missing"/);
  });

  it("records the variables used", () => {
    const r = expandTemplates(["{{ node.name }} {{ vars.version }}"], ctx);
    assert.deepEqual([...r.used].sort(), ["node.name", "vars.version"]);
  });

  it("detects templated values", () => {
    assert.equal(hasTemplate({ a: ["x", { b: "{{ y }}" }] }), true);
    assert.equal(hasTemplate({ "{{ k }}": "v" }), false);
  });
});
