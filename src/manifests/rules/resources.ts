// Container resources, pod overhead and resize policies as the kubelet validates them (ValidateContainerResourceRequirements,
// validateOverhead, validateResizePolicy). Quantity grammar and requests ≤ limits come from checkResources.
import { IssueSink, arrayAt, isRecord, pathOf, recordAt, stringAt } from "../validate-walk.js";
import type { PodRule, RuleContext } from "./context.js";
import { checkOneOf, podContainers, specOf, type PodContainer } from "./pod-parts.js";
import { checkRequirements } from "./resource-requirements.js";
import { isHugePages } from "./resource-names.js";

const RESIZE_RESOURCES = ["cpu", "memory"];
const RESIZE_RESTART_POLICIES = ["NotRequired", "RestartContainer"];
const STANDARD_CONTAINER_RESOURCES = new Set(["cpu", "memory", "ephemeral-storage"]);
/** The first kubelet minor whose static-pod validation allows resizePolicy on init containers (AllowSidecarResizePolicy). */
const INIT_RESIZE_POLICY_SINCE = 35;

function checkResizePolicy(c: PodContainer, podRestartPolicy: string, ctx: RuleContext, sink: IssueSink): void {
  const policies = arrayAt(c.container, "resizePolicy");
  const path = pathOf(c.path, "resizePolicy");
  if (policies.length === 0) return;
  if (c.kind === "initContainers" && ctx.minor < INIT_RESIZE_POLICY_SINCE) {
    sink.error(path, "resize-policy-init", `must not be set for init containers (a 1.${ctx.minor} kubelet refuses it on static pods): remove resizePolicy`);
  }
  const seen = new Set<string>();
  policies.forEach((policy, i) => {
    if (!isRecord(policy)) return;
    const name = stringAt(policy, "resourceName") ?? "";
    if (seen.has(name)) sink.error(pathOf(path, i), "duplicate", `Duplicate value: "${name}": list each resource once`);
    seen.add(name);
    checkOneOf(policy, "resourceName", RESIZE_RESOURCES, pathOf(path, i), sink, true);
    if (policy["resourceName"] === undefined) sink.error(pathOf(path, i, "resourceName"), "required", "Required value: cpu or memory");
    checkOneOf(policy, "restartPolicy", RESIZE_RESTART_POLICIES, pathOf(path, i), sink, true);
    if (policy["restartPolicy"] === undefined) sink.error(pathOf(path, i, "restartPolicy"), "required", "Required value: NotRequired or RestartContainer");
    const restart = stringAt(policy, "restartPolicy");
    if (podRestartPolicy === "Never" && restart !== undefined && restart !== "NotRequired") {
      sink.error(
        pathOf(path, i, "restartPolicy"),
        "resize-policy-never",
        `"${restart}": must be 'NotRequired' when \`restartPolicy\` is 'Never'`,
      );
    }
  });
}

function checkClaims(c: PodContainer, podClaims: ReadonlySet<string>, sink: IssueSink): void {
  const path = pathOf(c.path, "resources", "claims");
  const seen = new Set<string>();
  arrayAt(recordAt(c.container, "resources"), "claims").forEach((claim, i) => {
    const name = stringAt(claim, "name") ?? "";
    const request = stringAt(claim, "request") ?? "";
    const key = request === "" ? name : `${name}/${request}`;
    if (name === "") {
      // A missing name is a schema error already; an empty one is the kubelet's "Required value".
      if (stringAt(claim, "name") === "") sink.error(pathOf(path, i), "required", "Required value: a claim needs the name of one of spec.resourceClaims");
      return;
    }
    if (seen.has(key)) sink.error(pathOf(path, i), "duplicate", `Duplicate value: "${key}"`);
    seen.add(key);
    if (!podClaims.has(name)) {
      const known = podClaims.size === 0 ? " which is empty" : `: ${[...podClaims].sort().join(", ")}`;
      sink.error(pathOf(path, i), "claim-not-found", `Not found: "${name}": must be one of the names in pod.spec.resourceClaims${known}`);
    }
  });
}

function checkOverhead(spec: Record<string, unknown>, specPath: string, sink: IssueSink): void {
  const overhead = recordAt(spec, "overhead");
  if (overhead === undefined) return;
  const path = pathOf(specPath, "overhead");
  for (const name of Object.keys(overhead)) {
    if (!name.includes("/") && !STANDARD_CONTAINER_RESOURCES.has(name) && !isHugePages(name)) {
      sink.error(pathOf(path, name), "invalid-resource", `resource "${name}" must be a standard resource for containers (cpu, memory, ephemeral-storage, hugepages-<size>)`);
    }
  }
  // Overhead is validated as the limits of a requirements block; report at the overhead's own keys.
  checkRequirements({ limits: overhead }, path, sink, () => path);
}

/** Container resources (names, integer extended resources, non-overcommittable resources, hugepages, claims), overhead, resize policies. */
export const resourcesRule: PodRule = (pod, base, ctx, sink) => {
  const { spec, specPath } = specOf(pod, base);
  if (spec === undefined) return;
  const podRestartPolicy = stringAt(spec, "restartPolicy") ?? "Always";
  const podClaims = new Set(arrayAt(spec, "resourceClaims").map((claim) => stringAt(claim, "name") ?? ""));
  for (const c of podContainers(spec, specPath)) {
    checkRequirements(c.container["resources"], pathOf(c.path, "resources"), sink);
    checkClaims(c, podClaims, sink);
    checkResizePolicy(c, podRestartPolicy, ctx, sink);
  }
  checkOverhead(spec, specPath, sink);
};
