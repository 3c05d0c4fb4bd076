// Env vars: names (strict before v1.32, relaxed from v1.32), valueFrom and envFrom.
import { describe } from "node:test";
import { container, pod, runCases, type Obj, type RuleCase } from "./cases.js";

const withEnv = (...env: Obj[]) => pod({ containers: [container({ env })] });
const fieldRef = (fieldPath: string): Obj => ({ name: "X", valueFrom: { fieldRef: { fieldPath } } });
const E = "spec.containers[0].env[0]";

const cases: RuleCase[] = [
  { name: "C-identifier names", pod: withEnv({ name: "MY_VAR", value: "1" }, { name: "my.env-name", value: "2" }) },
  { name: "a name starting with a digit", pod: withEnv({ name: "1VAR", value: "x" }) },
  { name: "a name starting with a digit", minor: 31, pod: withEnv({ name: "1VAR", value: "x" }), error: [`${E}.name`, "must not start with a digit"] },
  { name: "a name with a space and a colon", pod: withEnv({ name: "A B:C", value: "x" }) },
  { name: "a name with a space", minor: 31, pod: withEnv({ name: "A B", value: "x" }), error: [`${E}.name`, "kubelets from v1.32 accept it"] },
  { name: "a name starting with '..'", minor: 31, pod: withEnv({ name: "..X", value: "x" }), error: [`${E}.name`, "nor start with '..'"] },
  { name: "a name starting with '..' (relaxed names have no such rule)", pod: withEnv({ name: "..X", value: "x" }) },
  { name: "a name with '='", pod: withEnv({ name: "A=B", value: "x" }), error: [`${E}.name`, "printable ASCII characters other than '='"] },
  { name: "a name with a non-ASCII letter", pod: withEnv({ name: "ÄPFEL", value: "x" }), error: [`${E}.name`, "printable ASCII"] },
  { name: "every fieldPath env may use", pod: withEnv(...["metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs", "metadata.labels['app']"].map((p, i) => ({ ...fieldRef(p), name: `V${i}` }))) },
  { name: "a fieldRef with apiVersion v1", pod: withEnv({ name: "N", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "spec.nodeName" } } }) },
  { name: "metadata.labels without a subscript", pod: withEnv(fieldRef("metadata.labels")), error: [`${E}.valueFrom.fieldRef.fieldPath`, 'Unsupported value: "metadata.labels"'] },
  { name: "status.phase", pod: withEnv(fieldRef("status.phase")), error: [`${E}.valueFrom.fieldRef.fieldPath`, 'Unsupported value: "status.phase"'] },
  { name: "a fieldRef of another apiVersion", pod: withEnv({ name: "N", valueFrom: { fieldRef: { apiVersion: "v2", fieldPath: "metadata.name" } } }), error: [`${E}.valueFrom.fieldRef.fieldPath`, "error converting fieldPath"] },
  { name: "resourceFieldRef", pod: withEnv({ name: "MEM", valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } } }, { name: "HP", valueFrom: { resourceFieldRef: { resource: "requests.hugepages-2Mi" } } }) },
  { name: "resourceFieldRef to an unknown resource", pod: withEnv({ name: "G", valueFrom: { resourceFieldRef: { resource: "limits.nvidia.com/gpu" } } }), error: [`${E}.valueFrom.resourceFieldRef.resource`, "Unsupported value"] },
  { name: "a memory divisor of 1m", pod: withEnv({ name: "M", valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1m" } } }), error: [`${E}.valueFrom.resourceFieldRef.divisor`, "only divisor's values 1, 1k"] },
  { name: "valueFrom without a source", pod: withEnv({ name: "X", valueFrom: {} }), error: [`${E}.valueFrom`, "must specify one of: `fieldRef`, `resourceFieldRef`"] },
  { name: "valueFrom with two sources", pod: withEnv({ name: "X", valueFrom: { fieldRef: { fieldPath: "metadata.name" }, resourceFieldRef: { resource: "limits.cpu" } } }), error: [`${E}.valueFrom`, "may not have more than one field specified at a time"] },
  { name: "valueFrom with a value", pod: withEnv({ name: "X", value: "v", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }), error: [`${E}.valueFrom`, "may not be specified when `value` is not empty"] },
  { name: "valueFrom with an empty value", pod: withEnv({ name: "X", value: "", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }) },
  { name: "an envFrom prefix with a digit first", minor: 31, pod: pod({ containers: [container({ envFrom: [{ prefix: "1_" }] })] }), error: ["spec.containers[0].envFrom[0].prefix", "must not start with a digit"], count: 2 },
  { name: "envFrom without a source", pod: pod({ containers: [container({ envFrom: [{ prefix: "P_" }] })] }), error: ["spec.containers[0].envFrom", "must specify one of: `configMapRef` or `secretRef`"] },
  { name: "a fileKeyRef", pod: withEnv({ name: "TOKEN", valueFrom: { fileKeyRef: { volumeName: "config", path: "env", key: "TOKEN" } } }) },
  { name: "a fileKeyRef without a key", pod: withEnv({ name: "TOKEN", valueFrom: { fileKeyRef: { volumeName: "config", path: "env" } } }), error: [`${E}.valueFrom.fileKeyRef.key`, "fileKeyRef.key is required"] },
  { name: "a fileKeyRef while EnvFiles is off by default (warning)", minor: 34, pod: withEnv({ name: "T", valueFrom: { fileKeyRef: { volumeName: "c", path: "env", key: "T" } } }), warning: [`${E}.valueFrom.fileKeyRef`, "on by default from v1.35"] },
  { name: "a fileKeyRef on a kubelet that drops the field", minor: 33, pod: withEnv({ name: "T", valueFrom: { fileKeyRef: { volumeName: "c", path: "env", key: "T" } } }), error: [`${E}.valueFrom`, "must specify one of"] },
  // The static-pod ban on the reference itself is counted in these two.
  { name: "a secretKeyRef with an empty name (no Secret, and no valid name either)", pod: withEnv({ name: "S", valueFrom: { secretKeyRef: { name: "", key: "k" } } }), error: [`${E}.valueFrom.secretKeyRef.name`, "RFC 1123 subdomain"], count: 2 },
  { name: "a configMapKeyRef key with a slash", pod: withEnv({ name: "S", valueFrom: { configMapKeyRef: { name: "", key: "a/b" } } }), error: [`${E}.valueFrom.configMapKeyRef.key`, "a valid config key"], count: 3 },
];

describe("rules: env", () => runCases(cases));
