// Probes and lifecycle hooks: handlers, thresholds, grace periods, and the sleep action by kubelet version.
import { describe } from "node:test";
import { container, pod, runCases, type Obj, type RuleCase } from "./cases.js";

/** The defaults the kubelet applies to a probe, spelled out. */
const DEFAULTS = { timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 };
const probe = (key: string, extra: Obj) => pod({ containers: [container({ [key]: { ...DEFAULTS, ...extra } })] });
const preStop = (handler: Obj, spec: Obj = {}) => pod({ containers: [container({ lifecycle: { preStop: handler } })], ...spec });
const C = "spec.containers[0]";

const probes: RuleCase[] = [
  { name: "an httpGet probe with headers", pod: probe("livenessProbe", { httpGet: { path: "/healthz", port: 8080, scheme: "HTTPS", httpHeaders: [{ name: "X-Probe", value: "1" }] } }) },
  { name: "a header without a value", pod: probe("readinessProbe", { httpGet: { path: "/", port: "http", httpHeaders: [{ name: "X-Empty" }] } }) },
  { name: "a header name with a space", pod: probe("readinessProbe", { httpGet: { path: "/", port: 80, httpHeaders: [{ name: "X Probe", value: "1" }] } }), error: [`${C}.readinessProbe.httpGet.httpHeaders`, "a valid HTTP header"] },
  { name: "an unknown scheme", pod: probe("livenessProbe", { httpGet: { path: "/", port: 80, scheme: "TCP" } }), error: [`${C}.livenessProbe.httpGet.scheme`, 'Unsupported value: "TCP"'] },
  { name: "a grpc probe", pod: probe("livenessProbe", { grpc: { port: 9090, service: "health" } }) },
  { name: "a grpc probe on port 0", pod: probe("livenessProbe", { grpc: { port: 0 } }), error: [`${C}.livenessProbe.grpc.port`, "between 1 and 65535"] },
  { name: "an exec probe without a command", pod: probe("startupProbe", { exec: {} }), error: [`${C}.startupProbe.exec.command`, "exec.command is required"] },
  { name: "an exec and a grpc handler", pod: probe("livenessProbe", { exec: { command: ["true"] }, grpc: { port: 1 } }), error: [`${C}.livenessProbe`, "may not specify more than 1 handler type"] },
  { name: "a readiness successThreshold of 3", pod: probe("readinessProbe", { tcpSocket: { port: 80 }, successThreshold: 3 }) },
  { name: "a liveness successThreshold of 2", pod: probe("livenessProbe", { tcpSocket: { port: 80 }, successThreshold: 2 }), error: [`${C}.livenessProbe.successThreshold`, "must be 1"] },
  { name: "a startup successThreshold of 2", pod: probe("startupProbe", { tcpSocket: { port: 80 }, successThreshold: 2 }), error: [`${C}.startupProbe.successThreshold`, "must be 1"] },
  { name: "a negative periodSeconds", pod: probe("readinessProbe", { tcpSocket: { port: 80 }, periodSeconds: -1 }), error: [`${C}.readinessProbe.periodSeconds`, "must be greater than or equal to 0"] },
  { name: "a probe terminationGracePeriodSeconds", pod: probe("livenessProbe", { tcpSocket: { port: 80 }, terminationGracePeriodSeconds: 5 }) },
  { name: "a probe terminationGracePeriodSeconds of 0", pod: probe("livenessProbe", { tcpSocket: { port: 80 }, terminationGracePeriodSeconds: 0 }), error: [`${C}.livenessProbe.terminationGracePeriodSeconds`, "must be greater than 0"] },
  { name: "terminationGracePeriodSeconds on a readiness probe", pod: probe("readinessProbe", { tcpSocket: { port: 80 }, terminationGracePeriodSeconds: 5 }), error: [`${C}.readinessProbe.terminationGracePeriodSeconds`, "must not be set for readinessProbes"] },
];

const hooks: RuleCase[] = [
  { name: "a preStop exec hook", pod: preStop({ exec: { command: ["sh", "-c", "sleep 5"] } }) },
  { name: "a postStart httpGet hook", pod: pod({ containers: [container({ lifecycle: { postStart: { httpGet: { path: "/start", port: 8080 } } } })] }) },
  { name: "a hook without a handler", pod: preStop({}), error: [`${C}.lifecycle.preStop`, "must specify a handler type"] },
  { name: "a grpc hook (probes only)", pod: preStop({ grpc: { port: 1 } }), error: [`${C}.lifecycle.preStop`, "must specify a handler type"] },
  { name: "a sleep of 10s within the default 30s grace period", pod: preStop({ sleep: { seconds: 10 } }) },
  { name: "a sleep equal to the grace period", pod: preStop({ sleep: { seconds: 20 } }, { terminationGracePeriodSeconds: 20 }) },
  { name: "a preStop sleep longer than terminationGracePeriodSeconds", pod: preStop({ sleep: { seconds: 60 } }, { terminationGracePeriodSeconds: 30 }), error: [`${C}.lifecycle.preStop.sleep.seconds`, "less than terminationGracePeriodSeconds (30)"] },
  { name: "a sleep longer than the default grace period", pod: preStop({ sleep: { seconds: 31 } }), error: [`${C}.lifecycle.preStop.sleep.seconds`, "less than terminationGracePeriodSeconds (30)"] },
  { name: "a sleep of 0", pod: preStop({ sleep: { seconds: 0 } }) },
  { name: "a sleep of 0", minor: 33, pod: preStop({ sleep: { seconds: 0 } }) },
  { name: "a sleep of 0", minor: 32, pod: preStop({ sleep: { seconds: 0 } }), error: [`${C}.lifecycle.preStop.sleep.seconds`, "sleep 0 is accepted from v1.33"] },
  { name: "a sleep without seconds (0)", pod: preStop({ sleep: {} }) },
  { name: "a negative sleep", pod: preStop({ sleep: { seconds: -1 } }), error: [`${C}.lifecycle.preStop.sleep.seconds`, "must be non-negative"] },
  { name: "a sleep hook before the sleep action is on by default (warning)", minor: 29, pod: preStop({ sleep: { seconds: 5 } }), warning: [`${C}.lifecycle.preStop.sleep`, "on by default from v1.30"] },
  { name: "a sleep hook from v1.30", minor: 30, pod: preStop({ sleep: { seconds: 5 } }) },
];

describe("rules: probes", () => runCases(probes));
describe("rules: lifecycle hooks", () => runCases(hooks));
