// Kubernetes name grammars (DNS-1123, qualified names, label values, IANA service names) and metadata map checks.
import { IssueSink, isRecord, pathOf } from "./validate-walk.js";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const IANA_SVC_NAME_CHARS = /^[-a-z0-9]+$/;

/** Longest DNS-1123 label (namespaces, container and volume names). */
export const DNS1123_LABEL_MAX = 63;
/** Longest DNS-1123 subdomain (pod names, the final `<name>-<node>`). */
export const DNS1123_SUBDOMAIN_MAX = 253;
/** Total size of all annotation keys and values (256 KiB). */
export const ANNOTATIONS_MAX_BYTES = 256 * 1024;

/** True for a valid DNS-1123 subdomain: lowercase alphanumerics, `-` and `.`, at most 253 characters. */
export function isDns1123Subdomain(s: string): boolean {
  return s.length <= DNS1123_SUBDOMAIN_MAX && DNS1123_SUBDOMAIN.test(s);
}

/** True for a valid DNS-1123 label: lowercase alphanumerics and `-`, at most 63 characters. */
export function isDns1123Label(s: string): boolean {
  return s.length <= DNS1123_LABEL_MAX && DNS1123_LABEL.test(s);
}

/** Why `s` is not a DNS-1123 subdomain, or undefined when it is one. */
export function subdomainProblem(s: string): string | undefined {
  if (s.length > DNS1123_SUBDOMAIN_MAX) return `must be no more than 253 characters (is ${s.length})`;
  if (!DNS1123_SUBDOMAIN.test(s)) {
    return "must be a lowercase RFC 1123 subdomain: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit (e.g. 'example.com')";
  }
  return undefined;
}

/** Why `s` is not a DNS-1123 label, or undefined when it is one. */
export function labelProblem(s: string): string | undefined {
  if (s.length > DNS1123_LABEL_MAX) return `must be no more than 63 characters (is ${s.length})`;
  if (!DNS1123_LABEL.test(s)) {
    return "must be a lowercase RFC 1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit (e.g. 'my-name')";
  }
  return undefined;
}

/** Why `s` is not a qualified name (`[prefix/]name`, as used for label and annotation keys), or undefined. */
export function qualifiedNameProblem(s: string): string | undefined {
  const parts = s.split("/");
  let name = s;
  if (parts.length > 2) return "must be a qualified name: an optional DNS subdomain prefix and '/', then a name";
  if (parts.length === 2) {
    const prefix = parts[0] ?? "";
    name = parts[1] ?? "";
    if (prefix === "") return "prefix part must be non-empty";
    const problem = subdomainProblem(prefix);
    if (problem !== undefined) return `prefix part ${problem}`;
  }
  if (name === "") return "name part must be non-empty";
  if (name.length > 63) return `name part must be no more than 63 characters (is ${name.length})`;
  if (!QUALIFIED_NAME_PART.test(name)) {
    return "name part must consist of alphanumerics, '-', '_' or '.', and start and end with an alphanumeric (e.g. 'app.kubernetes.io/name')";
  }
  return undefined;
}

/** Why `s` is not a valid label value, or undefined. */
export function labelValueProblem(s: string): string | undefined {
  if (s.length > 63) return `must be no more than 63 characters (is ${s.length})`;
  if (!LABEL_VALUE.test(s)) {
    return "must be empty or consist of alphanumerics, '-', '_' or '.', and start and end with an alphanumeric";
  }
  return undefined;
}

/** Why `s` is not an IANA service name (a port name), or undefined. */
export function ianaSvcNameProblem(s: string): string | undefined {
  if (s.length > 15) return `must be no more than 15 characters (is ${s.length})`;
  if (!IANA_SVC_NAME_CHARS.test(s)) return "must contain only lowercase letters, digits and '-'";
  if (s.includes("--")) return "must not contain consecutive hyphens";
  if (s.startsWith("-") || s.endsWith("-")) return "must not begin or end with a hyphen";
  if (!/[a-z]/.test(s)) return "must contain at least one letter";
  return undefined;
}

/** Checks `metadata.labels`: keys are qualified names, values are label values. */
export function checkLabels(labels: unknown, path: string, sink: IssueSink): void {
  if (!isRecord(labels)) return;
  for (const [key, value] of Object.entries(labels)) {
    const keyProblem = qualifiedNameProblem(key);
    if (keyProblem !== undefined) sink.error(pathOf(path, key), "invalid-label", `label key "${key}" ${keyProblem}`);
    if (typeof value !== "string") continue;
    const valueProblem = labelValueProblem(value);
    if (valueProblem !== undefined) {
      sink.error(pathOf(path, key), "invalid-label", `label value "${value}" ${valueProblem}`);
    }
  }
}

/** Checks `metadata.annotations`: keys are qualified names (lowercased), total size ≤ 256 KiB. */
export function checkAnnotations(annotations: unknown, path: string, sink: IssueSink): void {
  if (!isRecord(annotations)) return;
  let total = 0;
  for (const [key, value] of Object.entries(annotations)) {
    const problem = qualifiedNameProblem(key.toLowerCase());
    if (problem !== undefined) sink.error(pathOf(path, key), "invalid-annotation", `annotation key "${key}" ${problem}`);
    total += Buffer.byteLength(key) + (typeof value === "string" ? Buffer.byteLength(value) : 0);
  }
  if (total > ANNOTATIONS_MAX_BYTES) {
    sink.error(
      path,
      "annotations-too-long",
      `annotations total ${total} bytes, more than the limit of ${ANNOTATIONS_MAX_BYTES} (256 KiB): move large data into a hostPath file`,
    );
  }
}
