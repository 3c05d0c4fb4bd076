// Guards for parsed JSON and YAML, which stay `unknown` until checked.

/** True for a plain object (not null, not an array): a mapping read from JSON or YAML. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
