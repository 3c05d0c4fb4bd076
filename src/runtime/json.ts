// Shape guards for parsed JSON: everything read from the network, disk or podman is `unknown` until checked here.

/** A parsed JSON object. */
export type JsonObject = Record<string, unknown>;

/** True for a plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `value[key]` when it is a JSON object, else undefined. */
export function recordAt(value: JsonObject, key: string): JsonObject | undefined {
  const child = value[key];
  return isRecord(child) ? child : undefined;
}

/** `value[key]` when it is a string, else undefined. */
export function stringAt(value: JsonObject, key: string): string | undefined {
  const child = value[key];
  return typeof child === "string" ? child : undefined;
}

/** A string-to-string map (labels, annotations): non-string values are dropped. */
export function stringMapAt(value: JsonObject, key: string): Record<string, string> {
  const out: Record<string, string> = {};
  const child = recordAt(value, key);
  if (child === undefined) return out;
  for (const [k, v] of Object.entries(child)) if (typeof v === "string") out[k] = v;
  return out;
}
