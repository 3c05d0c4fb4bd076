// The nesting limit of Go's JSON decoder, which the kubelet decodes every URL-source body with.
import type { Issue } from "../lib/issues.js";
import { KUBELET_MAX_DEPTH } from "../manifests/yaml-depth.js";

/**
 * Go's `encoding/json` (and its fork `sigs.k8s.io/json`) refuses input whose objects and arrays nest deeper
 * than this ("exceeded max depth"), wherever they are, even in fields it would ignore.
 */
export const MAX_NESTING_DEPTH = KUBELET_MAX_DEPTH;

/**
 * The deepest nesting of `{`/`[` in `text`, read as JSON (brackets inside strings do not count), stopping as
 * soon as it passes `limit`. Pure and linear; it does not check the rest of the syntax.
 */
export function jsonNestingDepth(text: string, limit = Infinity): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}

/**
 * The issue to refuse a body with when the kubelet's decoder would refuse it for its depth, or undefined.
 * Only bodies the kubelet reads as JSON (first non-space character `{`) are scanned: a YAML body is
 * converted to JSON first and fails the same check, and the YAML parser already refuses far shallower nesting.
 */
export function depthIssue(body: string): Issue | undefined {
  if (/\S/.exec(body)?.[0] !== "{") return undefined;
  const depth = jsonNestingDepth(body, MAX_NESTING_DEPTH);
  if (depth <= MAX_NESTING_DEPTH) return undefined;
  return {
    severity: "error",
    code: "max-depth",
    message:
      `the body nests objects and arrays deeper than ${MAX_NESTING_DEPTH} levels; the kubelet's JSON decoder ` +
      'refuses it ("exceeded max depth") and keeps its pods, and so does the agent',
  };
}

/**
 * Deeper than any field of a v1 Pod nests (the deepest, e.g. affinity terms and ephemeral volume claim selectors, stay
 * under 20): a validated pod nesting deeper has the rest in unknown fields.
 */
export const POD_FIELDS_DEPTH = 64;

/** The nesting depth of a parsed JSON value (`{}` and `[]` are 1), counted without recursion, stopping past `limit`. */
export function valueDepth(value: unknown, limit = Infinity): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return deepest;
}
