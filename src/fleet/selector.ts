// Kubernetes label selectors (matchLabels + matchExpressions): parsing with all issues, and matching.
import { setOwn } from "../lib/own-property.js";
import { joinPath, type Issue } from "../lib/issues.js";
import { isRecord } from "../lib/json.js";

export type SelectorOperator = "In" | "NotIn" | "Exists" | "DoesNotExist";

export interface SelectorRequirement {
  key: string;
  operator: SelectorOperator;
  values: string[];
}

/** A parsed selector. An empty selector (no labels, no expressions) selects every node, as in Kubernetes. */
export interface LabelSelector {
  matchLabels: Record<string, string>;
  matchExpressions: SelectorRequirement[];
}

const OPERATORS: readonly string[] = ["In", "NotIn", "Exists", "DoesNotExist"];

/** Parses `{matchLabels, matchExpressions}`; returns the selector (or undefined) and every issue found, located at `path`. */
export function parseSelector(
  value: unknown,
  where: { file: string; path: string },
): { selector?: LabelSelector; issues: Issue[] } {
  const issues: Issue[] = [];
  const err = (path: string, message: string): void => {
    issues.push({ severity: "error", code: "fleet-selector", message, file: where.file, path });
  };
  if (!isRecord(value)) {
    err(where.path, "a selector must be a mapping with matchLabels and/or matchExpressions");
    return { issues };
  }
  const selector: LabelSelector = { matchLabels: {}, matchExpressions: [] };
  for (const key of Object.keys(value)) {
    if (key !== "matchLabels" && key !== "matchExpressions") {
      err(joinPath(where.path, key), `unknown selector field "${key}"; use matchLabels or matchExpressions`);
    }
  }
  const labels = value["matchLabels"];
  if (labels !== undefined && labels !== null) {
    const lp = joinPath(where.path, "matchLabels");
    if (!isRecord(labels)) err(lp, "matchLabels must be a mapping of label to value");
    else
      for (const [k, v] of Object.entries(labels)) {
        if (typeof v !== "string")
          err(
            joinPath(lp, k),
            `label value must be a string, got ${JSON.stringify(v)}; quote it (YAML 1.1 reads yes/no/on/off as booleans)`,
          );
        else setOwn(selector.matchLabels, k, v);
      }
  }
  const exprs = value["matchExpressions"];
  if (exprs !== undefined && exprs !== null) {
    const ep = joinPath(where.path, "matchExpressions");
    if (!Array.isArray(exprs)) err(ep, "matchExpressions must be a list");
    else
      exprs.forEach((e: unknown, i) => {
        const p = joinPath(ep, i);
        if (!isRecord(e)) return err(p, "each expression must be a mapping with key, operator and values");
        const { key, operator, values } = e;
        if (typeof key !== "string" || key === "") return err(joinPath(p, "key"), "key is required");
        if (typeof operator !== "string" || !OPERATORS.includes(operator))
          return err(joinPath(p, "operator"), `operator must be one of ${OPERATORS.join(", ")}`);
        const op = operator as SelectorOperator;
        const list = values === undefined || values === null ? [] : values;
        if (!Array.isArray(list) || !list.every((v): v is string => typeof v === "string"))
          return err(joinPath(p, "values"), "values must be a list of strings (quote yes/no/on/off)");
        if ((op === "In" || op === "NotIn") && list.length === 0)
          return err(joinPath(p, "values"), `operator ${op} needs at least one value`);
        if ((op === "Exists" || op === "DoesNotExist") && list.length > 0)
          return err(joinPath(p, "values"), `operator ${op} takes no values`);
        selector.matchExpressions.push({ key, operator: op, values: list });
      });
  }
  return issues.length > 0 ? { issues } : { selector, issues };
}

/** True when `labels` satisfy every matchLabels entry and every expression. */
export function matchesSelector(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels)) if (labels[k] !== v) return false;
  for (const r of selector.matchExpressions) {
    const has = Object.hasOwn(labels, r.key);
    const value = labels[r.key];
    switch (r.operator) {
      case "In":
        if (!has || value === undefined || !r.values.includes(value)) return false;
        break;
      case "NotIn":
        if (has && value !== undefined && r.values.includes(value)) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
    }
  }
  return true;
}

/** Human form for explain output: `role=control-plane, zone in (a,b), !legacy`. */
export function describeSelector(selector: LabelSelector): string {
  const parts = Object.entries(selector.matchLabels).map(([k, v]) => `${k}=${v}`);
  for (const r of selector.matchExpressions) {
    if (r.operator === "In") parts.push(`${r.key} in (${r.values.join(",")})`);
    else if (r.operator === "NotIn") parts.push(`${r.key} notin (${r.values.join(",")})`);
    else if (r.operator === "Exists") parts.push(r.key);
    else parts.push(`!${r.key}`);
  }
  return parts.length === 0 ? "(everything)" : parts.join(", ");
}
