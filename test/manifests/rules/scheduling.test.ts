// nodeSelector, tolerations and topologySpreadConstraints, as the kubelet's validation judges them.
import { describe } from "node:test";
import { pod, runCases, type Obj, type RuleCase } from "./cases.js";

const tolerate = (...tolerations: Obj[]) => pod({ tolerations });
const spread = (...constraints: Obj[]) => pod({ topologySpreadConstraints: constraints });
const zone = (extra: Obj = {}): Obj => ({ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", ...extra });
const app = { matchLabels: { app: "web" } };

const tolerations: RuleCase[] = [
  { name: "tolerate everything", pod: tolerate({ operator: "Exists" }) },
  { name: "Exists with a key and an effect", pod: tolerate({ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }) },
  { name: "Equal (the default operator) with a value", pod: tolerate({ key: "dedicated", value: "infra", effect: "NoSchedule" }) },
  { name: "Exists with a value", pod: tolerate({ key: "dedicated", operator: "Exists", value: "infra" }), error: ["spec.tolerations[0].operator", "value must be empty when `operator` is 'Exists'"] },
  { name: "an empty key with Equal", pod: tolerate({ operator: "Equal", value: "x" }), error: ["spec.tolerations[0].operator", "operator must be Exists when `key` is empty"] },
  { name: "an unknown operator", pod: tolerate({ key: "k", operator: "In" }), error: ["spec.tolerations[0].operator", 'Unsupported value: "In"'] },
  { name: "an unknown effect", pod: tolerate({ key: "k", operator: "Exists", effect: "NoRun" }), error: ["spec.tolerations[0].effect", 'Unsupported value: "NoRun"'] },
  { name: "tolerationSeconds with NoSchedule", pod: tolerate({ key: "k", operator: "Exists", effect: "NoSchedule", tolerationSeconds: 60 }), error: ["spec.tolerations[0].effect", "effect must be 'NoExecute' when `tolerationSeconds` is set"] },
  { name: "a key that is not a label name", pod: tolerate({ key: "bad key", operator: "Exists" }), error: ["spec.tolerations[0].key", "toleration key"] },
  { name: "a value that is not a label value", pod: tolerate({ key: "k", value: "a b" }), error: ["spec.tolerations[0].operator", "must be empty or consist of alphanumerics"] },
];

const nodeSelector: RuleCase[] = [
  { name: "nodeSelector labels", pod: pod({ nodeSelector: { "kubernetes.io/os": "linux", "node-role.kubernetes.io/control-plane": "" } }) },
  { name: "a nodeSelector key with a space", pod: pod({ nodeSelector: { "bad key": "x" } }), error: ["spec.nodeSelector[bad key]", "label key"] },
  { name: "a nodeSelector value too long", pod: pod({ nodeSelector: { role: "x".repeat(64) } }), error: ["spec.nodeSelector.role", "no more than 63"] },
];

const spreads: RuleCase[] = [
  { name: "a zone spread with a selector", pod: spread(zone({ labelSelector: app, minDomains: 2, nodeAffinityPolicy: "Honor", nodeTaintsPolicy: "Ignore" })) },
  { name: "maxSkew 0", pod: spread(zone({ maxSkew: 0 })), error: ["spec.topologySpreadConstraints[0].maxSkew", "must be greater than zero"] },
  { name: "no topologyKey", pod: spread(zone({ topologyKey: "" })), error: ["spec.topologySpreadConstraints[0].topologyKey", "can not be empty"] },
  { name: "an unknown whenUnsatisfiable", pod: spread(zone({ whenUnsatisfiable: "Never" })), error: ["spec.topologySpreadConstraints[0].whenUnsatisfiable", 'Unsupported value: "Never"'] },
  { name: "minDomains 0", pod: spread(zone({ minDomains: 0 })), error: ["spec.topologySpreadConstraints[0].minDomains", "must be greater than zero"] },
  { name: "minDomains with ScheduleAnyway", pod: spread(zone({ minDomains: 2, whenUnsatisfiable: "ScheduleAnyway" })), error: ["spec.topologySpreadConstraints[0].minDomains", "can only use minDomains if whenUnsatisfiable=DoNotSchedule"] },
  { name: "the same {topologyKey, whenUnsatisfiable} twice", pod: spread(zone(), zone({ maxSkew: 2 })), error: ["spec.topologySpreadConstraints[0][{topologyKey, whenUnsatisfiable}]", "Duplicate value"] },
  { name: "the same topologyKey with different actions", pod: spread(zone(), zone({ whenUnsatisfiable: "ScheduleAnyway" })) },
  { name: "an unknown nodeAffinityPolicy", pod: spread(zone({ nodeAffinityPolicy: "Always" })), error: ["spec.topologySpreadConstraints[0].nodeAffinityPolicy", 'Unsupported value: "Always"'] },
  { name: "an invalid labelSelector operator", pod: spread(zone({ labelSelector: { matchExpressions: [{ key: "app", operator: "Is", values: ["x"] }] } })), error: ["spec.topologySpreadConstraints[0].labelSelector.matchExpressions[0].operator", "not a valid selector operator"] },
  { name: "matchLabelKeys with a selector", pod: spread(zone({ labelSelector: app, matchLabelKeys: ["pod-template-hash"] })) },
  { name: "matchLabelKeys without a labelSelector", pod: spread(zone({ matchLabelKeys: ["pod-template-hash"] })), error: ["spec.topologySpreadConstraints[0].matchLabelKeys", "must not be specified when labelSelector is not set"] },
  { name: "a matchLabelKeys entry that is not a label key", pod: spread(zone({ labelSelector: app, matchLabelKeys: ["bad key"] })), error: ["spec.topologySpreadConstraints[0].matchLabelKeys[0]", "label key"] },
  // Selector merge (v1.34+): only a key named again by a matchExpression is rejected; earlier kubelets reject any overlap.
  { name: "a matchLabelKeys key also in matchLabels", pod: spread(zone({ labelSelector: app, matchLabelKeys: ["app"] })) },
  { name: "a matchLabelKeys key also in matchLabels", minor: 33, pod: spread(zone({ labelSelector: app, matchLabelKeys: ["app"] })), error: ["spec.topologySpreadConstraints[0].matchLabelKeys[0]", "exists in both matchLabelKeys and labelSelector (kubelets before v1.34"] },
  {
    name: "a matchLabelKeys key in matchLabels and matchExpressions",
    pod: spread(zone({ labelSelector: { matchLabels: { app: "web" }, matchExpressions: [{ key: "app", operator: "Exists" }] }, matchLabelKeys: ["app"] })),
    error: ["spec.topologySpreadConstraints[0].matchLabelKeys[0]", "exists in both matchLabelKeys and labelSelector"],
  },
];

describe("rules: tolerations", () => runCases(tolerations));
describe("rules: nodeSelector", () => runCases(nodeSelector));
describe("rules: topologySpreadConstraints", () => runCases(spreads));
