// Containers: at least one, names unique across all kinds, image, pull and termination-message policies, restart policies
// (sidecars and container restart rules by kubelet version), and what a plain init container may not have.
import { labelProblem } from "../validate-names.js";
import { IssueSink, arrayAt, isRecord, isSet, pathOf, recordAt, stringAt } from "../validate-walk.js";
import { checkEnum, containersOf, isSidecar, quoted, type ContainerAt } from "./common.js";
import type { PodRule, RuleContext } from "./context.js";

const PULL_POLICIES = ["Always", "IfNotPresent", "Never"];
const TERMINATION_MESSAGE_POLICIES = ["File", "FallbackToLogsOnError"];
const RESTART_POLICIES = ["Always", "OnFailure", "Never"];
/** ContainerRestartRules (restartPolicy on regular containers, restartPolicyRules) is on by default from v1.35. */
const RESTART_RULES_MINOR = 35;
const MAX_EXIT_CODES = 255;

function checkNameAndImage(c: ContainerAt, sink: IssueSink): void {
  const name = stringAt(c.container, "name") ?? "";
  if (name === "") sink.error(pathOf(c.path, "name"), "required", "Required value: container name is required");
  else {
    const problem = labelProblem(name);
    if (problem !== undefined) sink.error(pathOf(c.path, "name"), "invalid-name", `container name "${name}" ${problem}`);
  }
  const image = stringAt(c.container, "image") ?? "";
  if (image === "") sink.error(pathOf(c.path, "image"), "required", "Required value: image is required, e.g. registry.k8s.io/pause:3.10");
  else if (image !== image.trim()) sink.error(pathOf(c.path, "image"), "invalid", `"${image}": must not have leading or trailing whitespace`);
  // Both are defaulted when empty (imagePullPolicy from the tag, terminationMessagePolicy to File).
  checkEnum(c.container, "imagePullPolicy", PULL_POLICIES, c.path, sink);
  checkEnum(c.container, "terminationMessagePolicy", TERMINATION_MESSAGE_POLICIES, c.path, sink);
}

function checkRestartPolicyRules(c: ContainerAt, ctx: RuleContext, sink: IssueSink): void {
  const rules = arrayAt(c.container, "restartPolicyRules");
  if (rules.length > 0 && ctx.minor < RESTART_RULES_MINOR) {
    sink.warning(
      pathOf(c.path, "restartPolicyRules"),
      "needs-newer-kubelet",
      `restartPolicyRules need the ContainerRestartRules feature, on by default from v1.35: this node's v1.${ctx.minor} kubelet ignores or rejects them`,
    );
  }
  if (rules.length > 0 && ctx.minor >= RESTART_RULES_MINOR && isSidecar(c)) {
    // Restart rules on sidecars come with RestartAllContainersOnContainerExits, alpha (off) in v1.35.
    sink.error(
      pathOf(c.path, "restartPolicyRules"),
      "forbidden",
      "may not be set on a sidecar (an init container with restartPolicy Always) unless the RestartAllContainersOnContainerExits feature gate is enabled: remove the rules",
    );
  }
  rules.forEach((rule, j) => {
    const at = pathOf(c.path, "restartPolicyRules", j);
    const action = stringAt(rule, "action") ?? "";
    if (action === "") sink.error(pathOf(at, "action"), "required", 'Required value: action is required (e.g. "Restart")');
    else checkEnum(rule, "action", ["Restart"], at, sink);
    if (!isSet(rule, "exitCodes")) sink.error(pathOf(at, "exitCodes"), "required", "Required value: exitCodes is required");
    checkEnum(recordAt(rule, "exitCodes"), "operator", ["In", "NotIn"], pathOf(at, "exitCodes"), sink);
    const values = arrayAt(recordAt(rule, "exitCodes"), "values");
    if (values.length > MAX_EXIT_CODES) {
      sink.error(pathOf(at, "exitCodes", "values"), "invalid", `must have at most ${MAX_EXIT_CODES} items (has ${values.length})`);
    }
  });
}

function checkRestartPolicy(c: ContainerAt, ctx: RuleContext, sink: IssueSink): void {
  const policy = stringAt(c.container, "restartPolicy");
  const at = pathOf(c.path, "restartPolicy");
  checkRestartPolicyRules(c, ctx, sink);
  if (policy === undefined || c.kind === "ephemeralContainers") return;
  if (!RESTART_POLICIES.includes(policy)) {
    const allowed = ctx.minor >= RESTART_RULES_MINOR ? RESTART_POLICIES : ["Always"];
    sink.error(at, "unsupported-value", `unsupported value "${policy}": supported values: ${quoted(allowed)}`);
    return;
  }
  if (c.kind === "initContainers" && policy === "Always") return;
  if (ctx.minor < RESTART_RULES_MINOR) {
    if (c.kind === "containers") {
      sink.error(at, "forbidden", `may not be set for non-init containers: container restartPolicy needs the ContainerRestartRules feature (on by default from v1.35); this node runs v1.${ctx.minor}. Remove it (spec.restartPolicy applies)`);
    } else {
      sink.error(at, "unsupported-value", `Unsupported value: "${policy}": supported values: "Always" (other values need the ContainerRestartRules feature, on by default from v1.35; this node runs v1.${ctx.minor})`);
    }
    return;
  }
  sink.warning(
    at,
    "needs-kubelet-1.35",
    `container restartPolicy "${policy}"${c.kind === "initContainers" ? " on an init container" : ""} needs the ContainerRestartRules feature (on by default from Kubernetes v1.35): older kubelets reject the pod`,
  );
}

function checkPlainInit(c: ContainerAt, sink: IssueSink): void {
  if (c.kind !== "initContainers" || isSidecar(c)) return;
  for (const key of ["lifecycle", "livenessProbe", "readinessProbe", "startupProbe"]) {
    if (isSet(c.container, key)) {
      sink.error(
        pathOf(c.path, key),
        "forbidden",
        `may not be set for init containers without restartPolicy=Always: only a sidecar (an init container whose restartPolicy is "Always") may have ${key}`,
      );
    }
  }
}

function checkUniqueNames(containers: readonly ContainerAt[], sink: IssueSink): void {
  const seen = new Set<string>();
  for (const c of containers) {
    const name = stringAt(c.container, "name") ?? "";
    if (name === "") continue;
    if (seen.has(name)) {
      sink.error(pathOf(c.path, "name"), "duplicate", `Duplicate value: container name "${name}" is used twice (names are unique across initContainers, containers and ephemeralContainers): rename one`);
    }
    seen.add(name);
  }
}

/** spec.containers, spec.initContainers (and ephemeral containers' names): the checks common to every container kind. */
export const containersRule: PodRule = (pod, base, ctx, sink) => {
  const spec = recordAt(pod, "spec");
  const specPath = pathOf(base, "spec");
  const list = isRecord(spec) ? spec["containers"] : undefined;
  if (list === undefined || list === null || (Array.isArray(list) && list.length === 0)) {
    sink.error(pathOf(specPath, "containers"), "required", "Required value: at least one container is required in spec.containers");
  }
  const containers = containersOf(spec, specPath);
  checkUniqueNames(containers, sink);
  for (const c of containers) {
    checkNameAndImage(c, sink);
    checkRestartPolicy(c, ctx, sink);
    checkPlainInit(c, sink);
  }
};
