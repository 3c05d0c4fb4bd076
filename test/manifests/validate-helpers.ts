// Builders for small pods and assertions shared by the validator tests.
import assert from "node:assert/strict";
import type { Issue } from "../../src/lib/issues.js";
import { validatePod, type ValidatePodOptions } from "../../src/manifests/validate.js";

export type Obj = Record<string, unknown>;

export function container(extra: Obj = {}): Obj {
  return { name: "app", image: "nginx:1.27", ...extra };
}

/** A valid pod; `spec`, `metadata` and `top` are shallow-merged into the matching level. */
export function pod(spec: Obj = {}, metadata: Obj = {}, top: Obj = {}): Obj {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "kube-system", ...metadata },
    spec: { containers: [container()], ...spec },
    ...top,
  };
}

export function errors(issues: readonly Issue[]): Issue[] {
  return issues.filter((i) => i.severity === "error");
}

export function warnings(issues: readonly Issue[]): Issue[] {
  return issues.filter((i) => i.severity === "warning");
}

function show(issues: readonly Issue[]): string {
  return issues.map((i) => `${i.severity} ${i.path}: ${i.message}`).join("\n");
}

/** Asserts `issues` has no errors. */
export function assertNoErrors(issues: readonly Issue[]): void {
  assert.deepEqual(errors(issues), [], show(issues));
}

/** Asserts an issue of `severity` at `path` whose message contains `fragment`. */
export function assertIssue(issues: readonly Issue[], path: string, fragment: string, severity: Issue["severity"] = "error"): void {
  const found = issues.some((i) => i.severity === severity && i.path === path && i.message.includes(fragment));
  assert.ok(found, `expected ${severity} at ${path} containing "${fragment}", got:\n${show(issues)}`);
}

export interface Case {
  name: string;
  pod: unknown;
  path: string;
  fragment: string;
  /** Number of errors expected in total (default 1). */
  count?: number;
  options?: ValidatePodOptions;
}

/** Runs a table of error cases: each must yield the error at `path` and exactly `count` errors. */
export function runErrorCase(c: Case): void {
  const issues = validatePod(c.pod, c.options);
  assertIssue(issues, c.path, c.fragment);
  assert.equal(errors(issues).length, c.count ?? 1, show(issues));
}
