// Scheduling fields the kubelet still validates on a static pod: nodeSelector, tolerations, topologySpreadConstraints.
import { IssueSink, arrayAt, isRecord, isSet, numberAt, pathOf, recordAt, stringAt } from "../validate-walk.js";
import { checkLabelSelector, checkLabelValue, checkQualifiedName, quoted, selectorKeys } from "./common.js";
import type { PodRule, RuleContext } from "./context.js";

const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"];
const WHEN_UNSATISFIABLE = ["DoNotSchedule", "ScheduleAnyway"];
const NODE_INCLUSION_POLICIES = ["Ignore", "Honor"];

function checkToleration(toleration: unknown, at: string, sink: IssueSink): void {
  if (!isRecord(toleration)) return;
  const key = stringAt(toleration, "key") ?? "";
  const operator = stringAt(toleration, "operator") ?? "";
  const value = stringAt(toleration, "value") ?? "";
  const effect = stringAt(toleration, "effect") ?? "";
  if (key !== "") checkQualifiedName(key, pathOf(at, "key"), "toleration key", sink, "invalid-toleration");
  if (key === "" && operator !== "Exists") {
    sink.error(pathOf(at, "operator"), "invalid-toleration", 'operator must be Exists when `key` is empty, which means "match all values and all keys": set operator: Exists or a key');
  }
  if (isSet(toleration, "tolerationSeconds") && effect !== "NoExecute") {
    sink.error(pathOf(at, "effect"), "invalid-toleration", "effect must be 'NoExecute' when `tolerationSeconds` is set: set effect: NoExecute or drop tolerationSeconds");
  }
  if (operator === "Equal" || operator === "") checkLabelValue(value, pathOf(at, "operator"), sink, "invalid-toleration");
  else if (operator === "Exists") {
    if (value !== "") sink.error(pathOf(at, "operator"), "invalid-toleration", `value must be empty when \`operator\` is 'Exists' (is "${value}"): drop value or use operator: Equal`);
  } else {
    sink.error(pathOf(at, "operator"), "unsupported-value", `Unsupported value: "${operator}": supported values: "Equal", "Exists"`);
  }
  if (effect !== "" && !TAINT_EFFECTS.includes(effect)) {
    sink.error(pathOf(at, "effect"), "unsupported-value", `Unsupported value: "${effect}": supported values: ${quoted(TAINT_EFFECTS)}`);
  }
}

function strings(obj: unknown, key: string): string[] {
  return arrayAt(obj, key).filter((v): v is string => typeof v === "string");
}

/** MatchLabelKeysInPodTopologySpreadSelectorMerge (on by default from v1.34) changed which overlaps are rejected. */
const SELECTOR_MERGE_MINOR = 34;

function checkMatchLabelKeys(constraint: Record<string, unknown>, at: string, ctx: RuleContext, sink: IssueSink): void {
  const keys = strings(constraint, "matchLabelKeys");
  if (keys.length === 0) return;
  const path = pathOf(at, "matchLabelKeys");
  if (!isSet(constraint, "labelSelector")) {
    sink.error(path, "invalid-topology-spread", "must not be specified when labelSelector is not set: add a labelSelector");
    return;
  }
  const merged = ctx.minor >= SELECTOR_MERGE_MINOR;
  const overlapping = selectorKeys(constraint["labelSelector"], merged);
  keys.forEach((key, i) => {
    checkQualifiedName(key, pathOf(path, i), "label key", sink, "invalid-topology-spread");
    if (overlapping.has(key)) {
      const why = merged ? "" : ` (kubelets before v1.34 reject any overlap; this node runs v1.${ctx.minor})`;
      sink.error(pathOf(path, i), "invalid-topology-spread", `"${key}" exists in both matchLabelKeys and labelSelector${why}: keep it in one of them`);
    }
  });
}

function checkSpreadConstraint(constraint: unknown, i: number, all: unknown[], path: string, ctx: RuleContext, sink: IssueSink): void {
  if (!isRecord(constraint)) return;
  const at = pathOf(path, i);
  const maxSkew = numberAt(constraint, "maxSkew");
  if (maxSkew === undefined || maxSkew <= 0) {
    sink.error(pathOf(at, "maxSkew"), "invalid-topology-spread", `${maxSkew ?? 0}: must be greater than zero`);
  }
  const topologyKey = stringAt(constraint, "topologyKey") ?? "";
  if (topologyKey === "") sink.error(pathOf(at, "topologyKey"), "invalid-topology-spread", "Required value: can not be empty: set a node label key such as kubernetes.io/hostname");
  const action = stringAt(constraint, "whenUnsatisfiable") ?? "";
  if (!WHEN_UNSATISFIABLE.includes(action)) {
    sink.error(pathOf(at, "whenUnsatisfiable"), "unsupported-value", `Unsupported value: "${action}": supported values: ${quoted(WHEN_UNSATISFIABLE)}`);
  }
  const repeated = all.slice(i + 1).some((other) => stringAt(other, "topologyKey") === topologyKey && stringAt(other, "whenUnsatisfiable") === action);
  if (repeated) {
    sink.error(pathOf(at, "{topologyKey, whenUnsatisfiable}"), "duplicate", `Duplicate value: "{${topologyKey}, ${action}}": merge the constraints`);
  }
  if (isSet(constraint, "minDomains")) {
    const minDomains = numberAt(constraint, "minDomains") ?? 0;
    if (minDomains <= 0) sink.error(pathOf(at, "minDomains"), "invalid-topology-spread", `${minDomains}: must be greater than zero`);
    if (action !== "DoNotSchedule") {
      sink.error(pathOf(at, "minDomains"), "invalid-topology-spread", `can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${action}`);
    }
  }
  for (const key of ["nodeAffinityPolicy", "nodeTaintsPolicy"]) {
    const policy = stringAt(constraint, key);
    if (policy !== undefined && !NODE_INCLUSION_POLICIES.includes(policy)) {
      sink.error(pathOf(at, key), "unsupported-value", `Unsupported value: "${policy}": supported values: ${quoted(NODE_INCLUSION_POLICIES)}`);
    }
  }
  checkMatchLabelKeys(constraint, at, ctx, sink);
  checkLabelSelector(constraint["labelSelector"], pathOf(at, "labelSelector"), sink);
}

/** nodeSelector labels, tolerations (operators, effects, keys, tolerationSeconds), topologySpreadConstraints. */
export const schedulingRule: PodRule = (pod, base, ctx, sink) => {
  const spec = recordAt(pod, "spec");
  if (spec === undefined) return;
  const specPath = pathOf(base, "spec");
  for (const [key, value] of Object.entries(recordAt(spec, "nodeSelector") ?? {})) {
    const at = pathOf(specPath, "nodeSelector", key);
    checkQualifiedName(key, at, "label key", sink, "invalid-label");
    if (typeof value === "string") checkLabelValue(value, at, sink);
  }
  arrayAt(spec, "tolerations").forEach((t, i) => checkToleration(t, pathOf(specPath, "tolerations", i), sink));
  const constraints = arrayAt(spec, "topologySpreadConstraints");
  const path = pathOf(specPath, "topologySpreadConstraints");
  constraints.forEach((c, i) => checkSpreadConstraint(c, i, constraints, path, ctx, sink));
};
