// Probes and lifecycle hooks: one handler each, handler fields, thresholds, grace periods, the sleep action by version.
import { ianaSvcNameProblem } from "../validate-names.js";
import { IssueSink, arrayAt, isRecord, isSet, numberAt, pathOf, recordAt, stringAt } from "../validate-walk.js";
import { containersOf, gracePeriodOf, isSidecar, quoted, type ContainerAt } from "./common.js";
import type { PodRule, RuleContext } from "./context.js";

const PROBES = ["livenessProbe", "readinessProbe", "startupProbe"];
const PROBE_HANDLERS = ["exec", "httpGet", "tcpSocket", "grpc"];
const HOOK_HANDLERS = ["exec", "httpGet", "tcpSocket", "sleep"];
const NON_NEGATIVE = ["initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"];
const SCHEMES = ["HTTP", "HTTPS"];
/** RFC 7230 token: an HTTP header name. */
const HEADER_NAME = /^[-A-Za-z0-9!#$%&'*+.^_`|~]+$/;
/** PodLifecycleSleepAction is on by default from v1.30; PodLifecycleSleepActionAllowZero (sleep 0) from v1.33. */
const SLEEP_ACTION_MINOR = 30;
const SLEEP_ZERO_MINOR = 33;

function checkPortNumOrName(value: unknown, at: string, sink: IssueSink): void {
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 1 || value > 65535) sink.error(at, "invalid-port", `${value}: must be between 1 and 65535, inclusive`);
  } else if (typeof value === "string") {
    const problem = ianaSvcNameProblem(value);
    if (problem !== undefined) sink.error(at, "invalid-port", `port name "${value}" ${problem}`);
  } else sink.error(at, "required", "Required value: port is required: a number (1-65535) or the name of a container port");
}

function checkHttpGet(http: Record<string, unknown>, at: string, sink: IssueSink): void {
  // path defaults to "/" and scheme to HTTP, so only explicit values are judged.
  checkPortNumOrName(http["port"], pathOf(at, "port"), sink);
  const scheme = stringAt(http, "scheme");
  if (scheme !== undefined && !SCHEMES.includes(scheme)) {
    sink.error(pathOf(at, "scheme"), "unsupported-value", `Unsupported value: "${scheme}": supported values: ${quoted(SCHEMES)}`);
  }
  for (const header of arrayAt(http, "httpHeaders")) {
    const name = stringAt(header, "name") ?? "";
    // A header without a value is valid: only the name is checked.
    if (!HEADER_NAME.test(name)) {
      sink.error(pathOf(at, "httpHeaders"), "invalid-header", `"${name}": a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name')`);
    }
  }
}

function checkSleep(sleep: Record<string, unknown>, at: string, grace: number | undefined, ctx: RuleContext, sink: IssueSink): void {
  if (ctx.minor < SLEEP_ACTION_MINOR) {
    sink.warning(at, "needs-newer-kubelet", `the sleep action needs the PodLifecycleSleepAction feature gate, on by default from v1.30: this node's v1.${ctx.minor} kubelet cannot run the hook unless the gate is enabled`);
  }
  const seconds = numberAt(sleep, "seconds") ?? 0;
  if (grace === undefined) return;
  const allowZero = ctx.minor >= SLEEP_ZERO_MINOR;
  if (seconds < (allowZero ? 0 : 1) || seconds > grace) {
    const rule = allowZero ? "must be non-negative" : "must be greater than 0";
    const zeroHint = !allowZero && seconds === 0 ? ` (sleep 0 is accepted from v1.33; this node runs v1.${ctx.minor})` : "";
    sink.error(pathOf(at, "seconds"), "invalid-sleep", `${seconds}: ${rule} and less than terminationGracePeriodSeconds (${grace})${zeroHint}: lower the sleep or raise terminationGracePeriodSeconds`);
  }
}

function checkHandler(handler: Record<string, unknown>, kinds: readonly string[], at: string, grace: number | undefined, ctx: RuleContext, sink: IssueSink): void {
  const set = kinds.filter((k) => isSet(handler, k));
  if (set.length === 0) sink.error(at, "required", `Required value: must specify a handler type: one of ${kinds.join(", ")}`);
  if (set.length > 1) {
    sink.error(at, "invalid-handler", `may not specify more than 1 handler type: found more than one handler (${set.join(", ")}), keep one`);
  }
  const kind = set[0];
  const action = kind === undefined ? undefined : recordAt(handler, kind);
  if (kind === undefined || action === undefined) return;
  const actionPath = pathOf(at, kind);
  if (kind === "exec" && arrayAt(action, "command").length === 0) sink.error(pathOf(actionPath, "command"), "required", "Required value: exec.command is required");
  else if (kind === "httpGet") checkHttpGet(action, actionPath, sink);
  else if (kind === "tcpSocket") checkPortNumOrName(action["port"], pathOf(actionPath, "port"), sink);
  else if (kind === "grpc") {
    const port = action["port"];
    if (typeof port !== "number") sink.error(pathOf(actionPath, "port"), "required", "Required value: grpc.port is required (1-65535)");
    else checkPortNumOrName(port, pathOf(actionPath, "port"), sink);
  } else if (kind === "sleep") checkSleep(action, actionPath, grace, ctx, sink);
}

function checkProbe(probe: Record<string, unknown>, key: string, at: string, grace: number | undefined, ctx: RuleContext, sink: IssueSink): void {
  checkHandler(probe, PROBE_HANDLERS, at, grace, ctx, sink);
  for (const field of NON_NEGATIVE) {
    const value = numberAt(probe, field);
    if (value !== undefined && value < 0) sink.error(pathOf(at, field), "invalid-probe", `${value}: must be greater than or equal to 0`);
  }
  const success = numberAt(probe, "successThreshold");
  if (key !== "readinessProbe" && success !== undefined && success !== 1) {
    sink.error(pathOf(at, "successThreshold"), "invalid-probe", `${success}: must be 1 (successThreshold must be 1 for a ${key})`);
  }
  if (isSet(probe, "terminationGracePeriodSeconds")) {
    const value = numberAt(probe, "terminationGracePeriodSeconds") ?? 0;
    if (key === "readinessProbe") {
      sink.error(pathOf(at, "terminationGracePeriodSeconds"), "invalid-probe", `${value}: must not be set for readinessProbes`);
    } else if (value <= 0) {
      sink.error(pathOf(at, "terminationGracePeriodSeconds"), "invalid-probe", `${value}: must be greater than 0`);
    }
  }
}

function checkContainer(c: ContainerAt, grace: number | undefined, ctx: RuleContext, sink: IssueSink): void {
  // Plain init containers and ephemeral containers may have neither probes nor hooks (reported by the containers rule).
  if (c.kind === "ephemeralContainers" || (c.kind === "initContainers" && !isSidecar(c))) return;
  for (const key of PROBES) {
    const probe = recordAt(c.container, key);
    if (probe !== undefined) checkProbe(probe, key, pathOf(c.path, key), grace, ctx, sink);
  }
  const lifecycle = recordAt(c.container, "lifecycle");
  for (const hook of ["postStart", "preStop"]) {
    const handler = recordAt(lifecycle, hook);
    if (handler !== undefined) checkHandler(handler, HOOK_HANDLERS, pathOf(c.path, "lifecycle", hook), grace, ctx, sink);
  }
}

/** Probes and lifecycle hooks of regular and sidecar containers. */
export const probesRule: PodRule = (pod, base, ctx, sink) => {
  const spec = recordAt(pod, "spec");
  const grace = gracePeriodOf(spec);
  for (const c of containersOf(spec, pathOf(base, "spec"))) {
    if (isRecord(c.container)) checkContainer(c, grace, ctx, sink);
  }
};
