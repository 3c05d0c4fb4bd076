// Collects issues with bounded memory: the same finding on many nodes is merged, and each file and the whole
// collection keep only their first issues, counting the rest, so hostile input cannot flood memory or /status.
import type { Issue } from "./issues.js";

/** How many issues one file keeps before only counting the rest. */
export const MAX_ISSUES_PER_FILE = 100;
/** How many issues one revision (or any one collection) keeps before only counting the rest. */
export const MAX_ISSUES_TOTAL = 1000;

export interface IssueLimits {
  perFile?: number;
  total?: number;
}

interface Omitted {
  errors: number;
  warnings: number;
}

function keyOf(issue: Issue): string {
  return [issue.severity, issue.code, issue.file, issue.doc, issue.path, issue.message].join("\u0000");
}

export class IssueCollector {
  private readonly byKey = new Map<string, Issue>();
  private readonly perFileCount = new Map<string, number>();
  private readonly omitted = new Map<string, Omitted>();
  private errors = 0;
  private readonly perFile: number;
  private readonly total: number;

  constructor(limits: IssueLimits = {}) {
    this.perFile = limits.perFile ?? MAX_ISSUES_PER_FILE;
    this.total = limits.total ?? MAX_ISSUES_TOTAL;
  }

  /**
   * Adds one issue. A finding already kept (same severity, code, place and message) only gains the new nodes. Beyond
   * the limits the issue is counted, not kept; an issue that already stands for omitted ones (`omitted`) adds those.
   */
  add(issue: Issue): void {
    const key = keyOf(issue);
    const existing = this.byKey.get(key);
    if (existing !== undefined) {
      if (issue.nodes !== undefined) {
        const nodes = existing.nodes ?? [];
        for (const n of issue.nodes) if (!nodes.includes(n)) nodes.push(n);
        existing.nodes = nodes;
      }
      return;
    }
    const weight = 1 + (issue.omitted ?? 0);
    if (issue.severity === "error") this.errors += weight;
    const file = issue.file ?? "";
    const inFile = this.perFileCount.get(file) ?? 0;
    if (issue.omitted === undefined && (inFile >= this.perFile || this.byKey.size >= this.total)) {
      const o = this.omitted.get(file) ?? { errors: 0, warnings: 0 };
      if (issue.severity === "error") o.errors++;
      else o.warnings++;
      this.omitted.set(file, o);
      return;
    }
    this.perFileCount.set(file, inFile + 1);
    this.byKey.set(key, issue.nodes === undefined ? { ...issue } : { ...issue, nodes: [...issue.nodes] });
  }

  addAll(issues: Iterable<Issue>, extra: Partial<Issue> = {}): void {
    for (const i of issues) this.add({ ...i, ...extra });
  }

  /** Every error counted, including those not kept. */
  get errorCount(): number {
    return this.errors;
  }

  /** True when some issues were counted but not kept. */
  get truncated(): boolean {
    return this.omitted.size > 0;
  }

  /**
   * The kept issues, errors first, then warnings, each ordered by file, document and path; followed by one
   * `issues-omitted` error and/or warning per file whose issues were cut, saying how many (`omitted` + 1 of them).
   */
  list(): Issue[] {
    const rank = (i: Issue): number => (i.severity === "error" ? 0 : 1);
    const kept = [...this.byKey.values()].sort(
      (a, b) =>
        rank(a) - rank(b) ||
        (a.file ?? "").localeCompare(b.file ?? "") ||
        (a.doc ?? 0) - (b.doc ?? 0) ||
        (a.path ?? "").localeCompare(b.path ?? ""),
    );
    const summaries: Issue[] = [];
    for (const [file, o] of this.omitted)
      for (const [severity, count] of [
        ["error", o.errors],
        ["warning", o.warnings],
      ] as const)
        if (count > 0)
          summaries.push({
            severity,
            code: "issues-omitted",
            ...(file === "" ? {} : { file }),
            message: `${count.toLocaleString("en-US")} more ${severity}${count === 1 ? "" : "s"} not listed; fix the ones shown first`,
            omitted: count - 1,
          });
    return [...kept, ...summaries];
  }
}

/** The number of errors `issues` stand for, counting those an `issues-omitted` summary replaces. */
export function countErrors(issues: readonly Issue[]): number {
  let n = 0;
  for (const i of issues) if (i.severity === "error") n += 1 + (i.omitted ?? 0);
  return n;
}
