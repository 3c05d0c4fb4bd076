// Test helper: parsed values with exact big integers turned into the (rounded) numbers JavaScript holds.
import { ExactInteger } from "../../src/lib/exact-integer.js";

/** `value` with every ExactInteger as a JS number, to compare with values read by JSON.parse or written as numbers. */
export function asNumbers(value: unknown): unknown {
  if (value instanceof ExactInteger) return Number(value.value);
  if (Array.isArray(value)) return value.map(asNumbers);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asNumbers(v)]));
  return value;
}
