// Pod-level fields: restartPolicy, activeDeadlineSeconds, readinessGates, metadata.finalizers. (imagePullSecrets entries
// carry only a name once decoded, and an empty name references no Secret: validate-static.ts judges them.)
import { IssueSink, arrayAt, isSet, numberAt, pathOf, recordAt, stringAt } from "../validate-walk.js";
import { checkEnum, checkQualifiedName } from "./common.js";
import type { PodRule } from "./context.js";

const RESTART_POLICIES = ["Always", "OnFailure", "Never"];
const STANDARD_FINALIZERS = ["kubernetes", "orphan", "foregroundDeletion"];
const MAX_INT32 = 2147483647;

function checkFinalizers(pod: unknown, base: string, sink: IssueSink): void {
  const path = pathOf(base, "metadata", "finalizers");
  const finalizers = arrayAt(recordAt(pod, "metadata"), "finalizers");
  finalizers.forEach((finalizer, i) => {
    if (typeof finalizer !== "string") return;
    const at = pathOf(path, i);
    if (!checkQualifiedName(finalizer, at, "finalizer", sink, "invalid-finalizer")) return;
    if (!finalizer.includes("/") && !STANDARD_FINALIZERS.includes(finalizer)) {
      sink.error(at, "invalid-finalizer", `"${finalizer}": name is neither a standard finalizer name nor is it fully qualified: use a domain prefix, e.g. example.com/${finalizer}`);
    }
  });
  if (finalizers.includes("orphan") && finalizers.includes("foregroundDeletion")) {
    sink.error(path, "invalid-finalizer", "finalizers orphan and foregroundDeletion cannot be both set: keep one");
  }
}

/** spec.restartPolicy, activeDeadlineSeconds, readinessGates, metadata.finalizers. */
export const podFieldsRule: PodRule = (pod, base, _ctx, sink) => {
  checkFinalizers(pod, base, sink);
  const spec = recordAt(pod, "spec");
  if (spec === undefined) return;
  const specPath = pathOf(base, "spec");
  checkEnum(spec, "restartPolicy", RESTART_POLICIES, specPath, sink);
  if (isSet(spec, "activeDeadlineSeconds")) {
    const value = numberAt(spec, "activeDeadlineSeconds");
    if (value !== undefined && (value < 1 || value > MAX_INT32)) {
      sink.error(pathOf(specPath, "activeDeadlineSeconds"), "invalid", `${value}: must be between 1 and ${MAX_INT32}, inclusive (or unset)`);
    }
  }
  arrayAt(spec, "readinessGates").forEach((gate, i) => {
    const at = pathOf(specPath, "readinessGates", i, "conditionType");
    checkQualifiedName(stringAt(gate, "conditionType") ?? "", at, "conditionType", sink, "invalid-readiness-gate");
  });
};
