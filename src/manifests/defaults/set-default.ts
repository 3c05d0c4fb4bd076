// Go's notion of "unset" for the fields defaulting fills in, over untrusted parsed JSON.
import { isRecord } from "../validate-walk.js";

/** A JSON object value to default in place; anything else (absent, wrong type) is left alone. */
export type Obj = Record<string, unknown>;

/**
 * Sets `obj[key] = value` when the field holds Go's zero value for its kind: absent or null always; "" for a
 * string, 0 for a number (non-pointer Go fields decode "", 0 and null alike). A value of another type stays
 * (the schema check reports it).
 */
export function setZero(obj: Obj, key: string, value: string | number): void {
  const current = obj[key];
  if (current === undefined || current === null || current === "" || current === 0) obj[key] = value;
}

/** Sets `obj[key] = value` when the field is absent or null (a Go pointer field that is nil). */
export function setNil(obj: Obj, key: string, value: unknown): void {
  if (obj[key] === undefined || obj[key] === null) obj[key] = value;
}

/** The object at `obj[key]` when it is one, for defaulting inside it. */
export function child(obj: unknown, key: string): Obj | undefined {
  if (!isRecord(obj)) return undefined;
  const value = obj[key];
  return isRecord(value) ? value : undefined;
}

/** The objects of the list at `obj[key]` (non-objects skipped). */
export function children(obj: unknown, key: string): Obj[] {
  if (!isRecord(obj)) return [];
  const value = obj[key];
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

/** A deep copy of parsed JSON (plain objects, arrays and scalars only). */
export function cloneJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map(cloneJson) as T;
  if (isRecord(value)) {
    const out: Obj = {};
    for (const key of Object.keys(value)) out[key] = cloneJson(value[key]);
    return out as T;
  }
  return value;
}

/** Trims the quantity strings of a resource list in place: Go's Quantity decoder ignores surrounding spaces. */
export function trimQuantities(list: Obj | undefined): void {
  if (list === undefined) return;
  for (const [name, value] of Object.entries(list)) if (typeof value === "string") list[name] = value.trim();
}
