// Pod-specific annotations and their agreement with the seccomp/AppArmor fields (facts from TestValidatePodSpecificAnnotations,
// TestValidateSeccompAnnotationsAndFields and TestValidateAppArmorAnnotationsAndFieldsMatchOnCreate).
import { ctr, runCases, type Obj, type RuleCase } from "./rule-cases.js";

const ANN = "metadata.annotations";
const SECCOMP_POD = "seccomp.security.alpha.kubernetes.io/pod";
const SECCOMP_APP = "container.seccomp.security.alpha.kubernetes.io/app";
const APPARMOR_APP = "container.apparmor.security.beta.kubernetes.io/app";

const annotated = (annotations: Obj, spec: Obj = {}): Pick<RuleCase, "metadata" | "spec"> => ({ metadata: { annotations }, spec });

const cases: RuleCase[] = [
  // seccomp annotation values
  { name: "seccomp runtime/default", ...annotated({ [SECCOMP_POD]: "runtime/default" }), verdict: { path: `${ANN}[${SECCOMP_POD}]`, fragment: "deprecated", severity: "warning" } },
  { name: "seccomp docker/default and localhost", ...annotated({ [SECCOMP_POD]: "docker/default", [SECCOMP_APP]: "localhost/foo.json" }), verdict: "accepted" },
  { name: "seccomp unknown profile", ...annotated({ [SECCOMP_POD]: "default" }), verdict: { path: `${ANN}[${SECCOMP_POD}]`, fragment: "must be a valid seccomp profile" } },
  { name: "seccomp localhost with ..", ...annotated({ [SECCOMP_APP]: "localhost/../etc/passwd" }), verdict: { path: `${ANN}[${SECCOMP_APP}]`, fragment: "must not contain '..'" } },
  { name: "seccomp localhost absolute", ...annotated({ [SECCOMP_APP]: "localhost//etc/a.json" }), verdict: { path: `${ANN}[${SECCOMP_APP}]`, fragment: "must be a relative path" } },
  // AppArmor annotation values
  { name: "AppArmor runtime/default", ...annotated({ [APPARMOR_APP]: "runtime/default" }), minors: [29], verdict: "clean" },
  { name: "AppArmor annotation for a missing container", ...annotated({ "container.apparmor.security.beta.kubernetes.io/web": "runtime/default" }), verdict: { path: `${ANN}[container.apparmor.security.beta.kubernetes.io/web]`, fragment: "container not found" } },
  { name: "AppArmor bad profile name", ...annotated({ [APPARMOR_APP]: "docker-default" }), verdict: { path: `${ANN}[${APPARMOR_APP}]`, fragment: 'invalid AppArmor profile name: "docker-default"' } },
  { name: "AppArmor annotation is deprecated from 1.30", ...annotated({ [APPARMOR_APP]: "localhost/k8s-nginx" }), minors: [30, 35], verdict: { path: `${ANN}[${APPARMOR_APP}]`, fragment: "appArmorProfile", severity: "warning" } },
  // deletion cost
  { name: "deletion cost", ...annotated({ "controller.kubernetes.io/pod-deletion-cost": "-10" }), verdict: "clean" },
  { name: "deletion cost with a plus sign", ...annotated({ "controller.kubernetes.io/pod-deletion-cost": "+10" }), verdict: { path: `${ANN}[controller.kubernetes.io/pod-deletion-cost]`, fragment: "must be a 32bit integer" } },
  { name: "deletion cost beyond 32 bits", ...annotated({ "controller.kubernetes.io/pod-deletion-cost": "2147483648" }), verdict: { path: `${ANN}[controller.kubernetes.io/pod-deletion-cost]`, fragment: "must be a 32bit integer" } },
  // tolerations annotation
  { name: "tolerations annotation", ...annotated({ "scheduler.alpha.kubernetes.io/tolerations": '[{"key":"a","operator":"Exists"}]' }), verdict: "clean" },
  { name: "tolerations annotation null", ...annotated({ "scheduler.alpha.kubernetes.io/tolerations": "null" }), verdict: "clean" },
  { name: "tolerations annotation a list of numbers", ...annotated({ "scheduler.alpha.kubernetes.io/tolerations": "[1]" }), verdict: { path: ANN, fragment: "must be a JSON list of tolerations" } },
  { name: "tolerations annotation not JSON", ...annotated({ "scheduler.alpha.kubernetes.io/tolerations": "a=b" }), verdict: { path: ANN, fragment: "must be a JSON list of tolerations" } },
  { name: "mirror pod annotation", ...annotated({ "kubernetes.io/config.mirror": "abc" }), verdict: { path: `${ANN}[kubernetes.io/config.mirror]`, fragment: "never runs it", severity: "warning", code: "mirror-annotation" } },
  // seccomp annotation against the field
  { name: "pod seccomp annotation agrees", ...annotated({ [SECCOMP_POD]: "runtime/default" }, { securityContext: { seccompProfile: { type: "RuntimeDefault" } } }), verdict: "accepted" },
  {
    name: "pod seccomp annotation disagrees",
    ...annotated({ [SECCOMP_POD]: "unconfined" }, { securityContext: { seccompProfile: { type: "RuntimeDefault" } } }),
    verdict: { path: "spec.securityContext.seccompProfile.type", fragment: "seccomp type in annotation and field must match", code: "seccomp-annotation-mismatch" },
  },
  {
    name: "container seccomp localhost profile differs",
    ...annotated({ [SECCOMP_APP]: "localhost/a.json" }, { containers: [ctr({ securityContext: { seccompProfile: { type: "Localhost", localhostProfile: "b.json" } } })] }),
    verdict: { path: "spec.containers[0].securityContext.seccompProfile.localhostProfile", fragment: "seccomp profile in annotation and field must match" },
  },
  // AppArmor annotation against the field (from 1.30, not for windows pods)
  {
    name: "AppArmor annotation disagrees with the pod field",
    ...annotated({ [APPARMOR_APP]: "unconfined" }, { securityContext: { appArmorProfile: { type: "RuntimeDefault" } } }),
    minors: [30, 35],
    verdict: { path: "spec.containers[0].securityContext.appArmorProfile.type", fragment: "apparmor type in annotation and field must match" },
  },
  {
    name: "AppArmor annotation agrees with the container field",
    ...annotated({ [APPARMOR_APP]: "localhost/k8s-nginx" }, { containers: [ctr({ securityContext: { appArmorProfile: { type: "Localhost", localhostProfile: "k8s-nginx" } } })] }),
    verdict: "accepted",
  },
  {
    name: "AppArmor localhost profile differs",
    ...annotated({ [APPARMOR_APP]: "localhost/a" }, { containers: [ctr({ securityContext: { appArmorProfile: { type: "Localhost", localhostProfile: "b" } } })] }),
    verdict: { path: "spec.containers[0].securityContext.appArmorProfile.localhostProfile", fragment: "apparmor profile in annotation and field must match" },
  },
  { name: "AppArmor field unknown to 1.29", ...annotated({ [APPARMOR_APP]: "unconfined" }, { securityContext: { appArmorProfile: { type: "RuntimeDefault" } } }), minors: [29], verdict: { path: "spec.securityContext.appArmorProfile", fragment: "is new in kubelet 1.30", severity: "warning", code: "unknown-field" } },
];

runCases("pod annotations", cases);
