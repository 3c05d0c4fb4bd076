// The parts of a pod the security, resource and OS rules read: the spec, its containers with their paths, enum checks.
import { IssueSink, arrayAt, isRecord, pathOf, recordAt, stringAt } from "../validate-walk.js";

/** One init or regular container of the pod with its path (ephemeral containers are refused for static pods anyway). */
export interface PodContainer {
  container: Record<string, unknown>;
  path: string;
  kind: "initContainers" | "containers";
}

/** The pod's spec (undefined when missing) and its path. */
export function specOf(pod: unknown, base: string): { spec: Record<string, unknown> | undefined; specPath: string } {
  return { spec: recordAt(pod, "spec"), specPath: pathOf(base, "spec") };
}

/** Init containers, then regular containers, each with its path under `specPath`. */
export function podContainers(spec: unknown, specPath: string): PodContainer[] {
  const all: PodContainer[] = [];
  for (const kind of ["initContainers", "containers"] as const) {
    arrayAt(spec, kind).forEach((container, i) => {
      if (isRecord(container)) all.push({ container, path: pathOf(specPath, kind, i), kind });
    });
  }
  return all;
}

/** True when the pod asks for its own user namespace (`spec.hostUsers: false`; unset means true). */
export function usesUserNamespace(spec: unknown): boolean {
  return isRecord(spec) && spec["hostUsers"] === false;
}

/** True when the pod is declared a Windows pod (`spec.os.name: windows`). */
export function isWindowsPod(spec: unknown): boolean {
  return stringAt(recordAt(spec, "os"), "name") === "windows";
}

/** `"a", "b"` as the kubelet lists supported values. */
export function quotedList(values: readonly string[]): string {
  return values.map((v) => `"${v}"`).join(", ");
}

/** Reports a string `obj[key]` that is not one of `allowed`, in the kubelet's words: "" is a missing value when `required`, else unsupported. */
export function checkOneOf(
  obj: unknown,
  key: string,
  allowed: readonly string[],
  path: string,
  sink: IssueSink,
  required = false,
): void {
  const value = isRecord(obj) ? obj[key] : undefined;
  if (typeof value !== "string") return;
  if (value === "" && required) {
    sink.error(pathOf(path, key), "required", `Required value: set ${key} to one of ${quotedList(allowed)}`);
    return;
  }
  if (allowed.includes(value)) return;
  sink.error(pathOf(path, key), "unsupported-value", `Unsupported value: "${value}": supported values: ${quotedList(allowed)}`);
}
