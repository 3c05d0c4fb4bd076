// Pod sysctls: the name grammar, duplicates and host namespaces (validateSysctls), and the kubelet's sysctl admission.
import { IssueSink, arrayAt, isRecord, pathOf, recordAt, stringAt } from "../validate-walk.js";
import type { PodRule, RuleContext } from "./context.js";
import { specOf } from "./pod-parts.js";

const SYSCTL_MAX = 253;
const SYSCTL_NAME = /^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$/;
const SYSCTL_REGEX_TEXT = "^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$";

/** The kubelet's safe sysctls (pkg/kubelet/sysctl/safe_sysctls.go), with the first minor that lists each. */
const SAFE_SYSCTLS: readonly [string, number][] = [
  ["kernel.shm_rmid_forced", 0],
  ["net.ipv4.ip_local_port_range", 0],
  ["net.ipv4.tcp_syncookies", 0],
  ["net.ipv4.ping_group_range", 0],
  ["net.ipv4.ip_unprivileged_port_start", 0],
  ["net.ipv4.ip_local_reserved_ports", 0],
  ["net.ipv4.tcp_keepalive_time", 29],
  ["net.ipv4.tcp_fin_timeout", 29],
  ["net.ipv4.tcp_keepalive_intvl", 29],
  ["net.ipv4.tcp_keepalive_probes", 29],
  ["net.ipv4.tcp_rmem", 32],
  ["net.ipv4.tcp_wmem", 32],
];

type SysctlNamespace = "ipc" | "net" | undefined;

/** A sysctl name in dotted form: `net/ipv4/ip_forward` → `net.ipv4.ip_forward` (utilsysctl.NormalizeName). */
export function normalizeSysctl(name: string): string {
  const firstSep = name.search(/[./]/);
  if (firstSep < 0 || name[firstSep] !== "/") return name;
  return name.replace(/[./]/g, (c) => (c === "/" ? "." : "/"));
}

/** The kernel namespace a sysctl belongs to (utilsysctl.GetNamespace), or undefined for a node-wide sysctl. */
export function sysctlNamespace(name: string): SysctlNamespace {
  const n = normalizeSysctl(name);
  if (n === "kernel.sem" || n.startsWith("kernel.shm") || n.startsWith("kernel.msg") || n.startsWith("fs.mqueue.")) return "ipc";
  if (n.startsWith("net.")) return "net";
  return undefined;
}

function checkAdmission(name: string, path: string, ctx: RuleContext, sink: IssueSink): void {
  const normalized = normalizeSysctl(name);
  if (SAFE_SYSCTLS.some(([safe, since]) => safe === normalized && ctx.minor >= since)) return;
  if (sysctlNamespace(name) === undefined) {
    sink.error(
      path,
      "sysctl-forbidden",
      `"${name}" not allowlisted: it is not a namespaced sysctl, so the kubelet refuses the pod at admission (SysctlForbidden) whatever its --allowed-unsafe-sysctls says. Set it on the node instead`,
    );
    return;
  }
  sink.warning(
    path,
    "unsafe-sysctl",
    `"${name}" is not one of the kubelet's safe sysctls: the kubelet refuses the pod at admission (SysctlForbidden) unless the node allows it with --allowed-unsafe-sysctls (allowedUnsafeSysctls)`,
  );
}

/** Sysctl names (grammar, duplicates), namespaced sysctls with hostNetwork/hostIPC, and the kubelet's safe-sysctl admission. */
export const sysctlsRule: PodRule = (pod, base, ctx, sink) => {
  const { spec, specPath } = specOf(pod, base);
  const sysctls = arrayAt(recordAt(spec, "securityContext"), "sysctls");
  const path = pathOf(specPath, "securityContext", "sysctls");
  const seen = new Set<string>();
  sysctls.forEach((sysctl, i) => {
    if (!isRecord(sysctl)) return;
    const at = pathOf(path, i, "name");
    const name = stringAt(sysctl, "name") ?? "";
    if (name === "") {
      sink.error(at, "required", "Required value: every sysctl needs a name");
      return;
    }
    if (name.length > SYSCTL_MAX || !SYSCTL_NAME.test(name)) {
      sink.error(at, "invalid-sysctl", `"${name}": must have at most ${SYSCTL_MAX} characters and match regex ${SYSCTL_REGEX_TEXT}`);
    } else if (seen.has(name)) {
      sink.error(at, "duplicate", `Duplicate value: "${name}": set each sysctl once`);
    }
    seen.add(name);
    const ns = sysctlNamespace(name);
    if (ns === "net" && spec?.["hostNetwork"] === true) {
      sink.error(at, "sysctl-host-namespace", `"${name}": may not be specified when 'hostNetwork' is true: it would change the node's network stack; set it on the node instead`);
    } else if (ns === "ipc" && spec?.["hostIPC"] === true) {
      sink.error(at, "sysctl-host-namespace", `"${name}": may not be specified when 'hostIPC' is true: it would change the node's IPC namespace; set it on the node instead`);
    } else if (SYSCTL_NAME.test(name)) checkAdmission(name, at, ctx, sink);
  });
};
