// Table cases for the area rules: a pod, the kubelet minor judging it, and the verdict (accepted, or the issue expected).
import assert from "node:assert/strict";
import { it } from "node:test";
import type { Issue } from "../../../src/lib/issues.js";
import { validatePod } from "../../../src/manifests/validate.js";
import { errors, warnings, type Obj } from "../validate-helpers.js";

export { container, pod, type Obj } from "../validate-helpers.js";

/** One case. No `error`: the pod must have no errors. `error`: that error (path, message fragment), and `count` errors in all. */
export interface RuleCase {
  name: string;
  pod: Obj;
  /** The kubelet minor (default: the newest). */
  minor?: number;
  error?: [path: string, fragment: string];
  /** Errors expected in total when `error` is set (default 1). */
  count?: number;
  /** A warning expected as well (path, fragment). */
  warning?: [path: string, fragment: string];
}

function show(issues: readonly Issue[]): string {
  return issues.map((i) => `${i.severity} ${i.path}: ${i.message}`).join("\n") || "(no issues)";
}

function has(issues: readonly Issue[], [path, fragment]: [string, string]): boolean {
  return issues.some((i) => i.path === path && i.message.includes(fragment));
}

/** Runs one case through validatePod, the way the server judges every pod. */
export function check(c: RuleCase): void {
  const issues = validatePod(c.pod, c.minor === undefined ? {} : { kubeletMinor: c.minor });
  const found = errors(issues);
  if (c.error === undefined) assert.deepEqual(found, [], `expected no errors, got:\n${show(issues)}`);
  else {
    assert.ok(has(found, c.error), `expected error at ${c.error[0]} containing "${c.error[1]}", got:\n${show(issues)}`);
    assert.equal(found.length, c.count ?? 1, `expected ${c.count ?? 1} error(s), got:\n${show(issues)}`);
  }
  if (c.warning !== undefined) assert.ok(has(warnings(issues), c.warning), `expected warning at ${c.warning[0]} containing "${c.warning[1]}", got:\n${show(issues)}`);
}

/** Registers one `it` per case. */
export function runCases(cases: readonly RuleCase[]): void {
  for (const c of cases) it(`${c.name}${c.minor === undefined ? "" : ` (v1.${c.minor})`}`, () => check(c));
}
