// DNS: dnsPolicy, dnsConfig (nameservers, searches, options), hostAliases, hostname and hostnameOverride (subdomain: pod-os.ts).
import { labelProblem, subdomainProblem } from "../validate-names.js";
import { IssueSink, arrayAt, isRecord, pathOf, recordAt, stringAt } from "../validate-walk.js";
import { checkEnum, checkIp, checkSubdomain } from "./common.js";
import type { PodRule, RuleContext } from "./context.js";

const DNS_POLICIES = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];
/** Limits from libc's resolver, as the kubelet enforces them. */
const MAX_NAMESERVERS = 3;
const MAX_SEARCH_PATHS = 32;
const MAX_SEARCH_LIST_CHARS = 2048;
/** RelaxedDNSSearchValidation (search domains with `_`, or `.`) is on by default from v1.33. */
const RELAXED_DNS_SEARCH_MINOR = 33;
const SUBDOMAIN_WITH_UNDERSCORE = /^[a-z0-9_]([-a-z0-9_]*[a-z0-9_])?(\.[a-z0-9_]([-a-z0-9_]*[a-z0-9_])?)*$/;

function searchProblem(search: string, relaxed: boolean): string | undefined {
  if (relaxed && search === ".") return undefined;
  const name = search.endsWith(".") ? search.slice(0, -1) : search;
  if (!relaxed) return subdomainProblem(name);
  if (name.length > 253) return `must be no more than 253 characters (is ${name.length})`;
  if (!SUBDOMAIN_WITH_UNDERSCORE.test(name)) {
    return "must be a lowercase RFC 1123 subdomain (underscores allowed): lowercase letters, digits, '-', '_' and '.'";
  }
  return undefined;
}

function checkSearches(config: Record<string, unknown>, path: string, ctx: RuleContext, sink: IssueSink): void {
  const searches = arrayAt(config, "searches").filter((s): s is string => typeof s === "string");
  const at = pathOf(path, "searches");
  if (searches.length > MAX_SEARCH_PATHS) {
    sink.error(at, "dns-config", `must not have more than ${MAX_SEARCH_PATHS} search paths (has ${searches.length}): drop some`);
  }
  const chars = searches.join(" ").length;
  if (chars > MAX_SEARCH_LIST_CHARS) {
    sink.error(at, "dns-config", `must not have more than ${MAX_SEARCH_LIST_CHARS} characters (including spaces) in the search list (has ${chars})`);
  }
  const relaxed = ctx.minor >= RELAXED_DNS_SEARCH_MINOR;
  arrayAt(config, "searches").forEach((search, i) => {
    if (typeof search !== "string") return;
    const problem = searchProblem(search, relaxed);
    if (problem === undefined) return;
    const hint = !relaxed && (search === "." || search.includes("_")) ? ` (kubelets from v1.33 accept "." and '_'; this node runs v1.${ctx.minor})` : "";
    sink.error(pathOf(at, i), "dns-config", `search domain "${search}" ${problem}${hint}`);
  });
}

function checkDnsConfig(spec: Record<string, unknown>, specPath: string, ctx: RuleContext, sink: IssueSink): void {
  const path = pathOf(specPath, "dnsConfig");
  const config = recordAt(spec, "dnsConfig");
  const nameservers = arrayAt(config, "nameservers");
  if (stringAt(spec, "dnsPolicy") === "None") {
    if (config === undefined) {
      sink.error(path, "dns-config", "must provide `dnsConfig` when `dnsPolicy` is None: add dnsConfig.nameservers, or choose another dnsPolicy");
      return;
    }
    if (nameservers.length === 0) {
      sink.error(pathOf(path, "nameservers"), "dns-config", "must provide at least one DNS nameserver when `dnsPolicy` is None: add dnsConfig.nameservers");
      return;
    }
  }
  if (config === undefined) return;
  if (nameservers.length > MAX_NAMESERVERS) {
    sink.error(pathOf(path, "nameservers"), "dns-config", `must not have more than ${MAX_NAMESERVERS} nameservers (has ${nameservers.length})`);
  }
  nameservers.forEach((ns, i) => checkIp(ns, pathOf(path, "nameservers", i), sink));
  checkSearches(config, path, ctx, sink);
  arrayAt(config, "options").forEach((option, i) => {
    const name = stringAt(option, "name");
    if (name === undefined || name === "") sink.error(pathOf(path, "options", i), "dns-config", "Required value: must not be empty: give the option a name (e.g. ndots)");
  });
}

function checkHostAliases(spec: Record<string, unknown>, specPath: string, sink: IssueSink): void {
  arrayAt(spec, "hostAliases").forEach((alias, i) => {
    const at = pathOf(specPath, "hostAliases", i);
    checkIp(isRecord(alias) ? alias["ip"] : undefined, pathOf(at, "ip"), sink);
    arrayAt(alias, "hostnames").forEach((hostname, j) => {
      if (typeof hostname === "string") checkSubdomain(hostname, pathOf(at, "hostnames", j), "hostname", sink);
    });
  });
}

/** HostnameOverride: the field exists from v1.34 and is on by default from v1.35. */
const HOSTNAME_OVERRIDE_MINOR = 35;

function checkHostnameOverride(spec: Record<string, unknown>, specPath: string, ctx: RuleContext, sink: IssueSink): void {
  const value = stringAt(spec, "hostnameOverride");
  if (value === undefined) return;
  const at = pathOf(specPath, "hostnameOverride");
  if (ctx.minor < HOSTNAME_OVERRIDE_MINOR) {
    sink.warning(at, "needs-newer-kubelet", `hostnameOverride needs the HostnameOverride feature gate, on by default from v1.35: this node's v1.${ctx.minor} kubelet ignores it unless the gate is enabled`);
    return;
  }
  checkSubdomain(value, at, "hostnameOverride", sink);
}

function checkLabelField(spec: Record<string, unknown>, key: string, specPath: string, sink: IssueSink): void {
  const value = stringAt(spec, key);
  if (value === undefined || value === "") return;
  const problem = labelProblem(value);
  if (problem !== undefined) sink.error(pathOf(specPath, key), "invalid-name", `${key} "${value}" ${problem}`);
}

/** dnsPolicy values; dnsPolicy None needs dnsConfig.nameservers; dnsConfig limits; hostAliases; hostname; hostnameOverride. */
export const dnsRule: PodRule = (pod, base, ctx, sink) => {
  const spec = recordAt(pod, "spec");
  if (spec === undefined) return;
  const specPath = pathOf(base, "spec");
  checkEnum(spec, "dnsPolicy", DNS_POLICIES, specPath, sink);
  checkDnsConfig(spec, specPath, ctx, sink);
  checkHostAliases(spec, specPath, sink);
  checkLabelField(spec, "hostname", specPath, sink);
  checkHostnameOverride(spec, specPath, ctx, sink);
};
