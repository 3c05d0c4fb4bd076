// What does not change when templates fill in string values: the pod's keys (unknown fields) and its numbers
// (int64 range). Checked in one walk, so a templated pod's structure can be checked once for every node.
import type { Issue } from "../lib/issues.js";
import { knownChild, walkTyped } from "./pod-schema.js";
import { checkUnknownFieldsAt } from "./validate-fields.js";
import { checkInt64At } from "./validate-int64.js";
import { IssueSink, pathOf } from "./validate-walk.js";

export interface StructureOptions {
  /** Prefix for every issue path. */
  basePath: string;
  /** The kubelet minor judging the pod. */
  minor: number;
  /** Unknown fields are errors. */
  strict: boolean;
}

/**
 * Unknown fields (warnings, errors when strict) and int64 values beyond 2^53 (errors) in `pod`. The result does
 * not depend on string values, so it holds for every expansion of a template. Never throws.
 */
export function structureIssues(pod: unknown, options: StructureOptions): Issue[] {
  const sink = new IssueSink();
  const known = knownChild(options.minor);
  walkTyped(
    pod,
    (obj, type, segments) => {
      const at = (): string => pathOf(options.basePath, ...segments);
      checkUnknownFieldsAt(obj, type, at, known, sink, options);
      checkInt64At(obj, type, at, sink);
    },
    known,
  );
  return sink.issues;
}
