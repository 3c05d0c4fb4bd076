// Node and pod (anti-)affinity, as the kubelet's validation judges them.
import { describe } from "node:test";
import { pod, runCases, type Obj, type RuleCase } from "./cases.js";

const REQ = "requiredDuringSchedulingIgnoredDuringExecution";
const PREF = "preferredDuringSchedulingIgnoredDuringExecution";
const nodeTerms = (...nodeSelectorTerms: Obj[]) => pod({ affinity: { nodeAffinity: { [REQ]: { nodeSelectorTerms } } } });
const expr = (key: string, operator: string, values?: unknown[]): Obj => ({ key, operator, ...(values === undefined ? {} : { values }) });
const podTerm = (extra: Obj = {}): Obj => ({ labelSelector: { matchLabels: { app: "web" } }, topologyKey: "kubernetes.io/hostname", ...extra });
const NA = `spec.affinity.nodeAffinity.${REQ}.nodeSelectorTerms`;
const PA = `spec.affinity.podAntiAffinity.${REQ}`;

const cases: RuleCase[] = [
  { name: "every node selector operator", pod: nodeTerms({ matchExpressions: [expr("a", "In", ["x"]), expr("b", "NotIn", ["y"]), expr("c", "Exists"), expr("d", "DoesNotExist"), expr("e", "Gt", ["1"]), expr("f", "Lt", ["9"])] }) },
  { name: "a matchFields on metadata.name", pod: nodeTerms({ matchFields: [expr("metadata.name", "In", ["cp-1"])] }) },
  { name: "no node selector terms", pod: nodeTerms(), error: [NA, "must have at least one node selector term"] },
  { name: "In without values", pod: nodeTerms({ matchExpressions: [expr("a", "In")] }), error: [`${NA}[0].matchExpressions[0].values`, "must be specified when `operator` is 'In' or 'NotIn'"] },
  { name: "Exists with values", pod: nodeTerms({ matchExpressions: [expr("a", "Exists", ["x"])] }), error: [`${NA}[0].matchExpressions[0].values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"] },
  { name: "Gt with two values", pod: nodeTerms({ matchExpressions: [expr("a", "Gt", ["1", "2"])] }), error: [`${NA}[0].matchExpressions[0].values`, "must be specified single value when `operator` is 'Lt' or 'Gt'"] },
  { name: "an unknown operator", pod: nodeTerms({ matchExpressions: [expr("a", "Equals", ["x"])] }), error: [`${NA}[0].matchExpressions[0].operator`, "not a valid selector operator"] },
  { name: "a required value that is not a label value", pod: nodeTerms({ matchExpressions: [expr("a", "In", ["a b"])] }), error: [`${NA}[0].matchExpressions[0].values[0]`, "must be empty or consist of alphanumerics"] },
  { name: "a matchFields key other than metadata.name", pod: nodeTerms({ matchFields: [expr("metadata.uid", "In", ["x"])] }), error: [`${NA}[0].matchFields[0].key`, "not a valid field selector key"] },
  { name: "a matchFields In with two values", pod: nodeTerms({ matchFields: [expr("metadata.name", "In", ["a", "b"])] }), error: [`${NA}[0].matchFields[0].values`, "must be only one value"] },
  {
    name: "preferred terms accept any label value",
    pod: pod({ affinity: { nodeAffinity: { [PREF]: [{ weight: 100, preference: { matchExpressions: [expr("a", "In", ["a b"])] } }] } } }),
  },
  {
    name: "a preferred weight of 0",
    pod: pod({ affinity: { nodeAffinity: { [PREF]: [{ weight: 0, preference: { matchExpressions: [expr("a", "Exists")] } }] } } }),
    error: [`spec.affinity.nodeAffinity.${PREF}[0].weight`, "must be in the range 1-100"],
  },
  { name: "pod anti-affinity by hostname", pod: pod({ affinity: { podAntiAffinity: { [REQ]: [podTerm({ namespaces: ["kube-system"], matchLabelKeys: ["rev"], mismatchLabelKeys: ["tenant"] })] } } }) },
  { name: "a pod affinity term without topologyKey", pod: pod({ affinity: { podAffinity: { [REQ]: [podTerm({ topologyKey: "" })] } } }), error: [`spec.affinity.podAffinity.${REQ}[0].topologyKey`, "can not be empty"] },
  { name: "a pod affinity term with a bad namespace", pod: pod({ affinity: { podAntiAffinity: { [REQ]: [podTerm({ namespaces: ["Kube_System"] })] } } }), error: [`${PA}[0].namespace`, "RFC 1123 label"] },
  { name: "a bad labelSelector", pod: pod({ affinity: { podAntiAffinity: { [REQ]: [podTerm({ labelSelector: { matchLabels: { app: "a b" } } })] } } }), error: [`${PA}[0].labelSelector.matchLabels.app`, "must be empty or consist"] },
  { name: "a bad namespaceSelector", pod: pod({ affinity: { podAntiAffinity: { [REQ]: [podTerm({ namespaceSelector: { matchExpressions: [expr("team", "In")] } })] } } }), error: [`${PA}[0].namespaceSelector.matchExpressions[0].values`, "must be specified when `operator` is 'In' or 'NotIn'"] },
  { name: "a key in matchLabelKeys and mismatchLabelKeys", pod: pod({ affinity: { podAntiAffinity: { [REQ]: [podTerm({ matchLabelKeys: ["rev"], mismatchLabelKeys: ["rev"] })] } } }), error: [`${PA}[0].matchLabelKeys[0]`, "exists in both matchLabelKeys and mismatchLabelKeys"] },
  { name: "a matchLabelKeys key also in matchLabels (merged by the API server, fine for the kubelet)", pod: pod({ affinity: { podAntiAffinity: { [REQ]: [podTerm({ matchLabelKeys: ["app"] })] } } }) },
  {
    name: "a matchLabelKeys key in matchLabels and matchExpressions",
    pod: pod({ affinity: { podAntiAffinity: { [REQ]: [podTerm({ labelSelector: { matchLabels: { app: "web" }, matchExpressions: [expr("app", "In", ["web"])] }, matchLabelKeys: ["app"] })] } } }),
    error: [`${PA}[0].matchLabelKeys[0]`, "exists in both matchLabelKeys and labelSelector"],
  },
  { name: "matchLabelKeys without a labelSelector", pod: pod({ affinity: { podAntiAffinity: { [REQ]: [{ topologyKey: "kubernetes.io/hostname", matchLabelKeys: ["rev"] }] } } }), error: [`${PA}[0].matchLabelKeys`, "must not be specified when labelSelector is not set"] },
  {
    name: "a weighted pod affinity term of 101",
    pod: pod({ affinity: { podAffinity: { [PREF]: [{ weight: 101, podAffinityTerm: podTerm() }] } } }),
    error: [`spec.affinity.podAffinity.${PREF}[0].weight`, "must be in the range 1-100"],
  },
  { name: "a preferred node term without a preference", pod: pod({ affinity: { nodeAffinity: { [PREF]: [{ weight: 10 }] } } }) },
  { name: "a weighted pod affinity term without its term", pod: pod({ affinity: { podAffinity: { [PREF]: [{ weight: 1 }] } } }), error: [`spec.affinity.podAffinity.${PREF}[0].podAffinityTerm.topologyKey`, "can not be empty"] },
  { name: "a weighted pod affinity term", pod: pod({ affinity: { podAffinity: { [PREF]: [{ weight: 1, podAffinityTerm: podTerm() }] } } }) },
];

describe("rules: affinity", () => runCases(cases));
