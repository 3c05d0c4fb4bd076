// DNS: dnsPolicy, dnsConfig, hostAliases, hostname and subdomain, as the kubelet's validation judges them.
import { describe } from "node:test";
import { pod, runCases, type RuleCase } from "./cases.js";

const none = (dnsConfig?: unknown) => pod({ dnsPolicy: "None", ...(dnsConfig === undefined ? {} : { dnsConfig }) });
const searches = (list: string[]) => pod({ dnsConfig: { searches: list } });

const cases: RuleCase[] = [
  { name: "every dnsPolicy value", pod: pod({ dnsPolicy: "ClusterFirstWithHostNet", hostNetwork: true }) },
  { name: "dnsPolicy Default", pod: pod({ dnsPolicy: "Default" }) },
  { name: "unknown dnsPolicy", pod: pod({ dnsPolicy: "Cluster" }), error: ["spec.dnsPolicy", 'Unsupported value: "Cluster"'] },
  { name: "None with nameservers", pod: none({ nameservers: ["1.1.1.1"], searches: ["example.com"], options: [{ name: "ndots", value: "2" }] }) },
  { name: "None without dnsConfig", pod: none(), error: ["spec.dnsConfig", "must provide `dnsConfig` when `dnsPolicy` is None"] },
  {
    name: "None with an empty nameserver list",
    pod: none({ searches: ["example.com"] }),
    error: ["spec.dnsConfig.nameservers", "must provide at least one DNS nameserver when `dnsPolicy` is None"],
  },
  { name: "three nameservers, IPv4 and IPv6", pod: pod({ dnsConfig: { nameservers: ["1.1.1.1", "2001:db8::1", "10.0.0.10"] } }) },
  {
    name: "four nameservers",
    pod: pod({ dnsConfig: { nameservers: ["1.1.1.1", "1.1.1.2", "1.1.1.3", "1.1.1.4"] } }),
    error: ["spec.dnsConfig.nameservers", "must not have more than 3 nameservers"],
  },
  { name: "a nameserver that is not an IP", pod: pod({ dnsConfig: { nameservers: ["dns.example"] } }), error: ["spec.dnsConfig.nameservers[0]", "must be a valid IP address"] },
  { name: "32 search paths", pod: searches(Array.from({ length: 32 }, (_, i) => `s${i}.example.com`)) },
  {
    name: "33 search paths",
    pod: searches(Array.from({ length: 33 }, (_, i) => `s${i}.example.com`)),
    error: ["spec.dnsConfig.searches", "must not have more than 32 search paths"],
  },
  {
    name: "a search list over 2048 characters",
    pod: searches(Array.from({ length: 11 }, (_, i) => `${String(i)}${"a".repeat(62)}.${"b".repeat(63)}.${"c".repeat(63)}.example`)),
    error: ["spec.dnsConfig.searches", "must not have more than 2048 characters"],
  },
  { name: "a search domain with a trailing dot", pod: searches(["example.com."]) },
  { name: "an uppercase search domain", pod: searches(["Example.com"]), error: ["spec.dnsConfig.searches[0]", "RFC 1123 subdomain"] },
  { name: "an underscore in a search domain", pod: searches(["_sip._tcp.example.com"]) },
  { name: "the root domain as a search domain", pod: searches(["."]) },
  { name: "an underscore before RelaxedDNSSearchValidation", minor: 32, pod: searches(["_sip.example.com"]), error: ["spec.dnsConfig.searches[0]", "from v1.33"] },
  { name: "the root domain before RelaxedDNSSearchValidation", minor: 32, pod: searches(["."]), error: ["spec.dnsConfig.searches[0]", "from v1.33"] },
  { name: "an underscore from v1.33", minor: 33, pod: searches(["_sip.example.com"]) },
  { name: "an option without a name", pod: pod({ dnsConfig: { options: [{ value: "2" }] } }), error: ["spec.dnsConfig.options[0]", "must not be empty"] },
  { name: "hostAliases", pod: pod({ hostAliases: [{ ip: "10.0.0.1", hostnames: ["db", "db.example.com"] }, { ip: "::1", hostnames: ["local6"] }] }) },
  { name: "a hostAlias IP with leading zeros (read like Go's ParseIPSloppy)", pod: pod({ hostAliases: [{ ip: "010.0.0.1", hostnames: ["db"] }] }) },
  { name: "a hostAlias with a bad IP", pod: pod({ hostAliases: [{ ip: "999.1.1.1", hostnames: ["db"] }] }), error: ["spec.hostAliases[0].ip", "must be a valid IP address"] },
  { name: "a hostAlias without an IP", pod: pod({ hostAliases: [{ hostnames: ["db"] }] }), error: ["spec.hostAliases[0].ip", "must be a valid IP address"] },
  { name: "a hostAlias hostname with an underscore", pod: pod({ hostAliases: [{ ip: "10.0.0.1", hostnames: ["my_db"] }] }), error: ["spec.hostAliases[0].hostnames[0]", "RFC 1123 subdomain"] },
  { name: "hostname and subdomain", pod: pod({ hostname: "web-1", subdomain: "frontend" }) },
  { name: "a hostname with a dot", pod: pod({ hostname: "web.1" }), error: ["spec.hostname", "RFC 1123 label"] },
  { name: "a subdomain with a dot", pod: pod({ subdomain: "front.end" }), error: ["spec.subdomain", "RFC 1123 label"] },
  { name: "a hostnameOverride", pod: pod({ hostnameOverride: "web-1.example.com" }) },
  { name: "a hostnameOverride with an underscore", pod: pod({ hostnameOverride: "web_1" }), error: ["spec.hostnameOverride", "RFC 1123 subdomain"] },
  { name: "a hostnameOverride before it is on by default (warning)", minor: 34, pod: pod({ hostnameOverride: "web-1" }), warning: ["spec.hostnameOverride", "on by default from v1.35"] },
];

describe("rules: DNS", () => runCases(cases));
