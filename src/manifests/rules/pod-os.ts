// spec.os and the fields each OS forbids (validateOS, validateLinux, validateWindows), plus the pod's identity fields:
// runtimeClassName, priorityClassName, preemptionPolicy, subdomain and setHostnameAsFQDN.
import { labelProblem, subdomainProblem } from "../validate-names.js";
import { IssueSink, isRecord, isSet, pathOf, recordAt, stringAt } from "../validate-walk.js";
import type { PodRule, RuleContext } from "./context.js";
import { checkOneOf, podContainers, specOf } from "./pod-parts.js";
import { FIELD_SINCE } from "./security-context.js";

const OS_NAMES = ["linux", "windows"];
const PREEMPTION_POLICIES = ["Never", "PreemptLowerPriority"];
const WINDOWS_FORBIDDEN_POD_SC = ["seLinuxOptions", "seccompProfile", "fsGroup", "fsGroupChangePolicy", "sysctls", "runAsUser", "runAsGroup", "supplementalGroups"];
const WINDOWS_FORBIDDEN_CONTAINER_SC = ["seLinuxOptions", "seccompProfile", "capabilities", "readOnlyRootFilesystem", "privileged", "allowPrivilegeEscalation", "procMount", "runAsUser", "runAsGroup"];
/** Longest hostname the kubelet accepts when setHostnameAsFQDN makes the FQDN the hostname (Linux HOST_NAME_MAX). */
const MAX_FQDN = 64;

function forbidWindows(obj: unknown, keys: readonly string[], path: string, sink: IssueSink): void {
  for (const key of keys) {
    if (isSet(obj, key)) sink.error(pathOf(path, key), "forbidden-for-os", `Forbidden: cannot be set for a windows pod: remove ${key} (it has no meaning on Windows)`);
  }
}

/** Pod security-context fields a windows pod may not set, for this kubelet minor. */
function windowsPodFields(ctx: RuleContext): string[] {
  const keys = [...WINDOWS_FORBIDDEN_POD_SC];
  if (ctx.minor >= FIELD_SINCE.appArmorProfile) keys.push("appArmorProfile");
  if (ctx.minor >= FIELD_SINCE.supplementalGroupsPolicy) keys.push("supplementalGroupsPolicy");
  if (ctx.minor >= FIELD_SINCE.seLinuxChangePolicy) keys.push("seLinuxChangePolicy");
  return keys;
}

function checkWindows(spec: Record<string, unknown>, specPath: string, ctx: RuleContext, sink: IssueSink): void {
  forbidWindows(recordAt(spec, "securityContext"), windowsPodFields(ctx), pathOf(specPath, "securityContext"), sink);
  // hostPID, hostIPC and shareProcessNamespace only count when true; hostUsers whenever it is set.
  for (const key of ["hostPID", "hostIPC"]) {
    if (spec[key] === true) forbidWindows(spec, [key], specPath, sink);
  }
  forbidWindows(spec, ["hostUsers", "shareProcessNamespace"], specPath, sink);
  const containerKeys = [...WINDOWS_FORBIDDEN_CONTAINER_SC];
  if (ctx.minor >= FIELD_SINCE.appArmorProfile) containerKeys.push("appArmorProfile");
  for (const { container, path } of podContainers(spec, specPath)) {
    forbidWindows(recordAt(container, "securityContext"), containerKeys, pathOf(path, "securityContext"), sink);
  }
}

function checkLinux(spec: Record<string, unknown>, specPath: string, sink: IssueSink): void {
  const message = "Forbidden: windows options cannot be set for a linux pod: remove windowsOptions or set spec.os.name: windows";
  const podPath = pathOf(specPath, "securityContext", "windowsOptions");
  if (isSet(recordAt(spec, "securityContext"), "windowsOptions")) sink.error(podPath, "forbidden-for-os", message);
  for (const { container, path } of podContainers(spec, specPath)) {
    if (isSet(recordAt(container, "securityContext"), "windowsOptions")) {
      sink.error(pathOf(path, "securityContext", "windowsOptions"), "forbidden-for-os", message);
    }
  }
}

function checkOs(spec: Record<string, unknown>, specPath: string, ctx: RuleContext, sink: IssueSink): void {
  const os = recordAt(spec, "os");
  if (os === undefined) return;
  const path = pathOf(specPath, "os");
  const name = stringAt(os, "name") ?? "";
  if (name === "") {
    sink.error(pathOf(path, "name"), "required", "Required value: cannot be empty: set linux or windows");
    return;
  }
  if (!OS_NAMES.includes(name)) {
    sink.error(path, "unsupported-value", `Unsupported value: "${name}": supported values: "linux", "windows"`);
    return;
  }
  if (name === "linux") checkLinux(spec, specPath, sink);
  else checkWindows(spec, specPath, ctx, sink);
}

function checkName(spec: Record<string, unknown>, key: string, specPath: string, sink: IssueSink, problemOf: (s: string) => string | undefined): void {
  const value = stringAt(spec, key);
  if (value === undefined || (value === "" && key !== "runtimeClassName")) return;
  const problem = problemOf(value);
  if (problem !== undefined) sink.error(pathOf(specPath, key), "invalid-name", `Invalid value: "${value}": ${key} ${problem}`);
}

function checkFqdn(pod: unknown, spec: Record<string, unknown>, specPath: string, ctx: RuleContext, sink: IssueSink): void {
  const subdomain = stringAt(spec, "subdomain");
  if (spec["setHostnameAsFQDN"] !== true || subdomain === undefined || subdomain === "") return;
  const metadata = recordAt(pod, "metadata");
  const podName = stringAt(metadata, "name") ?? "";
  const hostname = stringAt(spec, "hostname") || (ctx.nodeName !== undefined ? `${podName}-${ctx.nodeName.toLowerCase()}` : podName);
  const namespace = stringAt(metadata, "namespace") || "default";
  const fqdn = `${hostname.slice(0, 63)}.${subdomain}.${namespace}.svc.cluster.local`;
  if (fqdn.length > MAX_FQDN) {
    sink.warning(
      pathOf(specPath, "setHostnameAsFQDN"),
      "fqdn-too-long",
      `with the usual cluster domain the FQDN "${fqdn}" is ${fqdn.length} characters: the kubelet fails to start the pod ("FQDN ... is too long (64 characters is the max)"). Shorten hostname or subdomain, or drop setHostnameAsFQDN`,
    );
  }
}

/** spec.os (and what it forbids), runtimeClassName, priorityClassName, preemptionPolicy, subdomain, setHostnameAsFQDN. */
export const podOsRule: PodRule = (pod, base, ctx, sink) => {
  const { spec, specPath } = specOf(pod, base);
  if (spec === undefined) return;
  checkOs(spec, specPath, ctx, sink);
  checkName(spec, "runtimeClassName", specPath, sink, subdomainProblem);
  checkName(spec, "priorityClassName", specPath, sink, subdomainProblem);
  checkName(spec, "subdomain", specPath, sink, labelProblem);
  checkOneOf(spec, "preemptionPolicy", PREEMPTION_POLICIES, specPath, sink, true);
  if (isRecord(spec)) checkFqdn(pod, spec, specPath, ctx, sink);
};
