// Container resources, overhead and resize policies (facts from TestValidateResourceRequirements, TestValidateResizePolicy,
// TestValidateOverhead). Requests are written out where the kubelet's defaults would copy them from limits.
import { ctr, runCases, withResources, type RuleCase } from "./rule-cases.js";

const RES = "spec.containers[0].resources";

const cases: RuleCase[] = [
  // extended resources
  { name: "extended resource with equal request and limit", spec: withResources({ limits: { "example.com/gpu": "2" }, requests: { "example.com/gpu": "2" } }), verdict: "clean" },
  {
    name: "GPU requested without a limit",
    spec: withResources({ requests: { "nvidia.com/gpu": "1" } }),
    verdict: { path: `${RES}.limits`, fragment: "nvidia.com/gpu must be set (equal to the request): extended resources cannot be overcommitted", code: "limit-required" },
  },
  { name: "extended request below its limit", spec: withResources({ limits: { "example.com/a": "2" }, requests: { "example.com/a": "1" } }), verdict: { path: `${RES}.requests`, fragment: "must be equal to example.com/a limit of 2" } },
  { name: "extended request above its limit", spec: withResources({ limits: { "example.com/a": "1" }, requests: { "example.com/a": "2" } }), verdict: { path: `${RES}.requests[example.com/a]`, fragment: "must be less than or equal to" } },
  { name: "fractional extended resource", spec: withResources({ limits: { "example.com/a": "500m" }, requests: { "example.com/a": "500m" } }), verdict: { path: `${RES}.limits[example.com/a]`, fragment: "must be an integer", errors: 2 } },
  { name: "extended resource name with two slashes", spec: withResources({ limits: { "example.com/a/b": "1" }, requests: { "example.com/a/b": "1" } }), verdict: { path: `${RES}.limits[example.com/a/b]`, fragment: "qualified name", errors: 2 } },
  { name: "kubernetes.io resource is native", spec: withResources({ requests: { "kubernetes.io/something": "500m" } }), verdict: "clean" },
  // standard resources
  { name: "cpu, memory and ephemeral-storage", spec: withResources({ limits: { cpu: "1", memory: "1Gi", "ephemeral-storage": "2Gi" }, requests: { cpu: "500m", memory: "512Mi", "ephemeral-storage": "1Gi" } }), verdict: "clean" },
  { name: "a quantity with surrounding spaces", spec: withResources({ requests: { cpu: " 100m " } }), verdict: "clean" },
  { name: "a quantity with inner spaces", spec: withResources({ requests: { cpu: "100 m" } }), verdict: { path: `${RES}.requests.cpu`, fragment: "quantities must match the regular expression" } },
  { name: "memory request above its limit", spec: withResources({ limits: { memory: "1Gi" }, requests: { memory: "2Gi" } }), verdict: { path: `${RES}.requests.memory`, fragment: "must be less than or equal to" } },
  { name: "negative request", spec: withResources({ requests: { cpu: "-1" } }), verdict: { path: `${RES}.requests.cpu`, fragment: "must be greater than or equal to 0" } },
  // hugepages
  { name: "hugepages with memory", spec: withResources({ limits: { "hugepages-2Mi": "4Mi", memory: "1Gi" }, requests: { "hugepages-2Mi": "4Mi", memory: "1Gi" } }), verdict: "clean" },
  { name: "hugepages without cpu or memory", spec: withResources({ limits: { "hugepages-2Mi": "2Mi" }, requests: { "hugepages-2Mi": "2Mi" } }), verdict: { path: RES, fragment: "HugePages require cpu or memory" } },
  { name: "hugepages not a page multiple", spec: withResources({ limits: { "hugepages-2Mi": "3Mi", cpu: "1" }, requests: { "hugepages-2Mi": "3Mi", cpu: "1" } }), verdict: { path: `${RES}.limits.hugepages-2Mi`, fragment: "3Mi is not positive integer multiple of hugepages-2Mi", errors: 2 } },
  { name: "hugepages requested below the limit", spec: withResources({ limits: { "hugepages-2Mi": "4Mi", cpu: "1" }, requests: { "hugepages-2Mi": "2Mi", cpu: "1" } }), verdict: { path: `${RES}.requests`, fragment: "hugepages cannot be overcommitted" } },
  // init containers are judged the same way
  { name: "init container GPU without a limit", spec: { initContainers: [ctr({ resources: { requests: { "nvidia.com/gpu": "1" } } }, "init")] }, verdict: { path: "spec.initContainers[0].resources.limits", fragment: "Limit must be set for non overcommitable resources" } },
  // claims refer to the pod's resourceClaims, which a static pod may not have
  { name: "a claim with no pod resourceClaims", spec: withResources({ claims: [{ name: "gpu" }] }), verdict: { path: `${RES}.claims[0]`, fragment: 'Not found: "gpu": must be one of the names in pod.spec.resourceClaims which is empty' } },
  { name: "a claim without a name", spec: withResources({ claims: [{ name: "" }] }), verdict: { path: `${RES}.claims[0]`, fragment: "Required value" } },
  // overhead
  { name: "overhead", spec: { overhead: { cpu: "250m", memory: "120Mi" } }, verdict: "clean" },
  { name: "overhead with a non-container resource", spec: { overhead: { pods: "1" } }, verdict: { path: "spec.overhead.pods", fragment: "must be a standard resource for containers" } },
  { name: "overhead with a fractional extended resource", spec: { overhead: { "example.com/a": "1.5" } }, verdict: { path: "spec.overhead[example.com/a]", fragment: "must be an integer" } },
  // resizePolicy
  { name: "resize policy", spec: { containers: [ctr({ resizePolicy: [{ resourceName: "cpu", restartPolicy: "NotRequired" }, { resourceName: "memory", restartPolicy: "RestartContainer" }] })] }, verdict: "clean" },
  { name: "resize policy for an unknown resource", spec: { containers: [ctr({ resizePolicy: [{ resourceName: "storage", restartPolicy: "NotRequired" }] })] }, verdict: { path: "spec.containers[0].resizePolicy[0].resourceName", fragment: 'Unsupported value: "storage"' } },
  { name: "resize policy repeated", spec: { containers: [ctr({ resizePolicy: [{ resourceName: "cpu", restartPolicy: "NotRequired" }, { resourceName: "cpu", restartPolicy: "NotRequired" }] })] }, verdict: { path: "spec.containers[0].resizePolicy[1]", fragment: 'Duplicate value: "cpu"' } },
  { name: "resize restart with restartPolicy Never", spec: { restartPolicy: "Never", containers: [ctr({ resizePolicy: [{ resourceName: "cpu", restartPolicy: "RestartContainer" }] })] }, minors: [29, 35], verdict: { path: "spec.containers[0].resizePolicy[0].restartPolicy", fragment: "must be 'NotRequired' when `restartPolicy` is 'Never'" } },
  { name: "resize policy on a sidecar from 1.35", spec: { initContainers: [ctr({ restartPolicy: "Always", resizePolicy: [{ resourceName: "cpu", restartPolicy: "NotRequired" }] }, "side")] }, minors: [35], verdict: "clean" },
  { name: "resize policy on an init container before 1.35", spec: { initContainers: [ctr({ restartPolicy: "Always", resizePolicy: [{ resourceName: "cpu", restartPolicy: "NotRequired" }] }, "side")] }, minors: [29, 34], verdict: { path: "spec.initContainers[0].resizePolicy", fragment: "must not be set for init containers" } },
];

runCases("container resources", cases);

runCases("container resource names", [
  { name: "an unknown resource", spec: withResources({ requests: { gpu: "1" } }), verdict: { path: `${RES}.requests.gpu`, fragment: "must be a standard resource type or fully qualified" } },
  { name: "a quota resource", spec: withResources({ limits: { pods: "1" }, requests: { pods: "1" } }), verdict: { path: `${RES}.limits.pods`, fragment: "must be a standard resource for containers", errors: 2 } },
]);
