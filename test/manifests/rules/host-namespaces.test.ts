// User namespaces against host namespaces (validateHostUsers) and Windows HostProcess pods (validateWindowsHostProcessPod).
import { ctr, runCases, type Obj, type RuleCase } from "./rule-cases.js";

function hostProcess(podValue: boolean | undefined, containers: (boolean | undefined)[], spec: Obj = {}): Obj {
  const sc = (v: boolean | undefined): Obj => (v === undefined ? {} : { securityContext: { windowsOptions: { hostProcess: v } } });
  return {
    os: { name: "windows" },
    ...(podValue === undefined ? {} : { securityContext: { windowsOptions: { hostProcess: podValue } } }),
    containers: containers.map((v, i) => ctr(sc(v), `c${i}`)),
    ...spec,
  };
}

const cases: RuleCase[] = [
  { name: "user namespace alone", spec: { hostUsers: false }, minors: [33, 35], verdict: "clean" },
  { name: "host namespaces without a user namespace", spec: { hostUsers: true, hostNetwork: true, hostPID: true, hostIPC: true }, minors: [35], verdict: "clean" },
  { name: "user namespace with hostNetwork", spec: { hostUsers: false, hostNetwork: true }, verdict: { path: "spec.hostNetwork", fragment: "when `pod.Spec.HostUsers` is false", code: "host-namespace-with-userns" } },
  { name: "user namespace with hostPID", spec: { hostUsers: false, hostPID: true }, verdict: { path: "spec.hostPID", fragment: "when `pod.Spec.HostUsers` is false" } },
  { name: "user namespace with hostIPC", spec: { hostUsers: false, hostIPC: true }, minors: [29, 35], verdict: { path: "spec.hostIPC", fragment: "when `pod.Spec.HostUsers` is false" } },
  // UserNamespacesSupport is off by default before 1.33: the kubelet then refuses to start a pod that sets hostUsers.
  { name: "hostUsers behind an off gate", spec: { hostUsers: false }, minors: [29, 32], verdict: { path: "spec.hostUsers", fragment: "UserNamespacesSupport", severity: "warning", code: "feature-gate-off" } },
  { name: "HostProcess pod", spec: hostProcess(true, [undefined, undefined], { hostNetwork: true }), verdict: "clean" },
  { name: "HostProcess containers set one by one", spec: hostProcess(undefined, [true, true], { hostNetwork: true }), verdict: "clean" },
  { name: "HostProcess without hostNetwork", spec: hostProcess(true, [undefined]), verdict: { path: "spec.hostNetwork", fragment: "hostNetwork must be true if pod contains any hostProcess containers" } },
  { name: "HostProcess mixed with a normal container", spec: hostProcess(undefined, [true, undefined], { hostNetwork: true }), verdict: { path: "spec", fragment: "all containers must be HostProcess containers" } },
  { name: "HostProcess pod and container disagree", spec: hostProcess(true, [false, undefined], { hostNetwork: true }), verdict: { path: "spec.containers[0].securityContext.windowsOptions.hostProcess", fragment: "pod hostProcess value must be identical if both are specified, was true", errors: 2 } },
];

runCases("host namespaces", cases);
