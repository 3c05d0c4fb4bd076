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

// Copy on write: defaulting works on a shallow copy of the pod, and every object it descends into through
// child() or list() is first copied into its (already copied) parent, so the input is never changed and the
// parts defaulting never visits (metadata, env values, commands) are shared, not copied.

/** The object at `obj[key]` when it is one, copied into `obj` (which must be a copy) for defaulting inside it. */
export function child(obj: unknown, key: string): Obj | undefined {
  if (!isRecord(obj)) return undefined;
  const value = obj[key];
  if (!isRecord(value)) return undefined;
  const copy = { ...value };
  obj[key] = copy;
  return copy;
}

/** The list at `obj[key]` copied into `obj`, with its objects copied (other items kept); [] when not a list. */
export function list(obj: unknown, key: string): unknown[] {
  if (!isRecord(obj)) return [];
  const value = obj[key];
  if (!Array.isArray(value)) return [];
  const copy = value.map((item: unknown) => (isRecord(item) ? { ...item } : item));
  obj[key] = copy;
  return copy;
}

/** The objects of the list at `obj[key]`, copied as by list() (non-objects skipped). */
export function children(obj: unknown, key: string): Obj[] {
  return list(obj, key).filter(isRecord);
}

/** Trims the quantity strings of a resource list in place: Go's Quantity decoder ignores surrounding spaces. */
export function trimQuantities(list: Obj | undefined): void {
  if (list === undefined) return;
  for (const [name, value] of Object.entries(list)) if (typeof value === "string") list[name] = value.trim();
}
