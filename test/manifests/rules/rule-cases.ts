// Table tests for the area rules: each case is a pod, the kubelet minors it is judged by, and the verdict expected.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Issue } from "../../../src/lib/issues.js";
import { validatePod } from "../../../src/manifests/validate.js";
import { NEWEST_KUBELET_MINOR } from "../../../src/manifests/rules/context.js";
import { pod, type Obj } from "../validate-helpers.js";

export type { Obj };

/** What a case expects: no errors ("accepted"), no issues at all ("clean"), or one issue at `path` whose message contains `fragment`. */
export type Verdict = "accepted" | "clean" | { path: string; fragment: string; severity?: Issue["severity"]; code?: string; errors?: number };

export interface RuleCase {
  name: string;
  /** A spec (merged into a valid pod), or a whole pod when `whole` is set. */
  spec?: Obj;
  metadata?: Obj;
  whole?: Obj;
  /** Kubelet minors to judge by (default: the newest). */
  minors?: readonly number[];
  nodeName?: string;
  verdict: Verdict;
}

function show(issues: readonly Issue[]): string {
  return issues.map((i) => `${i.severity} ${i.path} [${i.code}]: ${i.message}`).join("\n");
}

/** The issues validatePod reports for a case under kubelet minor `minor`. */
export function judge(c: RuleCase, minor: number): Issue[] {
  const subject = c.whole ?? pod(c.spec ?? {}, c.metadata ?? {});
  return validatePod(subject, { kubeletMinor: minor, ...(c.nodeName !== undefined ? { nodeName: c.nodeName } : {}) });
}

/** Checks one verdict against the issues: "accepted" means no errors, "clean" no issues; otherwise the issue and the error count (default: 1 error, 0 for a warning). */
export function assertVerdict(issues: readonly Issue[], verdict: Verdict, label: string): void {
  const errors = issues.filter((i) => i.severity === "error");
  if (verdict === "clean") {
    assert.deepEqual(issues, [], `${label}: expected no issues, got:\n${show(issues)}`);
    return;
  }
  if (verdict === "accepted") {
    assert.deepEqual(errors, [], `${label}: expected no errors, got:\n${show(issues)}`);
    return;
  }
  const severity = verdict.severity ?? "error";
  const found = issues.find((i) => i.severity === severity && i.path === verdict.path && i.message.includes(verdict.fragment));
  assert.ok(found, `${label}: expected ${severity} at ${verdict.path} containing "${verdict.fragment}", got:\n${show(issues)}`);
  if (verdict.code !== undefined) assert.equal(found.code, verdict.code, label);
  assert.equal(errors.length, verdict.errors ?? (severity === "error" ? 1 : 0), `${label}: error count\n${show(issues)}`);
}

/** Runs a table of cases, each under every minor it lists. */
export function runCases(title: string, cases: readonly RuleCase[]): void {
  describe(title, () => {
    for (const c of cases) {
      for (const minor of c.minors ?? [NEWEST_KUBELET_MINOR]) {
        it(`${c.name} (1.${minor})`, () => assertVerdict(judge(c, minor), c.verdict, `${c.name} on 1.${minor}`));
      }
    }
  });
}

/** A container named `name` with extra fields. */
export function ctr(extra: Obj = {}, name = "app"): Obj {
  return { name, image: "nginx:1.27", ...extra };
}

/** A spec whose single container has `securityContext: sc`. */
export function withContainerSc(sc: Obj, spec: Obj = {}): Obj {
  return { containers: [ctr({ securityContext: sc })], ...spec };
}

/** A spec whose single container has `resources`. */
export function withResources(resources: Obj, spec: Obj = {}): Obj {
  return { containers: [ctr({ resources })], ...spec };
}
