// The Kubernetes resource quantity grammar (`500m`, `1.5Gi`, `1e3`, bare numbers) and resource requirement checks.
import { IssueSink, isRecord, pathOf } from "./validate-walk.js";

const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|n|u|m|k|M|G|T|P|E)?$/;

const MULTIPLIERS: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

const STANDARD_CONTAINER_RESOURCES = new Set(["cpu", "memory", "ephemeral-storage"]);

/** The value of a quantity (a string in the Kubernetes grammar, or a JSON number), or undefined when it does not parse. */
export function parseQuantity(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string") return undefined;
  const match = QUANTITY.exec(value);
  if (match === null) return undefined;
  const base = Number(match[1]);
  const suffix = match[2];
  if (suffix === undefined) return base;
  if (suffix.startsWith("e") || suffix.startsWith("E")) {
    if (suffix.length > 1) return base * 10 ** Number(suffix.slice(1));
  }
  const multiplier = MULTIPLIERS[suffix];
  return multiplier === undefined ? undefined : base * multiplier;
}

/** Checks one quantity-valued field; returns its value when valid. */
export function checkQuantity(value: unknown, path: string, sink: IssueSink): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  const parsed = parseQuantity(value);
  if (parsed === undefined) {
    sink.error(
      path,
      "invalid-quantity",
      `quantity ${JSON.stringify(value)} does not parse: use a number with an optional suffix, e.g. 500m, 128Mi, 1Gi, 2`,
    );
    return undefined;
  }
  if (parsed < 0) sink.error(path, "invalid-quantity", `quantity ${JSON.stringify(value)} must not be negative`);
  return parsed;
}

function resourceNameProblem(name: string): string | undefined {
  if (STANDARD_CONTAINER_RESOURCES.has(name) || name.startsWith("hugepages-")) return undefined;
  if (name.includes("/")) return undefined;
  return "is not a standard container resource (cpu, memory, ephemeral-storage, hugepages-<size>) nor an extended resource with a domain prefix (e.g. example.com/gpu)";
}

/** Checks a `resources` block (container or pod level): names, quantity grammar, and requests ≤ limits. */
export function checkResources(resources: unknown, path: string, sink: IssueSink): void {
  if (!isRecord(resources)) return;
  const limitValues = new Map<string, number>();
  const limits = resources["limits"];
  if (isRecord(limits)) {
    for (const [name, value] of Object.entries(limits)) {
      const at = pathOf(path, "limits", name);
      const problem = resourceNameProblem(name);
      if (problem !== undefined) sink.error(at, "invalid-resource", `resource "${name}" ${problem}`);
      const parsed = checkQuantity(value, at, sink);
      if (parsed !== undefined) limitValues.set(name, parsed);
    }
  }
  const requests = resources["requests"];
  if (!isRecord(requests)) return;
  for (const [name, value] of Object.entries(requests)) {
    const at = pathOf(path, "requests", name);
    const problem = resourceNameProblem(name);
    if (problem !== undefined) sink.error(at, "invalid-resource", `resource "${name}" ${problem}`);
    const parsed = checkQuantity(value, at, sink);
    const limit = limitValues.get(name);
    if (parsed !== undefined && limit !== undefined && parsed > limit) {
      const shownLimit = isRecord(limits) ? JSON.stringify(limits[name]) : String(limit);
      sink.error(
        at,
        "request-above-limit",
        `${name} request ${JSON.stringify(value)} must be less than or equal to the ${name} limit ${shownLimit}: lower the request or raise the limit`,
      );
    }
  }
}
