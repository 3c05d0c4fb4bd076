// Templating of string values after parsing: {{ node.name }}, {{ node.labels.KEY }}, {{ node.vars.KEY }}, {{ vars.KEY }}.
import { joinPath, type Issue } from "../lib/issues.js";
import { setOwn } from "../lib/own-property.js";

export interface TemplateContext {
  node: { name: string; labels: Readonly<Record<string, string>>; vars: Readonly<Record<string, string>> };
  vars: Readonly<Record<string, string>>;
}

const OPEN = "{{";
const CLOSE = "}}";

/** The longest string a template may expand to (characters); a var used many times cannot build a huge value. */
export const MAX_EXPANDED_STRING = 1024 * 1024;
/** The most characters all templated strings of one pod may expand to for one node. */
export const MAX_EXPANDED_POD = 10 * 1024 * 1024;

/** Characters still allowed for the strings of one expansion; shared by the strings of one pod. */
interface Room {
  left: number;
}

/** True when any string (not key) inside `value` contains `{{`, i.e. the value differs per node. */
export function hasTemplate(value: unknown): boolean {
  if (typeof value === "string") return value.includes(OPEN);
  if (Array.isArray(value)) return value.some(hasTemplate);
  if (typeof value === "object" && value !== null) return Object.values(value).some(hasTemplate);
  return false;
}

/** Resolves one expression: a variable reference or a quoted literal ("{{" is written {{ "{{" }}). */
function evaluate(expr: string, ctx: TemplateContext): { value?: string; error?: string; variable?: string } {
  const literal = /^(?:"([^"]*)"|'([^']*)')$/.exec(expr);
  if (literal) return { value: literal[1] ?? literal[2] ?? "" };
  if (expr === "node.name") return { value: ctx.node.name, variable: expr };
  const scopes: Array<[string, Readonly<Record<string, string>>, string]> = [
    ["node.labels.", ctx.node.labels, "node label"],
    ["node.vars.", ctx.node.vars, "node var"],
    ["vars.", ctx.vars, "fleet var"],
  ];
  for (const [prefix, table, what] of scopes) {
    if (!expr.startsWith(prefix)) continue;
    const key = expr.slice(prefix.length);
    if (key === "") return { error: `{{ ${expr} }} names no key` };
    const v = Object.hasOwn(table, key) ? table[key] : undefined;
    if (v === undefined)
      return {
        error: `undefined ${what} "${key}" in {{ ${expr} }}; define it in fleet.yaml under ${
          prefix === "vars."
            ? "the top-level vars"
            : prefix === "node.vars."
              ? "nodes.<node>.vars"
              : "nodes.<node>.labels"
        }`,
        variable: expr,
      };
    return { value: v, variable: expr };
  }
  return {
    error: `unknown template expression {{ ${expr} }}; use node.name, node.labels.KEY, node.vars.KEY, vars.KEY or a quoted literal such as {{ "{{" }}`,
  };
}

function expandString(
  s: string,
  ctx: TemplateContext,
  path: string,
  issues: Issue[],
  used: Set<string>,
  room: Room = { left: MAX_EXPANDED_POD },
): string {
  let out = "";
  let i = 0;
  // Checked before each append, so no string beyond the limits is ever built.
  const fits = (more: number): boolean => {
    const limit = Math.min(MAX_EXPANDED_STRING, room.left);
    if (out.length + more <= limit) return true;
    issues.push({
      severity: "error",
      code: "template-too-large",
      message:
        room.left < MAX_EXPANDED_STRING
          ? `the templated strings of this pod expand to more than ${MAX_EXPANDED_POD.toLocaleString("en-US")} characters for this node`
          : `this string expands to more than ${MAX_EXPANDED_STRING.toLocaleString("en-US")} characters`,
      path,
    });
    return false;
  };
  while (i < s.length) {
    const start = s.indexOf(OPEN, i);
    if (start < 0) break;
    if (!fits(start - i)) return "";
    out += s.slice(i, start);
    // Find the closing braces, skipping a quoted literal so {{ "}}" }} works.
    let j = start + OPEN.length;
    while (j < s.length && s[j] === " ") j++;
    const quote = s[j] === '"' || s[j] === "'" ? s[j] : undefined;
    const searchFrom = quote === undefined ? j : s.indexOf(quote, j + 1) + 1;
    const end = searchFrom <= 0 ? -1 : s.indexOf(CLOSE, searchFrom);
    if (end < 0) {
      issues.push({
        severity: "error",
        code: "template",
        message: `unterminated "{{" in ${JSON.stringify(s)}; close it with "}}" or write a literal as {{ "{{" }}`,
        path,
      });
      return s;
    }
    const expr = s.slice(start + OPEN.length, end).trim();
    const r = evaluate(expr, ctx);
    if (r.variable !== undefined) used.add(r.variable);
    if (r.error !== undefined) issues.push({ severity: "error", code: "template", message: r.error, path });
    if (!fits((r.value ?? "").length)) return "";
    out += r.value ?? "";
    i = end + CLOSE.length;
  }
  if (!fits(s.length - i)) return "";
  out += s.slice(i);
  room.left -= out.length;
  return out;
}

/** One string expanded for one node, as expandTemplates expands it (issues and variables are not reported). */
export function expandTemplateString(s: string, ctx: TemplateContext): string {
  return s.includes(OPEN) ? expandString(s, ctx, "", [], new Set()) : s;
}

/** True when a string value holds a template expression. */
export function isTemplated(s: string): boolean {
  return s.includes(OPEN);
}

/**
 * Returns `value` with every string value expanded for one node. Keys are never templated. Subtrees without
 * templates are returned as they are (shared, not copied): treat both input and output as immutable.
 * Issues carry `path` relative to `basePath`; `used` collects the variables referenced (for explain).
 * `memo` remembers which objects hold templates; pass one map to many calls over the same immutable value.
 */
export function expandTemplates(
  value: unknown,
  ctx: TemplateContext,
  basePath = "",
  memo: WeakMap<object, boolean> = new WeakMap(),
): { value: unknown; issues: Issue[]; used: Set<string> } {
  const issues: Issue[] = [];
  const used = new Set<string>();
  const room: Room = { left: MAX_EXPANDED_POD };
  const templated = (v: unknown): boolean => {
    if (typeof v === "string") return v.includes(OPEN);
    if (typeof v !== "object" || v === null) return false;
    let known = memo.get(v);
    if (known === undefined) {
      known = Array.isArray(v) ? v.some(templated) : Object.values(v).some(templated);
      memo.set(v, known);
    }
    return known;
  };
  const walk = (v: unknown, path: string): unknown => {
    if (!templated(v)) return v;
    if (typeof v === "string") return expandString(v, ctx, path, issues, used, room);
    if (Array.isArray(v)) return v.map((item, i) => walk(item, joinPath(path, i)));
    if (typeof v === "object" && v !== null) {
      // setOwn: a key named __proto__ (or constructor) is a field like any other, never the object's prototype.
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v))
        setOwn(out, k, templated(item) ? walk(item, joinPath(path, k)) : item);
      return out;
    }
    return v;
  };
  return { value: walk(value, basePath), issues, used };
}
