// The Kubernetes resource quantity grammar (`500m`, `1.5Gi`, `1e3`, bare numbers), exact to the nano unit, and resource requirement checks.
import { IssueSink, isRecord, pathOf } from "./validate-walk.js";

/** The message resource.ParseQuantity gives for a malformed quantity (ErrFormatWrong). */
export const QUANTITY_FORMAT_ERROR =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

const SUFFIX_CHARS = "eEinumkKMGTP";
const DECIMAL_SUFFIXES: Record<string, number> = { "": 0, n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const INT64_MAX = 2n ** 63n - 1n;
/** Beyond this power of ten the exact value no longer matters for any comparison the validator makes. */
const MAX_DECIMAL_SHIFT = 400;
// Go's strings.TrimSpace: Unicode White_Space (not the BOM that String.prototype.trim also strips).
const GO_SPACE = "[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
const SURROUNDING_SPACE = new RegExp(`^${GO_SPACE}+|${GO_SPACE}+$`, "g");
const STANDARD_CONTAINER_RESOURCES = new Set(["cpu", "memory", "ephemeral-storage"]);

interface Scanned {
  negative: boolean;
  num: string;
  denom: string;
  suffix: string;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}

/** A port of resource.parseQuantityString: sign, digits, optional fraction, then the suffix characters. */
function scan(str: string): Scanned | undefined {
  let pos = 0;
  const negative = str[0] === "-";
  if (str[0] === "-" || str[0] === "+") pos++;
  while (str[pos] === "0") pos++;
  if (pos >= str.length) return { negative, num: "0", denom: "", suffix: "" };
  const numStart = pos;
  while (isDigit(str[pos])) pos++;
  const num = str.slice(numStart, pos) || "0";
  let denom = "";
  if (str[pos] === ".") {
    const denomStart = ++pos;
    while (isDigit(str[pos])) pos++;
    denom = str.slice(denomStart, pos);
  }
  const suffixStart = pos;
  while (pos < str.length && SUFFIX_CHARS.includes(str[pos] ?? "")) pos++;
  if (str[pos] === "-" || str[pos] === "+") pos++;
  while (isDigit(str[pos])) pos++;
  if (pos < str.length) return undefined;
  return { negative, num, denom, suffix: str.slice(suffixStart) };
}

/** Base and exponent of a suffix as quantitySuffixer.interpret reads it, or undefined for an unknown suffix. */
function interpretSuffix(suffix: string): { base: 2 | 10; exponent: bigint } | undefined {
  const decimal = DECIMAL_SUFFIXES[suffix];
  if (decimal !== undefined) return { base: 10, exponent: BigInt(decimal) };
  const binary = BINARY_SUFFIXES[suffix];
  if (binary !== undefined) return { base: 2, exponent: BigInt(binary) };
  if (suffix.length > 1 && (suffix[0] === "e" || suffix[0] === "E") && /^[+-]?\d+$/.test(suffix.slice(1))) {
    const exponent = BigInt(suffix.slice(1));
    if (exponent > INT64_MAX || exponent < -INT64_MAX - 1n) return undefined;
    return { base: 10, exponent };
  }
  return undefined;
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

/** digits × 10^shift, rounded up to an integer (shift may be negative). */
function shiftDecimal(digits: bigint, shift: bigint): bigint {
  if (shift >= 0n) return digits * 10n ** (shift > MAX_DECIMAL_SHIFT ? BigInt(MAX_DECIMAL_SHIFT) : shift);
  if (-shift > MAX_DECIMAL_SHIFT) return digits === 0n ? 0n : 1n;
  return ceilDiv(digits, 10n ** -shift);
}

/**
 * The exact value of a quantity in nano units (10^-9), rounded away from zero to the nano like
 * resource.ParseQuantity, or undefined when the kubelet's decoder would refuse it. Strings are trimmed of
 * surrounding white space first, as Quantity.UnmarshalJSON does; a JSON number is read as its decimal text.
 */
export function parseQuantityNano(value: unknown): bigint | undefined {
  let text: string;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return undefined;
    text = String(value);
  } else if (typeof value === "string") text = value.replace(SURROUNDING_SPACE, "");
  else return undefined;
  if (text === "") return undefined;
  const scanned = scan(text);
  if (scanned === undefined) return undefined;
  const suffix = interpretSuffix(scanned.suffix);
  if (suffix === undefined) return undefined;
  const digits = BigInt(scanned.num + scanned.denom);
  const fraction = BigInt(scanned.denom.length);
  let nano: bigint;
  if (suffix.base === 10) nano = shiftDecimal(digits, suffix.exponent - fraction + 9n);
  else nano = ceilDiv(digits * 2n ** suffix.exponent * 10n ** 9n, 10n ** fraction);
  return scanned.negative ? -nano : nano;
}

/** The value of a quantity (a string in the Kubernetes grammar, or a JSON number), or undefined when it does not parse. */
export function parseQuantity(value: unknown): number | undefined {
  const nano = parseQuantityNano(value);
  return nano === undefined ? undefined : Number(nano) / 1e9;
}

/** The quantity's Value(): rounded up to a whole number, away from zero. */
export function wholeValue(nano: bigint): bigint {
  return nano >= 0n ? ceilDiv(nano, 10n ** 9n) : -ceilDiv(-nano, 10n ** 9n);
}

/** True when the quantity's MilliValue() is a multiple of 1000 (the kubelet's "must be an integer"). */
export function isWholeQuantity(nano: bigint): boolean {
  const magnitude = nano < 0n ? -nano : nano;
  return ceilDiv(magnitude, 10n ** 6n) % 1000n === 0n;
}

/** Checks one quantity-valued field; returns its value when valid. */
export function checkQuantity(value: unknown, path: string, sink: IssueSink): number | undefined {
  const nano = checkQuantityNano(value, path, sink);
  return nano === undefined ? undefined : Number(nano) / 1e9;
}

function checkQuantityNano(value: unknown, path: string, sink: IssueSink): bigint | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  const parsed = parseQuantityNano(value);
  if (parsed === undefined) {
    sink.error(
      path,
      "invalid-quantity",
      `quantity ${JSON.stringify(value)} does not parse (${QUANTITY_FORMAT_ERROR}): use a number with an optional suffix, e.g. 500m, 128Mi, 1Gi, 2`,
    );
    return undefined;
  }
  if (parsed < 0n) sink.error(path, "invalid-quantity", `quantity ${JSON.stringify(value)} must be greater than or equal to 0`);
  return parsed;
}

/** Resource names that are standard but not for containers (helper.IsStandardResourceName). */
const STANDARD_NON_CONTAINER_RESOURCES = new Set([
  "pods", "services", "replicationcontrollers", "resourcequotas", "secrets", "configmaps", "persistentvolumeclaims",
  "storage", "requests.storage", "requests.cpu", "requests.memory", "requests.ephemeral-storage", "limits.cpu",
  "limits.memory", "limits.ephemeral-storage", "services.nodeports", "services.loadbalancers",
]);
const RESOURCE_NAME_HINT = "use cpu, memory, ephemeral-storage, hugepages-<size>, or an extended resource with a domain (e.g. example.com/gpu)";

/** Why a resource name without a domain is refused for a container (validateContainerResourceName), or undefined. */
function resourceNameProblem(name: string): string | undefined {
  if (STANDARD_CONTAINER_RESOURCES.has(name) || name.startsWith("hugepages-")) return undefined;
  if (name.includes("/")) return undefined;
  if (STANDARD_NON_CONTAINER_RESOURCES.has(name) || name.startsWith("requests.hugepages-")) {
    return `must be a standard resource for containers: ${RESOURCE_NAME_HINT}`;
  }
  return `must be a standard resource type or fully qualified: ${RESOURCE_NAME_HINT}`;
}

/** Checks a `resources` block (container or pod level): names, quantity grammar, and requests ≤ limits. */
export function checkResources(resources: unknown, path: string, sink: IssueSink): void {
  if (!isRecord(resources)) return;
  const limitValues = new Map<string, bigint>();
  const limits = resources["limits"];
  if (isRecord(limits)) {
    for (const [name, value] of Object.entries(limits)) {
      const at = pathOf(path, "limits", name);
      const problem = resourceNameProblem(name);
      if (problem !== undefined) sink.error(at, "invalid-resource", `resource "${name}" ${problem}`);
      const parsed = checkQuantityNano(value, at, sink);
      if (parsed !== undefined) limitValues.set(name, parsed);
    }
  }
  const requests = resources["requests"];
  if (!isRecord(requests)) return;
  for (const [name, value] of Object.entries(requests)) {
    const at = pathOf(path, "requests", name);
    const problem = resourceNameProblem(name);
    if (problem !== undefined) sink.error(at, "invalid-resource", `resource "${name}" ${problem}`);
    const parsed = checkQuantityNano(value, at, sink);
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
