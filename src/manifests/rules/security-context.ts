// Pod and container security contexts as the kubelet validates them (validatePodSpecSecurityContext, ValidateSecurityContext).
import { IssueSink, arrayAt, isRecord, pathOf, recordAt } from "../validate-walk.js";
import type { PodRule, RuleContext } from "./context.js";
import { checkOneOf, isWindowsPod, podContainers, specOf, usesUserNamespace } from "./pod-parts.js";
import { checkAppArmorProfile, checkSeccompProfile, checkWindowsOptions } from "./security-profiles.js";

const MAX_ID = 2147483647;
const FS_GROUP_CHANGE_POLICIES = ["Always", "OnRootMismatch"];
const SUPPLEMENTAL_GROUPS_POLICIES = ["Merge", "Strict"];
const SELINUX_CHANGE_POLICIES = ["MountOption", "Recursive"];
const PROC_MOUNT_TYPES = ["Default", "Unmasked"];

/** The first kubelet minor whose API has each field (older kubelets drop it as unknown). */
export const FIELD_SINCE = { appArmorProfile: 30, supplementalGroupsPolicy: 31, seLinuxChangePolicy: 32 } as const;
/** The first kubelet minor that refuses procMount Unmasked without a user namespace. */
const UNMASKED_NEEDS_USERNS_SINCE = 30;
/** The first kubelet minor that takes static-pod validation options from its feature gates (SELinuxMount off: Recursive only). */
const ONLY_RECURSIVE_SELINUX_SINCE = 35;
/** The first kubelet minor with the SupplementalGroupsPolicy feature gate on by default. */
const SUPPLEMENTAL_GROUPS_POLICY_ON_SINCE = 33;

/** Linux capabilities (capability.h up to CAP_CHECKPOINT_RESTORE), and ALL. */
const CAPABILITIES = new Set(
  `CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE NET_BIND_SERVICE
  NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN
  SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE
  MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF CHECKPOINT_RESTORE ALL`.split(/\s+/),
);

function checkCapabilities(sc: Record<string, unknown>, path: string, sink: IssueSink): void {
  const capabilities = recordAt(sc, "capabilities");
  for (const key of ["add", "drop"]) {
    arrayAt(capabilities, key).forEach((cap, i) => {
      if (typeof cap !== "string") return;
      const name = cap.toUpperCase().replace(/^CAP_/, "");
      if (CAPABILITIES.has(name)) return;
      sink.warning(
        pathOf(path, "capabilities", key, i),
        "unknown-capability",
        `"${cap}" is not a Linux capability: the container runtime fails to create the container. Use a name like NET_ADMIN`,
      );
    });
  }
}

function checkId(obj: unknown, key: string, path: string, sink: IssueSink): void {
  const value = isRecord(obj) ? obj[key] : undefined;
  checkIdValue(value, pathOf(path, key), sink);
}

function checkIdValue(value: unknown, path: string, sink: IssueSink): void {
  if (typeof value !== "number" || !Number.isInteger(value)) return;
  if (value < 0 || value > MAX_ID) {
    sink.error(path, "invalid-id", `${value}: must be between 0 and ${MAX_ID}, inclusive`);
  }
}

function checkPodSecurityContext(spec: Record<string, unknown>, specPath: string, ctx: RuleContext, sink: IssueSink): void {
  const sc = recordAt(spec, "securityContext");
  const path = pathOf(specPath, "securityContext");
  if (spec["shareProcessNamespace"] === true && spec["hostPID"] === true) {
    sink.error(
      pathOf(specPath, "shareProcessNamespace"),
      "invalid-security-context",
      "ShareProcessNamespace and HostPID cannot both be enabled: drop one of them",
    );
  }
  if (sc === undefined) return;
  for (const key of ["fsGroup", "runAsUser", "runAsGroup"]) checkId(sc, key, path, sink);
  arrayAt(sc, "supplementalGroups").forEach((gid, i) => checkIdValue(gid, pathOf(path, "supplementalGroups", i), sink));
  checkOneOf(sc, "fsGroupChangePolicy", FS_GROUP_CHANGE_POLICIES, path, sink);
  checkSeccompProfile(sc["seccompProfile"], pathOf(path, "seccompProfile"), sink);
  checkWindowsOptions(sc["windowsOptions"], pathOf(path, "windowsOptions"), sink);
  if (ctx.minor >= FIELD_SINCE.appArmorProfile) checkAppArmorProfile(sc["appArmorProfile"], pathOf(path, "appArmorProfile"), sink);
  if (ctx.minor >= FIELD_SINCE.supplementalGroupsPolicy) {
    checkOneOf(sc, "supplementalGroupsPolicy", SUPPLEMENTAL_GROUPS_POLICIES, path, sink);
    if (ctx.minor < SUPPLEMENTAL_GROUPS_POLICY_ON_SINCE && typeof sc["supplementalGroupsPolicy"] === "string") {
      sink.warning(
        pathOf(path, "supplementalGroupsPolicy"),
        "feature-gate-off",
        `a 1.${ctx.minor} kubelet has the SupplementalGroupsPolicy feature gate off by default (on from 1.33): unless the node enables it, the policy does not take effect and groups are merged as before`,
      );
    }
  }
  if (ctx.minor >= FIELD_SINCE.seLinuxChangePolicy) checkSELinuxChangePolicy(sc, path, ctx, sink);
}

function checkSELinuxChangePolicy(sc: Record<string, unknown>, path: string, ctx: RuleContext, sink: IssueSink): void {
  // From 1.35 the kubelet derives its validation options from its own feature gates: with SELinuxMount off
  // (the default) only Recursive is allowed. Earlier kubelets pass empty options, which allow both.
  if (ctx.minor < ONLY_RECURSIVE_SELINUX_SINCE || sc["seLinuxChangePolicy"] !== "MountOption") {
    checkOneOf(sc, "seLinuxChangePolicy", SELINUX_CHANGE_POLICIES, path, sink);
    return;
  }
  sink.error(
    pathOf(path, "seLinuxChangePolicy"),
    "unsupported-value",
    `Unsupported value: "MountOption": supported values: "Recursive": a 1.${ctx.minor} kubelet allows MountOption only with the SELinuxMount feature gate, off by default; use Recursive or enable the gate on the node`,
  );
}

function checkContainerSecurityContext(
  sc: Record<string, unknown>,
  path: string,
  hostUsers: boolean,
  ctx: RuleContext,
  sink: IssueSink,
): void {
  checkId(sc, "runAsUser", path, sink);
  checkId(sc, "runAsGroup", path, sink);
  checkOneOf(sc, "procMount", PROC_MOUNT_TYPES, path, sink);
  if (sc["procMount"] === "Unmasked" && hostUsers && ctx.minor >= UNMASKED_NEEDS_USERNS_SINCE) {
    sink.error(
      pathOf(path, "procMount"),
      "unmasked-proc-needs-userns",
      'Invalid value: "Unmasked": `hostUsers` must be false to use `Unmasked`: set spec.hostUsers: false (a user namespace) or remove procMount',
    );
  }
  checkSeccompProfile(sc["seccompProfile"], pathOf(path, "seccompProfile"), sink);
  if (sc["allowPrivilegeEscalation"] === false) {
    if (sc["privileged"] === true) {
      sink.error(
        path,
        "privilege-escalation",
        "cannot set `allowPrivilegeEscalation` to false and `privileged` to true: a privileged container can always escalate; drop one of them",
      );
    }
    if (arrayAt(recordAt(sc, "capabilities"), "add").includes("CAP_SYS_ADMIN")) {
      sink.error(
        path,
        "privilege-escalation",
        "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN: drop one of them",
      );
    }
  }
  checkCapabilities(sc, path, sink);
  checkWindowsOptions(sc["windowsOptions"], pathOf(path, "windowsOptions"), sink);
  if (ctx.minor >= FIELD_SINCE.appArmorProfile) checkAppArmorProfile(sc["appArmorProfile"], pathOf(path, "appArmorProfile"), sink);
}

/** runAsNonRoot with a runAsUser of 0 (each possibly from the pod): the kubelet refuses to start the container. */
function checkNonRoot(podSc: Record<string, unknown> | undefined, sc: Record<string, unknown> | undefined, path: string, sink: IssueSink): void {
  const nonRoot = sc?.["runAsNonRoot"] ?? podSc?.["runAsNonRoot"];
  const user = sc?.["runAsUser"] ?? podSc?.["runAsUser"];
  if (nonRoot !== true || user !== 0) return;
  sink.warning(
    pathOf(path, "securityContext", "runAsUser"),
    "non-root-policy",
    "container's runAsUser breaks non-root policy: with runAsNonRoot: true the kubelet refuses to start a container running as user 0. Set another runAsUser or drop runAsNonRoot",
  );
}

/** Pod-level and container-level security contexts: ids, profiles, procMount, privilege escalation, policies (per kubelet minor). */
export const securityContextRule: PodRule = (pod, base, ctx, sink) => {
  const { spec, specPath } = specOf(pod, base);
  if (spec === undefined) return;
  checkPodSecurityContext(spec, specPath, ctx, sink);
  const hostUsers = !usesUserNamespace(spec);
  const podSc = recordAt(spec, "securityContext");
  for (const { container, path } of podContainers(spec, specPath)) {
    const sc = recordAt(container, "securityContext");
    if (sc !== undefined) checkContainerSecurityContext(sc, pathOf(path, "securityContext"), hostUsers, ctx, sink);
    if (!isWindowsPod(spec)) checkNonRoot(podSc, sc, path, sink);
  }
};
