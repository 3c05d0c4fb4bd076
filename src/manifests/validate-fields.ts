// Unknown fields: the kubelet's decoder drops every field it does not know, silently, so a typo like
// `imagePulPolicy` or a field newer than the node's kubelet goes unnoticed. Checked against the full schema.
import { POD_FIELDS } from "./pod-fields.generated.js";
import { fieldOf, NEWER_FIELDS, type ChildType } from "./pod-schema.js";
import { IssueSink, pathOf } from "./validate-walk.js";

function knownFields(type: string): string[] {
  return [...Object.keys(POD_FIELDS[type] ?? {}), ...Object.keys(NEWER_FIELDS[type] ?? {})];
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const saved = row[j] ?? 0;
      const cost = a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1;
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, previous + cost);
      previous = saved;
    }
  }
  return row[b.length] ?? 0;
}

function suggestion(key: string, type: string): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of knownFields(type)) {
    const d = distance(key, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best === undefined ? "Remove it, or fix its name or place" : `Did you mean "${best}"?`;
}

export interface UnknownFieldOptions {
  /** The kubelet minor judging the pod: fields it does not know yet are unknown to it. */
  minor: number;
  /** Report unknown fields as errors instead of warnings. */
  strict: boolean;
}

function report(sink: IssueSink, strict: boolean, path: string, message: string): void {
  if (strict) sink.error(path, "unknown-field", `${message} (an error with strict validation)`);
  else sink.warning(path, "unknown-field", message);
}

/**
 * Reports the fields of `obj` (a value of schema type `type` at `pathOf(base, ...segments)`) that kubelet
 * `minor` does not know: warnings, or errors when `strict`. For use inside walkTyped with knownChild(minor).
 */
export function checkUnknownFieldsAt(
  obj: Record<string, unknown>,
  type: string,
  at: () => string,
  known: ChildType,
  sink: IssueSink,
  options: UnknownFieldOptions,
): void {
  const { minor, strict } = options;
  for (const key of Object.keys(obj)) {
    if (known(type, key) !== undefined) continue;
    const field = fieldOf(type, key);
    const message =
      field === undefined
        ? `unknown field "${key}": the kubelet drops it silently. ${suggestion(key, type)}`
        : `field "${key}" is new in kubelet 1.${field.since}; nodes on kubelet 1.${minor} drop it silently ("explain NODE" shows a node's version): upgrade their kubelet, set their kubeletVersion, or remove the field`;
    report(sink, strict, pathOf(at(), key), message);
  }
}
