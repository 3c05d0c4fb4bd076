// Pod-level resources (spec.resources) as the kubelet validates them from 1.35 (validatePodResources), with the
// containers' aggregate requests and each container's limits against them.
import { parseQuantityNano } from "../validate-quantity.js";
import { IssueSink, isRecord, pathOf, recordAt } from "../validate-walk.js";
import type { PodRule, RuleContext } from "./context.js";
import { podContainers, quotedList, specOf, type PodContainer } from "./pod-parts.js";
import { checkRequirements } from "./resource-requirements.js";
import { isHugePages } from "./resource-names.js";

/** The first kubelet minor that validates spec.resources of a static pod (earlier ones pass empty validation options). */
const POD_RESOURCES_VALIDATED_SINCE = 35;
/** The first kubelet minor whose API has spec.resources, and the first with the PodLevelResources gate on by default. */
const POD_RESOURCES_FIELD_SINCE = 32;
const POD_RESOURCES_ON_SINCE = 34;
const SUPPORTED = ["cpu", "hugepages-", "memory"];

function isSupported(name: string): boolean {
  return name === "cpu" || name === "memory" || isHugePages(name);
}

function quantities(list: unknown): Map<string, bigint> {
  const out = new Map<string, bigint>();
  if (!isRecord(list)) return out;
  for (const [name, value] of Object.entries(list)) {
    const nano = parseQuantityNano(value);
    if (nano !== undefined) out.set(name, nano);
  }
  return out;
}

function add(into: Map<string, bigint>, from: Map<string, bigint>): void {
  for (const [name, value] of from) into.set(name, (into.get(name) ?? 0n) + value);
}

function max(into: Map<string, bigint>, from: Map<string, bigint>): void {
  for (const [name, value] of from) if (value > (into.get(name) ?? 0n)) into.set(name, value);
}

/**
 * The containers' aggregate requests or limits (resourcehelper.AggregateContainerRequests/Limits): regular
 * containers and sidecars summed, each init container at its peak beside the sidecars started before it.
 */
export function aggregate(containers: readonly PodContainer[], key: "requests" | "limits"): Map<string, bigint> {
  const regular = new Map<string, bigint>();
  const sidecars = new Map<string, bigint>();
  const initPeak = new Map<string, bigint>();
  for (const c of containers) {
    const requests = quantities(recordAt(c.container, "resources")?.[key]);
    if (c.kind === "containers") {
      add(regular, requests);
    } else if (c.container["restartPolicy"] === "Always") {
      add(regular, requests);
      add(sidecars, requests);
      max(initPeak, sidecars);
    } else {
      const running = new Map(sidecars);
      add(running, requests);
      max(initPeak, running);
    }
  }
  max(regular, initPeak);
  return regular;
}

function checkConsistency(spec: Record<string, unknown>, specPath: string, path: string, sink: IssueSink): void {
  const resources = recordAt(spec, "resources");
  const podRequests = quantities(resources?.["requests"]);
  const podLimits = quantities(resources?.["limits"]);
  const containers = podContainers(spec, specPath);
  for (const [name, total] of aggregate(containers, "requests")) {
    if (!isSupported(name)) continue;
    const podRequest = podRequests.get(name) ?? podLimits.get(name) ?? 0n;
    if (total > podRequest) {
      sink.error(
        pathOf(path, "requests", name),
        "pod-requests-below-containers",
        `must be greater than or equal to aggregate container requests of ${formatNano(total)}: raise the pod-level ${name} request or lower the containers' requests`,
      );
    }
  }
  for (const [name, total] of aggregate(containers, "limits")) {
    const podLimit = podLimits.get(name);
    if (isHugePages(name) && podLimit !== undefined && total > podLimit) {
      sink.error(
        pathOf(path, "limits", name),
        "pod-limits-below-containers",
        `must be greater than or equal to aggregate container limits of ${formatNano(total)}: hugepages cannot be overcommitted, raise the pod-level ${name} limit`,
      );
    }
  }
  for (const c of containers) {
    if (c.kind !== "containers") continue;
    for (const [name, limit] of quantities(recordAt(c.container, "resources")?.["limits"])) {
      const podLimit = podLimits.get(name);
      if (podLimit !== undefined && limit > podLimit) {
        sink.error(
          pathOf(c.path, "resources", "limits", name),
          "container-limit-above-pod",
          `must be less than or equal to pod limits of ${formatNano(podLimit)}: lower the container's ${name} limit or raise the pod's`,
        );
      }
    }
  }
}

/** A nano-unit quantity as a short decimal with the m/n suffix where needed (for messages). */
export function formatNano(nano: bigint): string {
  if (nano % 10n ** 9n === 0n) return String(nano / 10n ** 9n);
  if (nano % 10n ** 6n === 0n) return `${nano / 10n ** 6n}m`;
  return `${nano}n`;
}

function warnGateOff(resources: Record<string, unknown>, path: string, ctx: RuleContext, sink: IssueSink): void {
  // The admission check counts only cpu and memory (resource.IsPodLevelResourcesSet on 1.32 and 1.33).
  const names = ["requests", "limits"].flatMap((key) => Object.keys(recordAt(resources, key) ?? {}));
  if (!names.some((name) => name === "cpu" || name === "memory")) return;
  if (ctx.minor >= POD_RESOURCES_FIELD_SINCE && ctx.minor < POD_RESOURCES_ON_SINCE) {
    sink.warning(
      path,
      "feature-gate-off",
      `a 1.${ctx.minor} kubelet has the PodLevelResources feature gate off by default and then refuses the pod at admission (PodLevelResourcesNotSupported: "PodLevelResources feature gate is disabled"): enable the gate on the node (on by default from 1.34) or move the resources to the containers`,
    );
  }
}

function checkPodResources(spec: Record<string, unknown>, resources: Record<string, unknown>, specPath: string, path: string, sink: IssueSink): void {
  if (resources["claims"] !== undefined && resources["claims"] !== null) {
    sink.error(pathOf(path, "claims"), "pod-level-claims", "Forbidden: claims cannot be set for Resources at pod-level: move them to a container's resources.claims");
  }
  for (const key of ["limits", "requests"]) {
    for (const name of Object.keys(recordAt(resources, key) ?? {})) {
      if (!isSupported(name)) {
        sink.error(pathOf(path, key, name), "unsupported-pod-resource", `Unsupported value: "${name}": supported values: ${quotedList(SUPPORTED)}`);
      }
    }
  }
  checkRequirements(resources, path, sink);
  checkConsistency(spec, specPath, path, sink);
}

/**
 * spec.resources: supported names, no claims, the requirement rules, and consistency with the containers, as a
 * 1.35 kubelet refuses them. A 1.34 kubelet runs the pod without validating them: there they are warnings.
 */
export const podResourcesRule: PodRule = (pod, base, ctx, sink) => {
  const { spec, specPath } = specOf(pod, base);
  const path = pathOf(specPath, "resources");
  const resources = spec?.["resources"];
  if (spec === undefined || !isRecord(resources)) return;
  if (ctx.minor >= POD_RESOURCES_VALIDATED_SINCE) {
    checkPodResources(spec, resources, specPath, path, sink);
    return;
  }
  warnGateOff(resources, path, ctx, sink);
  if (ctx.minor < POD_RESOURCES_ON_SINCE) return;
  const later = new IssueSink();
  checkPodResources(spec, resources, specPath, path, later);
  for (const issue of later.issues) {
    sink.warning(
      issue.path ?? path,
      issue.code,
      `${issue.message} (a 1.${ctx.minor} kubelet does not validate pod-level resources of a static pod; from 1.${POD_RESOURCES_VALIDATED_SINCE} it refuses the pod)`,
    );
  }
};
