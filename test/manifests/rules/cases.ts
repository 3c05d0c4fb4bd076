// A shorter case shape for the area rule tables (a whole pod, one minor, the error or warning expected), judged by
// rule-cases.ts's assertVerdict so every rules table asserts the same way.
import { it } from "node:test";
import { validatePod } from "../../../src/manifests/validate.js";
import type { Obj } from "../validate-helpers.js";
import { assertVerdict, type Verdict } from "./rule-cases.js";

export { container, pod, type Obj } from "../validate-helpers.js";

/** One case: no `error` or `warning` means accepted (no errors); `count` is the total number of errors with `error`. */
export interface RuleCase {
  name: string;
  pod: Obj;
  /** The kubelet minor (default: the newest). */
  minor?: number;
  error?: [path: string, fragment: string];
  count?: number;
  /** A warning expected instead (and no error). */
  warning?: [path: string, fragment: string];
}

function verdictOf(c: RuleCase): Verdict {
  if (c.error !== undefined) return { path: c.error[0], fragment: c.error[1], errors: c.count ?? 1 };
  if (c.warning !== undefined) return { path: c.warning[0], fragment: c.warning[1], severity: "warning" };
  return "accepted";
}

/** Registers one `it` per case, judged through validatePod as the server judges every pod. */
export function runCases(cases: readonly RuleCase[]): void {
  for (const c of cases) {
    const label = `${c.name}${c.minor === undefined ? "" : ` (v1.${c.minor})`}`;
    it(label, () => assertVerdict(validatePod(c.pod, c.minor === undefined ? {} : { kubeletMinor: c.minor }), verdictOf(c), label));
  }
}
