// Pod sysctls: names, duplicates, host namespaces (facts from TestValidateSysctls and TestValidateHostSysctl) and the kubelet's safe set.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { normalizeSysctl, sysctlNamespace } from "../../../src/manifests/rules/sysctls.js";
import { runCases, type Obj, type RuleCase } from "./rule-cases.js";

const AT = "spec.securityContext.sysctls";

function sysctls(names: string[], spec: Obj = {}): Obj {
  return { securityContext: { sysctls: names.map((name) => ({ name, value: "1" })) }, ...spec };
}

const cases: RuleCase[] = [
  { name: "safe sysctls", spec: sysctls(["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ping_group_range"]), verdict: "clean" },
  { name: "a safe sysctl in slash form", spec: sysctls(["net/ipv4/ip_local_port_range"]), verdict: "clean" },
  { name: "an interface sysctl with a dot in slash form", spec: sysctls(["net/ipv4/conf/eno2.100/rp_filter"]), verdict: { path: `${AT}[0].name`, fragment: "is not one of the kubelet's safe sysctls", severity: "warning" } },
  { name: "empty name", spec: sysctls([""]), verdict: { path: `${AT}[0].name`, fragment: "Required value" } },
  { name: "name with a double dot", spec: sysctls(["foo..bar"]), verdict: { path: `${AT}[0].name`, fragment: "must have at most 253 characters and match regex" } },
  { name: "name starting with a dash", spec: sysctls(["-foo"]), verdict: { path: `${AT}[0].name`, fragment: "match regex" } },
  { name: "name too long", spec: sysctls([`net.${"a".repeat(250)}`]), verdict: { path: `${AT}[0].name`, fragment: "at most 253 characters" } },
  { name: "duplicate name", spec: sysctls(["kernel.shm_rmid_forced", "kernel.shm_rmid_forced"]), verdict: { path: `${AT}[1].name`, fragment: 'Duplicate value: "kernel.shm_rmid_forced"' } },
  { name: "net sysctl with hostNetwork", spec: sysctls(["net.ipv4.ip_local_port_range"], { hostNetwork: true }), verdict: { path: `${AT}[0].name`, fragment: "may not be specified when 'hostNetwork' is true", code: "sysctl-host-namespace" } },
  { name: "IPC sysctl with hostNetwork", spec: sysctls(["kernel.shm_rmid_forced"], { hostNetwork: true }), verdict: "clean" },
  { name: "IPC sysctl with hostIPC", spec: sysctls(["kernel.shm_rmid_forced"], { hostIPC: true }), verdict: { path: `${AT}[0].name`, fragment: "may not be specified when 'hostIPC' is true" } },
  { name: "message queue sysctl with hostIPC", spec: sysctls(["fs.mqueue.msg_max"], { hostIPC: true }), verdict: { path: `${AT}[0].name`, fragment: "'hostIPC'" } },
  { name: "net sysctl with hostIPC", spec: sysctls(["net.ipv4.tcp_syncookies"], { hostIPC: true }), verdict: "clean" },
  { name: "unsafe namespaced sysctl", spec: sysctls(["net.core.somaxconn"]), verdict: { path: `${AT}[0].name`, fragment: "--allowed-unsafe-sysctls", severity: "warning", code: "unsafe-sysctl" } },
  { name: "node-wide sysctl", spec: sysctls(["vm.max_map_count"]), verdict: { path: `${AT}[0].name`, fragment: "not a namespaced sysctl", code: "sysctl-forbidden" } },
  // The safe set grew: the TCP keepalive sysctls from 1.29, tcp_rmem/tcp_wmem from 1.32.
  { name: "tcp_keepalive_probes is safe", spec: sysctls(["net.ipv4.tcp_keepalive_probes"]), minors: [29, 35], verdict: "clean" },
  { name: "tcp_rmem is safe from 1.32", spec: sysctls(["net.ipv4.tcp_rmem"]), minors: [32, 35], verdict: "clean" },
  { name: "tcp_rmem is unsafe before 1.32", spec: sysctls(["net.ipv4.tcp_rmem"]), minors: [31], verdict: { path: `${AT}[0].name`, fragment: "safe sysctls", severity: "warning" } },
];

runCases("sysctls", cases);

describe("sysctl names", () => {
  it("reads the slash form as the kubelet does", () => {
    assert.equal(normalizeSysctl("net/ipv4/conf/eno2.100/rp_filter"), "net.ipv4.conf.eno2/100.rp_filter");
    assert.equal(normalizeSysctl("net.ipv4.conf.eno2/100.rp_filter"), "net.ipv4.conf.eno2/100.rp_filter");
    assert.equal(sysctlNamespace("kernel/sem"), "ipc");
    assert.equal(sysctlNamespace("kernel.msgmax"), "ipc");
    assert.equal(sysctlNamespace("kernel.pid_max"), undefined);
  });
});
