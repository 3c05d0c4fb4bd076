// Collects issues, merging the same finding seen on many nodes into one issue listing those nodes.
import type { Issue } from "../lib/issues.js";

export class IssueSet {
  private readonly byKey = new Map<string, Issue>();

  add(issue: Issue): void {
    const key = [issue.severity, issue.code, issue.file, issue.doc, issue.path, issue.message].join("\u0000");
    const existing = this.byKey.get(key);
    if (existing === undefined) {
      this.byKey.set(key, issue.nodes === undefined ? { ...issue } : { ...issue, nodes: [...issue.nodes] });
      return;
    }
    if (issue.nodes !== undefined) {
      const nodes = existing.nodes ?? [];
      for (const n of issue.nodes) if (!nodes.includes(n)) nodes.push(n);
      existing.nodes = nodes;
    }
  }

  addAll(issues: Iterable<Issue>, extra: Partial<Issue> = {}): void {
    for (const i of issues) this.add({ ...i, ...extra });
  }

  /** Errors first, then warnings; each group ordered by file, document and path. */
  list(): Issue[] {
    const rank = (i: Issue): number => (i.severity === "error" ? 0 : 1);
    return [...this.byKey.values()].sort(
      (a, b) =>
        rank(a) - rank(b) ||
        (a.file ?? "").localeCompare(b.file ?? "") ||
        (a.doc ?? 0) - (b.doc ?? 0) ||
        (a.path ?? "").localeCompare(b.path ?? ""),
    );
  }

  get errorCount(): number {
    let n = 0;
    for (const i of this.byKey.values()) if (i.severity === "error") n++;
    return n;
  }
}
