// Pod and container security contexts, judged as the kubelet does (facts from TestValidateSecurityContext and TestValidatePodSpec).
import { runCases, withContainerSc, type RuleCase } from "./rule-cases.js";

const SC = "spec.containers[0].securityContext";
const POD_SC = "spec.securityContext";

const cases: RuleCase[] = [
  // privileged + allowPrivilegeEscalation
  { name: "privileged container", spec: withContainerSc({ privileged: true, allowPrivilegeEscalation: true }), verdict: "clean" },
  {
    name: "allowPrivilegeEscalation false with privileged",
    spec: withContainerSc({ privileged: true, allowPrivilegeEscalation: false }),
    verdict: { path: SC, fragment: "cannot set `allowPrivilegeEscalation` to false and `privileged` to true", code: "privilege-escalation" },
  },
  { name: "allowPrivilegeEscalation false, SYS_ADMIN without prefix", spec: withContainerSc({ allowPrivilegeEscalation: false, capabilities: { add: ["SYS_ADMIN"] } }), verdict: "clean" },
  {
    name: "allowPrivilegeEscalation false with CAP_SYS_ADMIN",
    spec: withContainerSc({ allowPrivilegeEscalation: false, capabilities: { add: ["CAP_SYS_ADMIN"] } }),
    verdict: { path: SC, fragment: "`capabilities.Add` CAP_SYS_ADMIN" },
  },
  { name: "capabilities in either spelling", spec: withContainerSc({ capabilities: { add: ["NET_ADMIN", "CAP_SYS_TIME"], drop: ["ALL"] } }), verdict: "clean" },
  { name: "an unknown capability", spec: withContainerSc({ capabilities: { add: ["NET_ADMINS"] } }), verdict: { path: `${SC}.capabilities.add[0]`, fragment: "is not a Linux capability", severity: "warning" } },
  // ids
  { name: "ids in range", spec: withContainerSc({ runAsUser: 0, runAsGroup: 2147483647 }, { securityContext: { fsGroup: 0, supplementalGroups: [1, 2] } }), verdict: "clean" },
  { name: "negative runAsUser", spec: withContainerSc({ runAsUser: -1 }), verdict: { path: `${SC}.runAsUser`, fragment: "must be between 0 and 2147483647, inclusive" } },
  { name: "runAsGroup too large", spec: withContainerSc({ runAsGroup: 2147483648 }), verdict: { path: `${SC}.runAsGroup`, fragment: "2147483648: must be between 0 and 2147483647" } },
  { name: "negative pod fsGroup", spec: { securityContext: { fsGroup: -1 } }, verdict: { path: `${POD_SC}.fsGroup`, fragment: "must be between 0 and 2147483647" } },
  { name: "negative supplemental group", spec: { securityContext: { supplementalGroups: [1, -2] } }, verdict: { path: `${POD_SC}.supplementalGroups[1]`, fragment: "must be between" } },
  { name: "fsGroupChangePolicy OnRootMismatch", spec: { securityContext: { fsGroupChangePolicy: "OnRootMismatch" } }, verdict: "clean" },
  { name: "fsGroupChangePolicy unknown", spec: { securityContext: { fsGroupChangePolicy: "Sometimes" } }, verdict: { path: `${POD_SC}.fsGroupChangePolicy`, fragment: 'Unsupported value: "Sometimes"' } },
  // runAsNonRoot
  { name: "runAsNonRoot with a non-root user", spec: withContainerSc({ runAsUser: 1000 }, { securityContext: { runAsNonRoot: true } }), verdict: "clean" },
  { name: "runAsNonRoot with user 0 from the pod", spec: { securityContext: { runAsNonRoot: true, runAsUser: 0 } }, verdict: { path: `${SC}.runAsUser`, fragment: "container's runAsUser breaks non-root policy", severity: "warning" } },
  { name: "runAsNonRoot false with user 0", spec: withContainerSc({ runAsNonRoot: false, runAsUser: 0 }, { securityContext: { runAsNonRoot: true } }), verdict: "clean" },
  // shareProcessNamespace
  { name: "shareProcessNamespace alone", spec: { shareProcessNamespace: true }, verdict: "clean" },
  { name: "shareProcessNamespace with hostPID", spec: { shareProcessNamespace: true, hostPID: true }, verdict: { path: "spec.shareProcessNamespace", fragment: "ShareProcessNamespace and HostPID cannot both be enabled" } },
  // seccompProfile
  { name: "seccomp RuntimeDefault", spec: { securityContext: { seccompProfile: { type: "RuntimeDefault" } } }, verdict: "clean" },
  { name: "seccomp Localhost with profile", spec: withContainerSc({ seccompProfile: { type: "Localhost", localhostProfile: "profiles/audit.json" } }), verdict: "clean" },
  { name: "seccomp without type", spec: { securityContext: { seccompProfile: {} } }, verdict: { path: `${POD_SC}.seccompProfile.type`, fragment: "type is required when seccompProfile is set" } },
  { name: "seccomp unknown type", spec: withContainerSc({ seccompProfile: { type: "Custom" } }), verdict: { path: `${SC}.seccompProfile.type`, fragment: 'Unsupported value: "Custom"' } },
  { name: "seccomp Localhost without profile", spec: withContainerSc({ seccompProfile: { type: "Localhost" } }), verdict: { path: `${SC}.seccompProfile.localhostProfile`, fragment: "must be set when seccomp type is Localhost" } },
  { name: "seccomp profile with RuntimeDefault", spec: withContainerSc({ seccompProfile: { type: "RuntimeDefault", localhostProfile: "a.json" } }), verdict: { path: `${SC}.seccompProfile.localhostProfile`, fragment: "can only be set when seccomp type is Localhost" } },
  { name: "seccomp absolute profile", spec: withContainerSc({ seccompProfile: { type: "Localhost", localhostProfile: "/etc/a.json" } }), verdict: { path: `${SC}.seccompProfile.localhostProfile`, fragment: "must be a relative path" } },
  { name: "seccomp profile with ..", spec: withContainerSc({ seccompProfile: { type: "Localhost", localhostProfile: "a/../../b.json" } }), verdict: { path: `${SC}.seccompProfile.localhostProfile`, fragment: "must not contain '..'" } },
  // appArmorProfile: a field from 1.30
  { name: "AppArmor RuntimeDefault", spec: withContainerSc({ appArmorProfile: { type: "RuntimeDefault" } }), minors: [30, 35], verdict: "clean" },
  { name: "AppArmor Localhost without profile", spec: withContainerSc({ appArmorProfile: { type: "Localhost" } }), minors: [30, 35], verdict: { path: `${SC}.appArmorProfile.localhostProfile`, fragment: "must be set when AppArmor type is Localhost" } },
  { name: "AppArmor profile padded", spec: { securityContext: { appArmorProfile: { type: "Localhost", localhostProfile: " k8s-x " } } }, verdict: { path: `${POD_SC}.appArmorProfile.localhostProfile`, fragment: "must not be padded with whitespace" } },
  { name: "AppArmor profile with Unconfined", spec: withContainerSc({ appArmorProfile: { type: "Unconfined", localhostProfile: "x" } }), verdict: { path: `${SC}.appArmorProfile.localhostProfile`, fragment: "can only be set when AppArmor type is Localhost" } },
  { name: "AppArmor without type", spec: withContainerSc({ appArmorProfile: {} }), verdict: { path: `${SC}.appArmorProfile.type`, fragment: "type is required when appArmorProfile is set" } },
  { name: "AppArmor field is unknown to 1.29", spec: withContainerSc({ appArmorProfile: { type: "Localhost" } }), minors: [29], verdict: { path: "spec.containers[0].securityContext.appArmorProfile", fragment: "is new in kubelet 1.30", severity: "warning", code: "unknown-field" } },
  // procMount
  { name: "procMount Default", spec: withContainerSc({ procMount: "Default" }), verdict: "clean" },
  { name: "procMount unknown", spec: withContainerSc({ procMount: "Masked" }), verdict: { path: `${SC}.procMount`, fragment: 'Unsupported value: "Masked"' } },
  { name: "procMount Unmasked in a user namespace", spec: withContainerSc({ procMount: "Unmasked" }, { hostUsers: false }), minors: [33, 35], verdict: "clean" },
  { name: "procMount Unmasked without a user namespace", spec: withContainerSc({ procMount: "Unmasked" }), minors: [30, 35], verdict: { path: `${SC}.procMount`, fragment: "`hostUsers` must be false to use `Unmasked`" } },
  { name: "procMount Unmasked before the user-namespace rule", spec: withContainerSc({ procMount: "Unmasked" }), minors: [29], verdict: "clean" },
  // supplementalGroupsPolicy: a field from 1.31, on by default from 1.33
  { name: "supplementalGroupsPolicy Strict", spec: { securityContext: { supplementalGroupsPolicy: "Strict" } }, minors: [33, 35], verdict: "clean" },
  { name: "supplementalGroupsPolicy unknown", spec: { securityContext: { supplementalGroupsPolicy: "Union" } }, minors: [31, 35], verdict: { path: `${POD_SC}.supplementalGroupsPolicy`, fragment: 'Unsupported value: "Union"' } },
  { name: "supplementalGroupsPolicy behind an off gate", spec: { securityContext: { supplementalGroupsPolicy: "Strict" } }, minors: [31, 32], verdict: { path: `${POD_SC}.supplementalGroupsPolicy`, fragment: "SupplementalGroupsPolicy feature gate", severity: "warning" } },
  { name: "supplementalGroupsPolicy unknown to 1.30", spec: { securityContext: { supplementalGroupsPolicy: "Strict" } }, minors: [29, 30], verdict: { path: "spec.securityContext.supplementalGroupsPolicy", fragment: "is new in kubelet 1.31", severity: "warning", code: "unknown-field" } },
  // seLinuxChangePolicy: a field from 1.32
  { name: "seLinuxChangePolicy MountOption before 1.35", spec: { securityContext: { seLinuxChangePolicy: "MountOption" } }, minors: [32, 34], verdict: "clean" },
  { name: "seLinuxChangePolicy Recursive", spec: { securityContext: { seLinuxChangePolicy: "Recursive" } }, minors: [32, 35], verdict: "clean" },
  {
    name: "seLinuxChangePolicy MountOption from 1.35",
    spec: { securityContext: { seLinuxChangePolicy: "MountOption" } },
    minors: [35],
    verdict: { path: `${POD_SC}.seLinuxChangePolicy`, fragment: 'Unsupported value: "MountOption": supported values: "Recursive"' },
  },
  { name: "seLinuxChangePolicy unknown", spec: { securityContext: { seLinuxChangePolicy: "Relabel" } }, minors: [32, 35], verdict: { path: `${POD_SC}.seLinuxChangePolicy`, fragment: 'Unsupported value: "Relabel"' } },
  { name: "seLinuxChangePolicy unknown to 1.31", spec: { securityContext: { seLinuxChangePolicy: "Relabel" } }, minors: [31], verdict: { path: "spec.securityContext.seLinuxChangePolicy", fragment: "is new in kubelet 1.32", severity: "warning", code: "unknown-field" } },
  // windowsOptions
  { name: "windows user with domain", spec: withContainerSc({ windowsOptions: { runAsUserName: "NT AUTHORITY\\NETWORK SERVICE" } }, { os: { name: "windows" } }), verdict: "clean" },
  { name: "windows user with two backslashes", spec: withContainerSc({ windowsOptions: { runAsUserName: "a\\b\\c" } }, { os: { name: "windows" } }), verdict: { path: `${SC}.windowsOptions.runAsUserName`, fragment: "cannot contain more than one backslash" } },
  { name: "windows user empty", spec: { os: { name: "windows" }, securityContext: { windowsOptions: { runAsUserName: "" } } }, verdict: { path: `${POD_SC}.windowsOptions.runAsUserName`, fragment: "runAsUserName cannot be an empty string" } },
  { name: "windows user with a bad character", spec: withContainerSc({ windowsOptions: { runAsUserName: "Container|User" } }, { os: { name: "windows" } }), verdict: { path: `${SC}.windowsOptions.runAsUserName`, fragment: "User cannot contain the following characters" } },
  { name: "gmsa spec name not a subdomain", spec: withContainerSc({ windowsOptions: { gmsaCredentialSpecName: "Bad_Name" } }, { os: { name: "windows" } }), verdict: { path: `${SC}.windowsOptions.gmsaCredentialSpecName`, fragment: "RFC 1123 subdomain" } },
  { name: "gmsa spec empty", spec: withContainerSc({ windowsOptions: { gmsaCredentialSpec: "" } }, { os: { name: "windows" } }), verdict: { path: `${SC}.windowsOptions.gmsaCredentialSpec`, fragment: "gmsaCredentialSpec cannot be an empty string" } },
];

runCases("security contexts", cases);
