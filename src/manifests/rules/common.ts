// Small checks the area rules share: enums, name grammars, IPs, relative paths, label selectors, container walks.
import { isIP } from "node:net";
import { labelValueProblem, qualifiedNameProblem, subdomainProblem } from "../validate-names.js";
import { IssueSink, arrayAt, isRecord, pathOf, recordAt, stringAt } from "../validate-walk.js";

/** Checks that a string field, when set and non-empty, holds one of `allowed` (the kubelet's "Unsupported value"). */
export function checkEnum(obj: unknown, key: string, allowed: readonly string[], path: string, sink: IssueSink): void {
  const value = stringAt(obj, key);
  if (value === undefined || value === "" || allowed.includes(value)) return;
  sink.error(pathOf(path, key), "unsupported-value", `Unsupported value: "${value}": supported values: ${quoted(allowed)}`);
}

/** `"a", "b"` for messages. */
export function quoted(values: readonly string[]): string {
  return values.map((v) => `"${v}"`).join(", ");
}

/** Reports a qualified-name problem (label keys, topology keys, condition types) at `path`; true when valid. */
export function checkQualifiedName(value: string, path: string, what: string, sink: IssueSink, code = "invalid-name"): boolean {
  const problem = qualifiedNameProblem(value);
  if (problem !== undefined) sink.error(path, code, `${what} "${value}" ${problem}`);
  return problem === undefined;
}

/** Reports a label-value problem at `path`. */
export function checkLabelValue(value: string, path: string, sink: IssueSink, code = "invalid-label"): void {
  const problem = labelValueProblem(value);
  if (problem !== undefined) sink.error(path, code, `value "${value}" ${problem}`);
}

/** Reports a DNS-1123 subdomain problem at `path`. */
export function checkSubdomain(value: string, path: string, what: string, sink: IssueSink): void {
  const problem = subdomainProblem(value);
  if (problem !== undefined) sink.error(path, "invalid-name", `${what} "${value}" ${problem}`);
}

/** True for an IPv4 or IPv6 address as Go's ParseIPSloppy reads it (IPv4 octets may have leading zeros). */
export function isValidIp(value: string): boolean {
  if (isIP(value) !== 0) return true;
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(value)) return false;
  return value.split(".").every((octet) => Number(octet) <= 255);
}

/** Reports `value` at `path` unless it is an IP address. */
export function checkIp(value: unknown, path: string, sink: IssueSink): void {
  if (typeof value !== "string") {
    if (value === undefined || value === null) sink.error(path, "invalid-ip", "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
    return;
  }
  if (!isValidIp(value)) sink.error(path, "invalid-ip", `"${value}": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`);
}

/** Why `p` is not a relative path without `..` elements (subPath, gitRepo directory, downward API file paths), or undefined. */
export function relativePathProblem(p: string): string | undefined {
  if (p.startsWith("/")) return "must be a relative path";
  if (p.split("/").includes("..")) return "must not contain '..'";
  if (p.startsWith("..")) return "must not start with '..'";
  return undefined;
}

/** True when `p` has a `..` path element. */
export function hasBacksteps(p: string): boolean {
  return p.split("/").includes("..");
}

/** Checks a file mode (defaultMode, items[].mode): 0 to 0777. */
export function checkFileMode(obj: unknown, key: string, path: string, sink: IssueSink): void {
  const value = isRecord(obj) ? obj[key] : undefined;
  if (typeof value !== "number") return;
  if (!Number.isInteger(value) || value < 0 || value > 0o777) {
    sink.error(pathOf(path, key), "invalid-mode", `${value}: must be a number between 0 and 0777 (octal), both inclusive (e.g. 0644 in YAML, 420 in JSON)`);
  }
}

/** Checks one KeyToPath item of a secret or configMap source: key, path, mode. */
export function checkKeyToPath(item: unknown, at: string, sink: IssueSink): void {
  if ((stringAt(item, "key") ?? "") === "") sink.error(pathOf(at, "key"), "required", "Required value: key is required");
  const p = stringAt(item, "path") ?? "";
  if (p === "") sink.error(pathOf(at, "path"), "required", "Required value: path is required");
  else {
    const problem = relativePathProblem(p);
    if (problem !== undefined) sink.error(pathOf(at, "path"), "invalid-path", `"${p}": ${problem}`);
  }
  checkFileMode(item, "mode", at, sink);
}

const SELECTOR_OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist"];

/** Checks a metav1 LabelSelector (matchLabels, matchExpressions) as ValidateLabelSelector does. */
export function checkLabelSelector(selector: unknown, path: string, sink: IssueSink): void {
  if (!isRecord(selector)) return;
  const matchLabels = recordAt(selector, "matchLabels");
  for (const [key, value] of Object.entries(matchLabels ?? {})) {
    const at = pathOf(path, "matchLabels", key);
    checkQualifiedName(key, at, "label key", sink, "invalid-selector");
    if (typeof value === "string") checkLabelValue(value, at, sink, "invalid-selector");
  }
  arrayAt(selector, "matchExpressions").forEach((expr, i) => {
    const at = pathOf(path, "matchExpressions", i);
    const operator = stringAt(expr, "operator") ?? "";
    const values = arrayAt(expr, "values");
    if (!SELECTOR_OPERATORS.includes(operator)) {
      sink.error(pathOf(at, "operator"), "invalid-selector", `"${operator}": not a valid selector operator: use one of ${quoted(SELECTOR_OPERATORS)}`);
    } else if ((operator === "In" || operator === "NotIn") && values.length === 0) {
      sink.error(pathOf(at, "values"), "invalid-selector", "must be specified when `operator` is 'In' or 'NotIn'");
    } else if ((operator === "Exists" || operator === "DoesNotExist") && values.length > 0) {
      sink.error(pathOf(at, "values"), "invalid-selector", "may not be specified when `operator` is 'Exists' or 'DoesNotExist': remove values");
    }
    checkQualifiedName(stringAt(expr, "key") ?? "", pathOf(at, "key"), "key", sink, "invalid-selector");
    values.forEach((v, j) => {
      if (typeof v === "string") checkLabelValue(v, pathOf(at, "values", j), sink, "invalid-selector");
    });
  });
}

/** Label keys of a selector; with `repeatedOnly`, only keys named again by a matchExpression (the check once selectors merge). */
export function selectorKeys(selector: unknown, repeatedOnly: boolean): Set<string> {
  const seen = new Set(Object.keys(recordAt(selector, "matchLabels") ?? {}));
  const repeated = new Set<string>();
  for (const expr of arrayAt(selector, "matchExpressions")) {
    const key = stringAt(expr, "key");
    if (key === undefined) continue;
    if (seen.has(key)) repeated.add(key);
    seen.add(key);
  }
  return repeatedOnly ? repeated : seen;
}

/** One container of the pod with where it sits: `kind` is "initContainers", "containers" or "ephemeralContainers". */
export interface ContainerAt {
  container: Record<string, unknown>;
  path: string;
  kind: "initContainers" | "containers" | "ephemeralContainers";
}

/** Every container object of `spec` (init, regular, then ephemeral), with its path under `specPath`. */
export function containersOf(spec: unknown, specPath: string): ContainerAt[] {
  const all: ContainerAt[] = [];
  for (const kind of ["initContainers", "containers", "ephemeralContainers"] as const) {
    arrayAt(spec, kind).forEach((container, i) => {
      if (isRecord(container)) all.push({ container, path: pathOf(specPath, kind, i), kind });
    });
  }
  return all;
}

/** True for an init container with `restartPolicy: Always` (a sidecar). */
export function isSidecar(c: ContainerAt): boolean {
  return c.kind === "initContainers" && stringAt(c.container, "restartPolicy") === "Always";
}

/** The pod's terminationGracePeriodSeconds after defaults (30 when unset), or undefined when it is not a number. */
export function gracePeriodOf(spec: unknown): number | undefined {
  const value = isRecord(spec) ? spec["terminationGracePeriodSeconds"] : undefined;
  if (value === undefined || value === null) return 30;
  return typeof value === "number" ? value : undefined;
}
