// An integer read from YAML or JSON that a JavaScript number cannot hold exactly (beyond ±2^53): kept as its digits.

/**
 * The exact value of an integer literal whose magnitude exceeds Number.MAX_SAFE_INTEGER. Readers return it instead of
 * a rounded number, so validation can say "too large" (or accept an int64) and rendering writes the digits as read.
 */
export class ExactInteger {
  /** `text` is the canonical decimal form: an optional `-`, no leading zeros. */
  constructor(readonly value: bigint) {}

  get text(): string {
    return this.value.toString();
  }

  /** Whether it fits a Kubernetes int64 field (−2^63 … 2^63−1). */
  get fitsInt64(): boolean {
    return this.value >= -(2n ** 63n) && this.value <= 2n ** 63n - 1n;
  }

  /** JSON.stringify (messages, signatures) shows the digits as a string; rendering writes them as a number. */
  toJSON(): string {
    return this.text;
  }
}

/** The number for a decimal integer literal, or an ExactInteger when a number would round it. */
export function exactInteger(value: bigint): number | ExactInteger {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
    ? Number(value)
    : new ExactInteger(value);
}
