// spec.os and what each OS forbids, and the identity fields (facts from TestValidateOS, TestValidateWindows, TestValidatePodSpec).
import { ctr, runCases, withContainerSc, type RuleCase } from "./rule-cases.js";

const WIN = { os: { name: "windows" } };

const cases: RuleCase[] = [
  { name: "linux pod", spec: { os: { name: "linux" }, securityContext: { runAsUser: 1000, sysctls: [{ name: "kernel.shm_rmid_forced", value: "1" }] } }, verdict: "clean" },
  { name: "windows pod", spec: withContainerSc({ windowsOptions: { runAsUserName: "ContainerUser" } }, WIN), verdict: "clean" },
  { name: "empty os name", spec: { os: { name: "" } }, verdict: { path: "spec.os.name", fragment: "cannot be empty" } },
  { name: "unknown os", spec: { os: { name: "darwin" } }, verdict: { path: "spec.os", fragment: 'Unsupported value: "darwin"' } },
  { name: "linux pod with windowsOptions", spec: withContainerSc({ windowsOptions: { runAsUserName: "u" } }, { os: { name: "linux" } }), verdict: { path: "spec.containers[0].securityContext.windowsOptions", fragment: "windows options cannot be set for a linux pod" } },
  { name: "linux pod with pod windowsOptions", spec: { os: { name: "linux" }, securityContext: { windowsOptions: { runAsUserName: "u" } } }, verdict: { path: "spec.securityContext.windowsOptions", fragment: "windows options cannot be set for a linux pod" } },
  { name: "windows pod with runAsUser", spec: { ...WIN, securityContext: { runAsUser: 1000 } }, verdict: { path: "spec.securityContext.runAsUser", fragment: "cannot be set for a windows pod" } },
  { name: "windows pod with sysctls", spec: { ...WIN, securityContext: { sysctls: [{ name: "kernel.shm_rmid_forced", value: "1" }] } }, verdict: { path: "spec.securityContext.sysctls", fragment: "cannot be set for a windows pod" } },
  { name: "windows pod with hostPID", spec: { ...WIN, hostPID: true }, verdict: { path: "spec.hostPID", fragment: "cannot be set for a windows pod" } },
  { name: "windows pod with hostPID false", spec: { ...WIN, hostPID: false }, verdict: "clean" },
  { name: "windows pod with shareProcessNamespace false", spec: { ...WIN, shareProcessNamespace: false }, verdict: { path: "spec.shareProcessNamespace", fragment: "cannot be set for a windows pod" } },
  { name: "windows container with privileged", spec: withContainerSc({ privileged: false }, WIN), verdict: { path: "spec.containers[0].securityContext.privileged", fragment: "cannot be set for a windows pod" } },
  { name: "windows container with capabilities", spec: withContainerSc({ capabilities: { add: ["NET_ADMIN"] } }, WIN), verdict: { path: "spec.containers[0].securityContext.capabilities", fragment: "cannot be set for a windows pod" } },
  { name: "windows container with appArmorProfile", spec: withContainerSc({ appArmorProfile: { type: "RuntimeDefault" } }, WIN), minors: [30, 35], verdict: { path: "spec.containers[0].securityContext.appArmorProfile", fragment: "cannot be set for a windows pod" } },
  { name: "windows pod with seLinuxChangePolicy", spec: { ...WIN, securityContext: { seLinuxChangePolicy: "Recursive" } }, minors: [32, 35], verdict: { path: "spec.securityContext.seLinuxChangePolicy", fragment: "cannot be set for a windows pod" } },
  { name: "windows pod with supplementalGroupsPolicy", spec: { ...WIN, securityContext: { supplementalGroupsPolicy: "Merge" } }, minors: [33], verdict: { path: "spec.securityContext.supplementalGroupsPolicy", fragment: "cannot be set for a windows pod" } },
  // Fields an older kubelet does not know are dropped before validation, so a windows pod may carry them.
  { name: "windows container with appArmorProfile on 1.29", spec: withContainerSc({ appArmorProfile: { type: "RuntimeDefault" } }, WIN), minors: [29], verdict: { path: "spec.containers[0].securityContext.appArmorProfile", fragment: "is new in kubelet 1.30", severity: "warning", code: "unknown-field" } },
  { name: "windows pod with supplementalGroupsPolicy on 1.30", spec: { ...WIN, securityContext: { supplementalGroupsPolicy: "Merge" } }, minors: [30], verdict: { path: "spec.securityContext.supplementalGroupsPolicy", fragment: "is new in kubelet 1.31", severity: "warning", code: "unknown-field" } },
  { name: "windows pod with seLinuxChangePolicy on 1.31", spec: { ...WIN, securityContext: { seLinuxChangePolicy: "Recursive" } }, minors: [31], verdict: { path: "spec.securityContext.seLinuxChangePolicy", fragment: "is new in kubelet 1.32", severity: "warning", code: "unknown-field" } },
  // names and policies
  { name: "runtimeClassName", spec: { runtimeClassName: "gvisor" }, verdict: "clean" },
  { name: "runtimeClassName empty", spec: { runtimeClassName: "" }, verdict: { path: "spec.runtimeClassName", fragment: "RFC 1123 subdomain" } },
  { name: "runtimeClassName with capitals", spec: { runtimeClassName: "GVisor" }, verdict: { path: "spec.runtimeClassName", fragment: "RFC 1123 subdomain" } },
  { name: "priorityClassName", spec: { priorityClassName: "system-node-critical" }, verdict: "clean" },
  { name: "priorityClassName invalid", spec: { priorityClassName: "Critical_Class" }, verdict: { path: "spec.priorityClassName", fragment: "RFC 1123 subdomain" } },
  { name: "preemptionPolicy Never", spec: { preemptionPolicy: "Never" }, verdict: "clean" },
  { name: "preemptionPolicy empty", spec: { preemptionPolicy: "" }, verdict: { path: "spec.preemptionPolicy", fragment: "Required value" } },
  { name: "preemptionPolicy unknown", spec: { preemptionPolicy: "Always" }, verdict: { path: "spec.preemptionPolicy", fragment: 'Unsupported value: "Always"' } },
  { name: "subdomain", spec: { hostname: "web-0", subdomain: "web" }, verdict: "clean" },
  { name: "subdomain with a dot", spec: { subdomain: "a.b" }, verdict: { path: "spec.subdomain", fragment: "RFC 1123 label" } },
  { name: "setHostnameAsFQDN with a short FQDN", spec: { hostname: "web", subdomain: "svc", setHostnameAsFQDN: true }, verdict: "clean" },
  {
    name: "setHostnameAsFQDN with a long FQDN",
    spec: { hostname: "a-rather-long-hostname-for-this-pod", subdomain: "headless-service", setHostnameAsFQDN: true, containers: [ctr()] },
    verdict: { path: "spec.setHostnameAsFQDN", fragment: "64 characters is the max", severity: "warning", code: "fqdn-too-long" },
  },
];

runCases("pod OS and identity", cases);
