import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { encodeGraph, GraphReader } from "../../src/fleet/load/read-codec.js";
import { ExactInteger } from "../../src/lib/exact-integer.js";

function roundTrip(value: unknown, perChunk: number): unknown {
  const reader = new GraphReader();
  for (const chunk of encodeGraph(value, perChunk)) {
    assert.ok(chunk.ops.length <= perChunk);
    reader.read(chunk);
  }
  assert.ok(reader.result !== undefined, "every chunk read gives the value");
  return reader.result.value;
}

/** JSON-like values as the readers build them, with exact integers and the keys that need care. */
const key = fc.oneof(fc.string(), fc.constantFrom("__proto__", "constructor", "0", "1", "toString", ""));
const { tree } = fc.letrec<{ tree: unknown }>((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.oneof(fc.string(), fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined)),
    fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map((v) => new ExactInteger(v)),
    fc.array(tie("tree"), { maxLength: 5 }),
    fc
      .array(fc.tuple(key, tie("tree")), { maxLength: 5 })
      .map((entries) => Object.fromEntries(entries) as unknown),
  ),
}));

describe("sending a read between threads in chunks", () => {
  it("rebuilds any value exactly, whatever the chunk size", () => {
    fc.assert(
      fc.property(tree, fc.integer({ min: 1, max: 7 }), (value, perChunk) => {
        assert.deepStrictEqual(roundTrip(value, perChunk), value);
      }),
      { numRuns: 500 },
    );
  });

  it("keeps shared objects shared, Maps keyed by them, and __proto__ an own key", () => {
    const pod = { metadata: { name: "a" }, spec: { n: new ExactInteger(2n ** 64n) } };
    const served = { ...pod };
    const proto = Object.fromEntries([["__proto__", { polluted: true }]]) as Record<string, unknown>;
    const value = { pods: [pod], proto, prepared: new Map([[pod, { served }]]), again: pod };
    for (const perChunk of [1, 2, 1000]) {
      const back = roundTrip(value, perChunk) as typeof value;
      assert.deepStrictEqual(back, value);
      assert.equal(back.again, back.pods[0]);
      assert.ok(back.prepared.has(back.pods[0]!));
      assert.equal(back.prepared.get(back.pods[0]!)!.served.spec, back.pods[0]!.spec);
      assert.ok(back.pods[0]!.spec.n instanceof ExactInteger);
      assert.ok(Object.hasOwn(back.proto, "__proto__"));
      assert.equal(Object.getPrototypeOf(back.proto), Object.prototype);
    }
  });

  it("refuses what it could not rebuild", () => {
    assert.throws(() => encodeGraph(new Date()), /cannot send a Date/);
    assert.throws(() => encodeGraph({ a: Object.create(null) as object }), /null-prototype/);
    assert.throws(() => encodeGraph(1n), /cannot send a bigint/);
  });
});
