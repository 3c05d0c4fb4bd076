// The checks of validateResourceRequirements that checkResources does not make: resource name rules, integer
// extended resources, non-overcommittable resources (extended, hugepages) and hugepage sizes.
import { IssueSink, isRecord, pathOf, recordAt } from "../validate-walk.js";
import { isWholeQuantity, parseQuantityNano, wholeValue } from "../validate-quantity.js";
import { hugePageSize, isExtended, isHugePages, isOvercommitAllowed, qualifiedResourceNameProblem } from "./resource-names.js";

/** Resource names, quantities in nano units, and where they sit. */
interface ResourceList {
  values: Map<string, bigint>;
  raw: Record<string, unknown>;
  path: string;
}

function readList(requirements: Record<string, unknown>, key: "limits" | "requests", path: string): ResourceList {
  const raw = recordAt(requirements, key) ?? {};
  const values = new Map<string, bigint>();
  for (const [name, value] of Object.entries(raw)) {
    const nano = parseQuantityNano(value);
    if (nano !== undefined) values.set(name, nano);
  }
  return { values, raw, path };
}

function show(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function checkEach(list: ResourceList, sink: IssueSink): void {
  for (const name of Object.keys(list.raw)) {
    const at = pathOf(list.path, name);
    const problem = qualifiedResourceNameProblem(name);
    if (problem !== undefined) sink.error(at, "invalid-resource", `resource "${name}" ${problem}: use a name like example.com/gpu`);
    const nano = list.values.get(name);
    if (nano === undefined || nano < 0n) continue;
    if (isExtended(name) && !isWholeQuantity(nano)) {
      sink.error(at, "not-an-integer", `${name}: ${show(list.raw[name])}: must be an integer: extended resources are counted in whole units`);
    }
    if (isHugePages(name)) {
      const size = hugePageSize(name);
      if (size === undefined || wholeValue(nano) % size !== 0n) {
        sink.error(
          at,
          "hugepages-size",
          `${show(list.raw[name])} is not positive integer multiple of ${name}: ask for whole pages (e.g. 2Mi, 4Mi for hugepages-2Mi)`,
        );
      }
    }
  }
}

function what(name: string): string {
  return isHugePages(name) ? "hugepages" : "extended resources";
}

function checkNonOvercommit(limits: ResourceList, requests: ResourceList, sink: IssueSink): void {
  for (const name of Object.keys(requests.raw)) {
    if (isOvercommitAllowed(name)) continue;
    const request = requests.values.get(name);
    if (!(name in limits.raw)) {
      sink.error(
        limits.path,
        "limit-required",
        `Required value: Limit must be set for non overcommitable resources: ${name} must be set (equal to the request): ${what(name)} cannot be overcommitted`,
      );
      continue;
    }
    const limit = limits.values.get(name);
    // A request above the limit is already reported by checkResources.
    if (request !== undefined && limit !== undefined && request < limit) {
      sink.error(
        requests.path,
        "request-not-equal-limit",
        `${name}: ${show(requests.raw[name])}: must be equal to ${name} limit of ${show(limits.raw[name])}: ${what(name)} cannot be overcommitted; set the request equal to the limit or drop it`,
      );
    }
  }
}

/**
 * The extra checks of validateResourceRequirements on one requirements block (container resources, pod
 * resources, or `{limits: overhead}`). `listPath` says where each list sits (default `<path>.limits`,
 * `<path>.requests`). Returns the names set in limits or requests.
 */
export function checkRequirements(
  requirements: unknown,
  path: string,
  sink: IssueSink,
  listPath: (key: "limits" | "requests") => string = (key) => pathOf(path, key),
): Set<string> {
  if (!isRecord(requirements)) return new Set();
  const limits = readList(requirements, "limits", listPath("limits"));
  const requests = readList(requirements, "requests", listPath("requests"));
  checkEach(limits, sink);
  checkEach(requests, sink);
  checkNonOvercommit(limits, requests, sink);
  const names = new Set([...Object.keys(limits.raw), ...Object.keys(requests.raw)]);
  if ([...names].some(isHugePages) && !names.has("cpu") && !names.has("memory")) {
    sink.error(path, "hugepages-need-cpu-or-memory", "Forbidden: HugePages require cpu or memory: also set a cpu or memory request or limit");
  }
  return names;
}
