import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { runAtOnce, runInSlices, stringifyInSlices } from "../../src/lib/slices.js";
import { Participants } from "../../src/rollout/participants.js";

/** Plain data as states and records hold it, undefined properties included. */
const data = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.string(),
    fc.integer(),
    fc.double({ noNaN: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(fc.string(), fc.oneof(tie("value"), fc.constant(undefined)), { maxKeys: 5 }),
  ),
})).value;

describe("work in slices", () => {
  it("stringifyInSlices gives exactly JSON.stringify's text, at any depth", () => {
    fc.assert(
      fc.property(data, fc.integer({ min: 0, max: 4 }), (value, depth) => {
        assert.equal(runAtOnce(stringifyInSlices(value, depth)), JSON.stringify(value));
      }),
      { numRuns: 1000 },
    );
  });

  it("a stored rollout's nodes (toJSON) and large arrays come out the same, given turns", async () => {
    const nodes = Participants.of(
      Array.from({ length: 3000 }, (_, i) => [
        `n${i}`,
        {
          wave: i % 3,
          from: { revision: "a", etag: `"a${i}"` },
          to: { revision: "b", etag: `"b${i}"` },
          step: "waiting",
        },
      ]),
    );
    const record = { t: "rollout", header: { id: "1", reason: undefined }, set: nodes, events: [1, 2, 3] };
    assert.equal(await runInSlices(stringifyInSlices(record), 0), JSON.stringify(record));
  });
});
