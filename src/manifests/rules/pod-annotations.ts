// The pod-specific annotations (ValidatePodSpecificAnnotations) and their agreement with the seccomp and AppArmor
// fields (validateSeccompAnnotationsAndFields, validateAppArmorAnnotationsAndFieldsMatchOnCreate).
import { IssueSink, isRecord, pathOf, recordAt, stringAt } from "../validate-walk.js";
import type { PodRule, RuleContext } from "./context.js";
import { isWindowsPod, podContainers, specOf, type PodContainer } from "./pod-parts.js";
import { FIELD_SINCE } from "./security-context.js";
import { localDescendingPathProblem } from "./security-profiles.js";

const SECCOMP_POD = "seccomp.security.alpha.kubernetes.io/pod";
const SECCOMP_CONTAINER_PREFIX = "container.seccomp.security.alpha.kubernetes.io/";
const APPARMOR_CONTAINER_PREFIX = "container.apparmor.security.beta.kubernetes.io/";
const DELETION_COST = "controller.kubernetes.io/pod-deletion-cost";
const TOLERATIONS = "scheduler.alpha.kubernetes.io/tolerations";
const MIRROR = "kubernetes.io/config.mirror";
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

function seccompAnnotationProblem(value: string): string | undefined {
  if (value === "runtime/default" || value === "docker/default" || value === "unconfined") return undefined;
  if (value.startsWith("localhost/")) return localDescendingPathProblem(value.slice("localhost/".length));
  return "must be a valid seccomp profile: runtime/default, unconfined or localhost/<path>";
}

function appArmorAnnotationProblem(value: string): string | undefined {
  if (value === "" || value === "runtime/default" || value === "unconfined" || value.startsWith("localhost/")) return undefined;
  return `invalid AppArmor profile name: "${value}": use runtime/default, unconfined or localhost/<profile>`;
}

function deletionCostProblem(value: string): string | undefined {
  // No "+", no leading zeros, then a 32-bit integer (helper.GetDeletionCostFromPodAnnotations).
  if (!/^(0|[1-9]\d*|-\d+)$/.test(value)) return "must be a 32bit integer";
  const n = Number(value);
  return n < INT32_MIN || n > INT32_MAX ? "must be a 32bit integer" : undefined;
}

function checkValues(annotations: Record<string, unknown>, path: string, names: Set<string>, ctx: RuleContext, sink: IssueSink): void {
  for (const [key, raw] of Object.entries(annotations)) {
    if (typeof raw !== "string") continue;
    const at = pathOf(path, key);
    if (key === SECCOMP_POD || key.startsWith(SECCOMP_CONTAINER_PREFIX)) {
      const problem = seccompAnnotationProblem(raw);
      if (problem !== undefined) sink.error(at, "invalid-seccomp-annotation", `"${raw}": ${problem}`);
      else sink.warning(at, "deprecated-annotation", "seccomp annotations are deprecated: set securityContext.seccompProfile instead");
    } else if (key.startsWith(APPARMOR_CONTAINER_PREFIX)) {
      const container = key.slice(APPARMOR_CONTAINER_PREFIX.length);
      if (!names.has(container)) sink.error(at, "apparmor-container-not-found", `"${container}": container not found: the annotation must name a container of this pod`);
      const problem = appArmorAnnotationProblem(raw);
      if (problem !== undefined) sink.error(at, "invalid-apparmor-annotation", problem);
      else if (ctx.minor >= FIELD_SINCE.appArmorProfile) {
        sink.warning(at, "deprecated-annotation", "AppArmor annotations are deprecated since 1.30: set securityContext.appArmorProfile instead");
      }
    } else if (key === MIRROR) {
      sink.warning(
        at,
        "mirror-annotation",
        `${MIRROR} marks a mirror pod: the kubelet takes this pod for the API copy of a static pod and never runs it. Remove the annotation`,
      );
    } else if (key === DELETION_COST) {
      const problem = deletionCostProblem(raw);
      if (problem !== undefined) sink.error(at, "invalid-deletion-cost", `"${raw}": ${problem}`);
    } else if (key === TOLERATIONS && raw !== "") {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        parsed = undefined;
      }
      const isList = parsed === null || (Array.isArray(parsed) && parsed.every((t) => t === null || isRecord(t)));
      if (!isList) sink.error(path, "invalid-tolerations-annotation", `${TOLERATIONS}: must be a JSON list of tolerations`);
    }
  }
}

/** Which part of a profile field an annotation disagrees with, or undefined when they agree. */
function profileMismatch(annotation: string, field: Record<string, unknown>, runtimeDefault: readonly string[]): "type" | "localhostProfile" | undefined {
  const type = stringAt(field, "type");
  if (type === "Unconfined") return annotation === "unconfined" ? undefined : "type";
  if (type === "RuntimeDefault") return runtimeDefault.includes(annotation) ? undefined : "type";
  if (type !== "Localhost") return undefined;
  if (!annotation.startsWith("localhost/")) return "type";
  return annotation.slice("localhost/".length) === stringAt(field, "localhostProfile") ? undefined : "localhostProfile";
}

const SECCOMP_RUNTIME_DEFAULT = ["runtime/default", "docker/default"];
const APPARMOR_RUNTIME_DEFAULT = ["runtime/default"];

function reportMismatch(kind: "seccomp" | "apparmor", which: "type" | "localhostProfile", path: string, key: string, sink: IssueSink): void {
  const what = which === "type" ? "type" : "profile";
  sink.error(
    pathOf(path, which),
    `${kind}-annotation-mismatch`,
    `Forbidden: ${kind} ${what} in annotation and field must match: annotation ${key} says otherwise; make them agree or drop the annotation`,
  );
}

function checkAgreement(annotations: Record<string, unknown>, spec: Record<string, unknown>, specPath: string, ctx: RuleContext, sink: IssueSink): void {
  const podSc = recordAt(spec, "securityContext");
  const podSeccomp = recordAt(podSc, "seccompProfile");
  const podAnnotation = annotations[SECCOMP_POD];
  if (podSeccomp !== undefined && typeof podAnnotation === "string") {
    const which = profileMismatch(podAnnotation, podSeccomp, SECCOMP_RUNTIME_DEFAULT);
    if (which !== undefined) reportMismatch("seccomp", which, pathOf(specPath, "securityContext", "seccompProfile"), SECCOMP_POD, sink);
  }
  const checkAppArmor = ctx.minor >= FIELD_SINCE.appArmorProfile && !isWindowsPod(spec);
  for (const c of podContainers(spec, specPath)) checkContainerAgreement(c, annotations, podSc, checkAppArmor, sink);
}

function checkContainerAgreement(
  c: PodContainer,
  annotations: Record<string, unknown>,
  podSc: Record<string, unknown> | undefined,
  checkAppArmor: boolean,
  sink: IssueSink,
): void {
  const name = stringAt(c.container, "name") ?? "";
  const sc = recordAt(c.container, "securityContext");
  const seccomp = recordAt(sc, "seccompProfile");
  const seccompKey = SECCOMP_CONTAINER_PREFIX + name;
  const seccompAnnotation = annotations[seccompKey];
  if (seccomp !== undefined && typeof seccompAnnotation === "string") {
    const which = profileMismatch(seccompAnnotation, seccomp, SECCOMP_RUNTIME_DEFAULT);
    if (which !== undefined) reportMismatch("seccomp", which, pathOf(c.path, "securityContext", "seccompProfile"), seccompKey, sink);
  }
  if (!checkAppArmor) return;
  const appArmor = recordAt(sc, "appArmorProfile") ?? recordAt(podSc, "appArmorProfile");
  const appArmorKey = APPARMOR_CONTAINER_PREFIX + name;
  const appArmorAnnotation = annotations[appArmorKey];
  if (appArmor !== undefined && typeof appArmorAnnotation === "string") {
    const which = profileMismatch(appArmorAnnotation, appArmor, APPARMOR_RUNTIME_DEFAULT);
    if (which !== undefined) reportMismatch("apparmor", which, pathOf(c.path, "securityContext", "appArmorProfile"), appArmorKey, sink);
  }
}

/** Seccomp, AppArmor, deletion-cost, tolerations and mirror annotations, and seccomp/AppArmor annotations against the fields. */
export const podAnnotationsRule: PodRule = (pod, base, ctx, sink) => {
  const annotations = recordAt(recordAt(pod, "metadata"), "annotations");
  if (annotations === undefined) return;
  const { spec, specPath } = specOf(pod, base);
  const names = new Set(podContainers(spec, specPath).map((c) => stringAt(c.container, "name") ?? ""));
  checkValues(annotations, pathOf(base, "metadata", "annotations"), names, ctx, sink);
  if (isRecord(spec)) checkAgreement(annotations, spec, specPath, ctx, sink);
};
