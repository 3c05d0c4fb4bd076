// Affinity: node selector terms and operators, pod (anti-)affinity terms, weights, label selectors, topology keys.
import { labelProblem } from "../validate-names.js";
import { IssueSink, arrayAt, isRecord, numberAt, pathOf, recordAt, stringAt } from "../validate-walk.js";
import { checkLabelSelector, checkLabelValue, checkQualifiedName, checkSubdomain, selectorKeys } from "./common.js";
import type { PodRule } from "./context.js";

const REQUIRED = "requiredDuringSchedulingIgnoredDuringExecution";
const PREFERRED = "preferredDuringSchedulingIgnoredDuringExecution";

function checkWeight(term: unknown, at: string, sink: IssueSink): void {
  const weight = numberAt(term, "weight") ?? 0;
  if (weight <= 0 || weight > 100) sink.error(pathOf(at, "weight"), "invalid-affinity", `${weight}: must be in the range 1-100`);
}

function checkNodeRequirement(req: unknown, at: string, checkValues: boolean, sink: IssueSink): void {
  const operator = stringAt(req, "operator") ?? "";
  const values = arrayAt(req, "values");
  if (operator === "In" || operator === "NotIn") {
    if (values.length === 0) sink.error(pathOf(at, "values"), "invalid-affinity", "must be specified when `operator` is 'In' or 'NotIn'");
  } else if (operator === "Exists" || operator === "DoesNotExist") {
    if (values.length > 0) sink.error(pathOf(at, "values"), "invalid-affinity", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
  } else if (operator === "Gt" || operator === "Lt") {
    if (values.length !== 1) sink.error(pathOf(at, "values"), "invalid-affinity", "must be specified single value when `operator` is 'Lt' or 'Gt'");
  } else {
    sink.error(pathOf(at, "operator"), "invalid-affinity", `"${operator}": not a valid selector operator: use In, NotIn, Exists, DoesNotExist, Gt or Lt`);
  }
  checkQualifiedName(stringAt(req, "key") ?? "", pathOf(at, "key"), "key", sink, "invalid-affinity");
  if (!checkValues) return;
  values.forEach((v, j) => {
    if (typeof v === "string") checkLabelValue(v, pathOf(at, "values", j), sink, "invalid-affinity");
  });
}

function checkFieldRequirement(req: unknown, at: string, sink: IssueSink): void {
  const operator = stringAt(req, "operator") ?? "";
  const values = arrayAt(req, "values");
  if (operator === "In" || operator === "NotIn") {
    if (values.length !== 1) {
      sink.error(pathOf(at, "values"), "invalid-affinity", "must be only one value when `operator` is 'In' or 'NotIn' for node field selector");
    }
  } else {
    sink.error(pathOf(at, "operator"), "invalid-affinity", `"${operator}": not a valid selector operator: node field selectors take In or NotIn`);
  }
  const key = stringAt(req, "key") ?? "";
  if (key !== "metadata.name") {
    sink.error(pathOf(at, "key"), "invalid-affinity", `"${key}": not a valid field selector key: the only one is metadata.name`);
    return;
  }
  values.forEach((v, j) => {
    if (typeof v === "string") checkSubdomain(v, pathOf(at, "values", j), "node name", sink);
  });
}

function checkNodeSelectorTerm(term: unknown, at: string, checkValues: boolean, sink: IssueSink): void {
  arrayAt(term, "matchExpressions").forEach((r, j) => checkNodeRequirement(r, pathOf(at, "matchExpressions", j), checkValues, sink));
  arrayAt(term, "matchFields").forEach((r, j) => checkFieldRequirement(r, pathOf(at, "matchFields", j), sink));
}

function checkNodeAffinity(na: Record<string, unknown>, path: string, sink: IssueSink): void {
  const required = recordAt(na, REQUIRED);
  if (required !== undefined) {
    const terms = arrayAt(required, "nodeSelectorTerms");
    const termsPath = pathOf(path, REQUIRED, "nodeSelectorTerms");
    if (terms.length === 0) sink.error(termsPath, "invalid-affinity", "Required value: must have at least one node selector term");
    terms.forEach((term, i) => checkNodeSelectorTerm(term, pathOf(termsPath, i), true, sink));
  }
  arrayAt(na, PREFERRED).forEach((term, i) => {
    const at = pathOf(path, PREFERRED, i);
    checkWeight(term, at, sink);
    // Preferred terms accept any label value (they may still match a single node).
    checkNodeSelectorTerm(recordAt(term, "preference") ?? {}, pathOf(at, "preference"), false, sink);
  });
}

function strings(obj: unknown, key: string): string[] {
  return arrayAt(obj, key).filter((v): v is string => typeof v === "string");
}

function checkLabelKeys(term: Record<string, unknown>, at: string, sink: IssueSink): void {
  const match = strings(term, "matchLabelKeys");
  const mismatch = strings(term, "mismatchLabelKeys");
  for (const [key, keys] of [["matchLabelKeys", match], ["mismatchLabelKeys", mismatch]] as const) {
    if (keys.length === 0) continue;
    if (!isRecord(term["labelSelector"])) {
      sink.error(pathOf(at, key), "invalid-affinity", "must not be specified when labelSelector is not set");
      continue;
    }
    keys.forEach((k, i) => checkQualifiedName(k, pathOf(at, key, i), "label key", sink, "invalid-affinity"));
  }
  // The same key named again by the selector (matchLabels and a matchExpression) cannot also come from matchLabelKeys.
  const repeated = selectorKeys(term["labelSelector"], true);
  match.forEach((k, i) => {
    if (repeated.has(k)) sink.error(pathOf(at, "matchLabelKeys", i), "invalid-affinity", `"${k}" exists in both matchLabelKeys and labelSelector: keep it in one of them`);
  });
  const mismatchSet = new Set(mismatch);
  match.forEach((k, i) => {
    if (mismatchSet.has(k)) sink.error(pathOf(at, "matchLabelKeys", i), "invalid-affinity", `"${k}" exists in both matchLabelKeys and mismatchLabelKeys`);
  });
}

function checkPodAffinityTerm(term: unknown, at: string, sink: IssueSink): void {
  if (!isRecord(term)) return;
  checkLabelSelector(term["labelSelector"], pathOf(at, "labelSelector"), sink);
  checkLabelSelector(term["namespaceSelector"], pathOf(at, "namespaceSelector"), sink);
  for (const ns of strings(term, "namespaces")) {
    const problem = labelProblem(ns);
    if (problem !== undefined) sink.error(pathOf(at, "namespace"), "invalid-affinity", `namespace "${ns}" ${problem}`);
  }
  checkLabelKeys(term, at, sink);
  const topologyKey = stringAt(term, "topologyKey") ?? "";
  if (topologyKey === "") {
    sink.error(pathOf(at, "topologyKey"), "invalid-affinity", "Required value: can not be empty: set a node label key such as kubernetes.io/hostname");
  } else checkQualifiedName(topologyKey, pathOf(at, "topologyKey"), "topologyKey", sink, "invalid-affinity");
}

function checkPodAffinity(pa: Record<string, unknown>, path: string, sink: IssueSink): void {
  arrayAt(pa, REQUIRED).forEach((term, i) => checkPodAffinityTerm(term, pathOf(path, REQUIRED, i), sink));
  arrayAt(pa, PREFERRED).forEach((term, i) => {
    const at = pathOf(path, PREFERRED, i);
    checkWeight(term, at, sink);
    checkPodAffinityTerm(recordAt(term, "podAffinityTerm") ?? {}, pathOf(at, "podAffinityTerm"), sink);
  });
}

/** spec.affinity: nodeAffinity, podAffinity and podAntiAffinity as ValidatePodSpec checks them. */
export const affinityRule: PodRule = (pod, base, _ctx, sink) => {
  const affinity = recordAt(recordAt(pod, "spec"), "affinity");
  if (affinity === undefined) return;
  const path = pathOf(base, "spec", "affinity");
  const na = recordAt(affinity, "nodeAffinity");
  if (na !== undefined) checkNodeAffinity(na, pathOf(path, "nodeAffinity"), sink);
  for (const key of ["podAffinity", "podAntiAffinity"]) {
    const pa = recordAt(affinity, key);
    if (pa !== undefined) checkPodAffinity(pa, pathOf(path, key), sink);
  }
};
