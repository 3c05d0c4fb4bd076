// Unknown fields: the kubelet's decoder drops every field it does not know, silently, so a typo like
// `imagePulPolicy` or a field newer than the node's kubelet goes unnoticed. Checked against the full schema.
import { POD_FIELDS } from "./pod-fields.generated.js";
import { fieldOf, NEWER_FIELDS, walkTyped } from "./pod-schema.js";
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
  return best === undefined ? "" : ` Did you mean "${best}"?`;
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
 * Reports every field of `pod` that the v1 Pod schema (as known to kubelet `minor`) does not have, with its path
 * under `base`: warnings, or errors when `strict`. `status` is not walked (the kubelet ignores it). Never throws.
 */
export function checkUnknownFields(pod: unknown, base: string, sink: IssueSink, options: UnknownFieldOptions): void {
  const { minor, strict } = options;
  const childOf = (type: string, field: string): string | undefined => {
    const known = fieldOf(type, field, minor);
    return known === undefined || known.since > minor ? undefined : known.child;
  };
  walkTyped(
    pod,
    "Pod",
    base,
    (obj, type, path) => {
      for (const key of Object.keys(obj)) {
        const field = fieldOf(type, key, minor);
        if (field === undefined) {
          const message = `unknown field "${key}": the kubelet drops it silently (a typo?).${suggestion(key, type)}`;
          report(sink, strict, pathOf(path, key), message);
        } else if (field.since > minor) {
          const message = `field "${key}" is new in kubelet 1.${field.since}; this node's kubelet (1.${minor}) drops it silently: upgrade the kubelet or remove the field`;
          report(sink, strict, pathOf(path, key), message);
        }
      }
    },
    childOf,
  );
}
