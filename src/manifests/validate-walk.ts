// Safe readers over untrusted parsed JSON and the issue collector the pod validators share.
import { isRecord } from "../lib/json.js";
import { joinPath, type Issue } from "../lib/issues.js";

export { isRecord };

/** The object at `obj[key]`, or undefined when it is absent or not an object. */
export function recordAt(obj: unknown, key: string): Record<string, unknown> | undefined {
  if (!isRecord(obj)) return undefined;
  const value = obj[key];
  return isRecord(value) ? value : undefined;
}

/** The array at `obj[key]`, or an empty array when it is absent or not an array. */
export function arrayAt(obj: unknown, key: string): unknown[] {
  if (!isRecord(obj)) return [];
  const value = obj[key];
  return Array.isArray(value) ? value : [];
}

/** The string at `obj[key]`, or undefined when it is absent or not a string. */
export function stringAt(obj: unknown, key: string): string | undefined {
  if (!isRecord(obj)) return undefined;
  const value = obj[key];
  return typeof value === "string" ? value : undefined;
}

/** The finite number at `obj[key]`, or undefined. */
export function numberAt(obj: unknown, key: string): number | undefined {
  if (!isRecord(obj)) return undefined;
  const value = obj[key];
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** True when `obj[key]` is present and not null (Kubernetes decodes null as "unset"). */
export function isSet(obj: unknown, key: string): boolean {
  return isRecord(obj) && obj[key] !== undefined && obj[key] !== null;
}

/** Builds a Kubernetes-style field path from a base and a sequence of keys and indexes. */
export function pathOf(base: string, ...keys: (string | number)[]): string {
  return keys.reduce<string>((acc, key) => joinPath(acc, key), base);
}

/** Collects issues; every validator appends to one sink so nothing stops at the first problem. */
export class IssueSink {
  readonly issues: Issue[] = [];

  error(path: string, code: string, message: string): void {
    this.issues.push({ severity: "error", code, message, path });
  }

  warning(path: string, code: string, message: string): void {
    this.issues.push({ severity: "warning", code, message, path });
  }
}
