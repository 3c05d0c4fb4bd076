// Pod-level fields: restartPolicy, activeDeadlineSeconds, readinessGates, imagePullSecrets, finalizers.
import { describe } from "node:test";
import { pod, runCases, type RuleCase } from "./cases.js";

const cases: RuleCase[] = [
  { name: "every restartPolicy", pod: pod({ restartPolicy: "OnFailure" }) },
  { name: "activeDeadlineSeconds 1", pod: pod({ activeDeadlineSeconds: 1 }) },
  { name: "activeDeadlineSeconds 0", pod: pod({ activeDeadlineSeconds: 0 }), error: ["spec.activeDeadlineSeconds", "must be between 1 and 2147483647"] },
  { name: "activeDeadlineSeconds above int32", pod: pod({ activeDeadlineSeconds: 2147483648 }), error: ["spec.activeDeadlineSeconds", "must be between 1 and 2147483647"] },
  { name: "readiness gates", pod: pod({ readinessGates: [{ conditionType: "example.com/ready" }, { conditionType: "Ready2" }] }) },
  { name: "a readiness gate with a space", pod: pod({ readinessGates: [{ conditionType: "not ready" }] }), error: ["spec.readinessGates[0].conditionType", "conditionType"] },
  { name: "an imagePullSecrets entry with an empty name (no Secret reference)", pod: pod({ imagePullSecrets: [{ name: "" }] }) },
  { name: "an imagePullSecrets entry with an empty object", pod: pod({ imagePullSecrets: [{}] }) },
  { name: "an imagePullSecrets entry with a field Go drops on decode", pod: pod({ imagePullSecrets: [{ name: "", namespace: "x" }] }) },
  { name: "an imagePullSecrets entry with a name (a Secret)", pod: pod({ imagePullSecrets: [{ name: "regcred" }] }), error: ["spec.imagePullSecrets", "static pods may not reference secrets"] },
  { name: "standard and qualified finalizers", pod: pod({}, { finalizers: ["kubernetes", "example.com/cleanup"] }) },
  { name: "an unqualified custom finalizer", pod: pod({}, { finalizers: ["cleanup"] }), error: ["metadata.finalizers[0]", "name is neither a standard finalizer name nor is it fully qualified"] },
  { name: "a finalizer that is not a qualified name", pod: pod({}, { finalizers: ["example.com/a b"] }), error: ["metadata.finalizers[0]", "finalizer"] },
  { name: "orphan and foregroundDeletion together", pod: pod({}, { finalizers: ["orphan", "foregroundDeletion"] }), error: ["metadata.finalizers", "cannot be both set"] },
];

describe("rules: pod fields", () => runCases(cases));
