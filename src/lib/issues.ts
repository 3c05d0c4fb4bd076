// Validation findings: one shape for every problem the loader, validator and agent report.

export type Severity = "error" | "warning";

/** One finding. `file`, `doc` and `path` locate it; `nodes` says which nodes it applies to when that matters. */
export interface Issue {
  severity: Severity;
  /** Stable kebab-case code, e.g. `yaml-syntax`, `schema`, `static-pod-ban`. */
  code: string;
  /** What is wrong and, where it helps, how to fix it. */
  message: string;
  /** Path relative to the fleet root, POSIX separators, e.g. `common/proxy.yaml`. */
  file?: string;
  /** 1-based index of the YAML document within the file. */
  doc?: number;
  /** Field path inside the document, Kubernetes style: `spec.containers[0].env[1].value`. */
  path?: string;
  /** Nodes the issue was found on, when it depends on the node (templating, final names). */
  nodes?: string[];
  /** Set on an `issues-omitted` summary: how many further issues of its severity it stands for beyond itself. */
  omitted?: number;
}

/** Appends a field name or index to a field path: `joinPath("spec", "containers")`, `joinPath("spec.containers", 0)`. */
export function joinPath(base: string, key: string | number): string {
  if (typeof key === "number") return `${base}[${key}]`;
  if (!/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key)) return `${base}[${key}]`;
  return base === "" ? key : `${base}.${key}`;
}

/** Renders an issue as one line: `common/proxy.yaml (document 2) spec.containers[0]: message [nodes: a, b]`. */
export function formatIssue(issue: Issue): string {
  const where: string[] = [];
  if (issue.file !== undefined)
    where.push(issue.doc !== undefined ? `${issue.file} (document ${issue.doc})` : issue.file);
  if (issue.path !== undefined && issue.path !== "") where.push(issue.path);
  let line = where.length > 0 ? `${where.join(" ")}: ${issue.message}` : issue.message;
  if (issue.nodes !== undefined && issue.nodes.length > 0) {
    const shown = issue.nodes.slice(0, 5).join(", ");
    const more = issue.nodes.length > 5 ? ` and ${issue.nodes.length - 5} more` : "";
    line += ` [node${issue.nodes.length > 1 ? "s" : ""}: ${shown}${more}]`;
  }
  return line;
}

export function errorsIn(issues: readonly Issue[]): Issue[] {
  return issues.filter((i) => i.severity === "error");
}

export function warningsIn(issues: readonly Issue[]): Issue[] {
  return issues.filter((i) => i.severity === "warning");
}
