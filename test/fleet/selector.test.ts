import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { matchesSelector, parseSelector } from "../../src/fleet/selector.js";

const where = { file: "fleet.yaml", path: "groups.g.selector" };

describe("label selectors", () => {
  const cases: Array<[string, unknown, Record<string, string>, boolean]> = [
    ["empty selects everything", {}, { a: "1" }, true],
    ["matchLabels equal", { matchLabels: { role: "edge" } }, { role: "edge" }, true],
    ["matchLabels differ", { matchLabels: { role: "edge" } }, { role: "cp" }, false],
    ["In", { matchExpressions: [{ key: "z", operator: "In", values: ["a", "b"] }] }, { z: "b" }, true],
    ["In missing key", { matchExpressions: [{ key: "z", operator: "In", values: ["a"] }] }, {}, false],
    [
      "NotIn missing key matches",
      { matchExpressions: [{ key: "z", operator: "NotIn", values: ["a"] }] },
      {},
      true,
    ],
    [
      "NotIn excluded",
      { matchExpressions: [{ key: "z", operator: "NotIn", values: ["a"] }] },
      { z: "a" },
      false,
    ],
    ["Exists", { matchExpressions: [{ key: "gpu", operator: "Exists" }] }, { gpu: "" }, true],
    ["DoesNotExist", { matchExpressions: [{ key: "gpu", operator: "DoesNotExist" }] }, { gpu: "x" }, false],
    [
      "labels AND expressions",
      { matchLabels: { role: "edge" }, matchExpressions: [{ key: "site", operator: "Exists" }] },
      { role: "edge" },
      false,
    ],
  ];
  for (const [name, raw, labels, expected] of cases)
    it(name, () => {
      const { selector, issues } = parseSelector(raw, where);
      assert.deepEqual(issues, []);
      assert.ok(selector);
      assert.equal(matchesSelector(selector, labels), expected);
    });

  it("reports every malformed expression with its path", () => {
    const { selector, issues } = parseSelector(
      {
        matchLabels: { on: true },
        matchExpressions: [
          { key: "a", operator: "Has" },
          { key: "b", operator: "In" },
          { key: "c", operator: "Exists", values: ["x"] },
        ],
        bogus: 1,
      },
      where,
    );
    assert.equal(selector, undefined);
    assert.deepEqual(
      issues.map((i) => i.path),
      [
        "groups.g.selector.bogus",
        "groups.g.selector.matchLabels.on",
        "groups.g.selector.matchExpressions[0].operator",
        "groups.g.selector.matchExpressions[1].values",
        "groups.g.selector.matchExpressions[2].values",
      ],
    );
  });
});
