// Resource name classes the kubelet's resource checks rely on (pkg/apis/core/helper): native, extended, hugepages, overcommit.
import { qualifiedNameProblem } from "../validate-names.js";
import { parseQuantityNano, wholeValue } from "../validate-quantity.js";

const HUGEPAGES_PREFIX = "hugepages-";
const DEFAULT_NAMESPACE_PREFIX = "kubernetes.io/";

/** True for `hugepages-<size>`. */
export function isHugePages(name: string): boolean {
  return name.startsWith(HUGEPAGES_PREFIX);
}

/** A native resource: no domain, or a `kubernetes.io/` one (IsNativeResource). */
export function isNative(name: string): boolean {
  return !name.includes("/") || name.includes(DEFAULT_NAMESPACE_PREFIX);
}

/** An extended resource (IsExtendedResourceName): not native, not `requests.`-prefixed, and a qualified name once prefixed. */
export function isExtended(name: string): boolean {
  if (isNative(name) || name.startsWith("requests.")) return false;
  return qualifiedNameProblem(`requests.${name}`) === undefined;
}

/** Whether requests may be lower than limits (IsOvercommitAllowed): native resources other than hugepages. */
export function isOvercommitAllowed(name: string): boolean {
  return isNative(name) && !isHugePages(name);
}

/**
 * Why a domain-qualified resource name (`example.com/gpu`) is refused, or undefined. Names without a domain are
 * checked by checkResources (standard container resources).
 */
export function qualifiedResourceNameProblem(name: string): string | undefined {
  if (!name.includes("/")) return undefined;
  const problem = qualifiedNameProblem(name);
  if (problem !== undefined) return problem;
  if (!isNative(name) && !isExtended(name)) return "doesn't follow extended resource name standard";
  return undefined;
}

/** The page size of `hugepages-<size>` as a whole number of bytes, or undefined when the size is not a positive integer quantity. */
export function hugePageSize(name: string): bigint | undefined {
  const nano = parseQuantityNano(name.slice(HUGEPAGES_PREFIX.length));
  if (nano === undefined || nano <= 0n || nano % 10n ** 9n !== 0n) return undefined;
  return wholeValue(nano);
}
