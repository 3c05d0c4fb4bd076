import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Coalescer } from "../../src/server/fleet-view/coalescer.js";

interface Rec {
  at: number;
  v: string;
}
const rec = (at: number, v = "a"): Rec => ({ at, v });
const make = () =>
  new Coalescer<Rec>(
    (a, b) => a.v === b.v,
    (r) => r.at,
  );

describe("Coalescer", () => {
  it("keeps a record pending when it is new, changed, or the stored one is old enough", () => {
    const c = make();
    c.note("n", rec(0), 60);
    c.written(c.take());
    for (const [r, pending] of [
      [rec(20), false],
      [rec(59), false],
      [rec(60), true],
      [rec(30, "b"), true],
    ] as const) {
      c.note("n", r, 60);
      assert.equal(c.pending.has("n"), pending, JSON.stringify(r));
      c.pending.clear();
    }
  });

  it("puts a failed batch back unless something newer came meanwhile; a newer read counts as stored", () => {
    const c = make();
    c.note("n1", rec(0), 60);
    c.note("n2", rec(0), 60);
    const batch = c.take();
    c.note("n2", rec(5, "b"), 60);
    c.failed(batch);
    assert.deepEqual(
      [...c.pending],
      [
        ["n2", rec(5, "b")],
        ["n1", rec(0)],
      ],
    );
    c.read("n3", rec(10));
    c.read("n3", rec(5, "old"));
    assert.deepEqual(c.stored.get("n3"), rec(10));
    c.note("n3", rec(20), 60);
    assert.equal(c.pending.has("n3"), false);
  });
});
