// The quantity grammar as the kubelet's decoder reads it (Quantity.UnmarshalJSON → resource.ParseQuantity), exact to the nano.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isWholeQuantity, parseQuantity, parseQuantityNano, wholeValue } from "../../../src/manifests/validate-quantity.js";

describe("parseQuantityNano", () => {
  it("accepts what resource.ParseQuantity accepts, in nano units", () => {
    const accepted: [unknown, bigint][] = [
      ["100m", 100_000_000n],
      ["0.1", 100_000_000n],
      ["1.5Gi", 1_610_612_736_000_000_000n],
      ["1e3", 1_000_000_000_000n],
      ["1E3", 1_000_000_000_000n],
      ["1e-3", 1_000_000n],
      ["1E", 10n ** 27n],
      ["+5", 5_000_000_000n],
      ["-5", -5_000_000_000n],
      ["1.", 1_000_000_000n],
      [".5", 500_000_000n],
      [".", 0n],
      ["+", 0n],
      // A bare suffix scans as an empty number: zero.
      ["m", 0n],
      ["Gi", 0n],
      ["007", 7_000_000_000n],
      ["1n", 1n],
      ["0.1n", 1n],
      ["1.5u", 1_500n],
      [2, 2_000_000_000n],
      [0.25, 250_000_000n],
      [" 100m ", 100_000_000n],
      ["\t2Gi\n", 2n * 2n ** 30n * 10n ** 9n],
      ["\u00a01\u00a0", 1_000_000_000n],
    ];
    for (const [input, nano] of accepted) assert.equal(parseQuantityNano(input), nano, JSON.stringify(input));
  });

  it("refuses what resource.ParseQuantity refuses", () => {
    const refused: unknown[] = ["", " ", "100 m", "1ki", "1Kb", "1e", "1ee3", "1.2.3", "1Mi5", "\ufeff1", "1e99999999999999999999", true, null, {}, Number.NaN];
    for (const input of refused) assert.equal(parseQuantityNano(input), undefined, JSON.stringify(input));
  });

  it("keeps parseQuantity's number view", () => {
    assert.equal(parseQuantity("500m"), 0.5);
    assert.equal(parseQuantity(" 1Ki "), 1024);
    assert.equal(parseQuantity("1 Ki"), undefined);
  });

  it("rounds to whole values and integers as Value() and MilliValue() do", () => {
    assert.equal(wholeValue(parseQuantityNano("1500m") ?? 0n), 2n);
    assert.equal(wholeValue(parseQuantityNano("2Mi") ?? 0n), 2_097_152n);
    assert.equal(isWholeQuantity(parseQuantityNano("2") ?? 1n), true);
    assert.equal(isWholeQuantity(parseQuantityNano("1.5") ?? 0n), false);
    assert.equal(isWholeQuantity(parseQuantityNano("1.0001") ?? 0n), false);
  });
});
