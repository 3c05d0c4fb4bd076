// Canonical YAML that YAML 1.1 (the kubelet's go-yaml) and YAML 1.2 core readers read as the same JSON value.
import { ExactInteger } from "../lib/exact-integer.js";
import { resolvePlain12, resolveScalar11 } from "./yaml-resolve.js";

/** Implicit keys longer than this are written in the explicit `? key` form: go-yaml stops looking for ':' after 1024 characters. */
const MAX_IMPLICIT_KEY = 1000;

/**
 * The entries of a JSON object, keys sorted by UTF-16 code unit (the default `Array.prototype.sort()` order);
 * properties whose value is `undefined` are skipped, as JSON.stringify does.
 */
export function sortedEntries(value: object): [string, unknown][] {
  return Object.keys(value)
    .sort()
    .flatMap((k): [string, unknown][] => {
      const v: unknown = Reflect.get(value, k);
      return v === undefined ? [] : [[k, v]];
    });
}

/** A JSON number as both readers accept it (JS exponent forms like `1e+21` match both float grammars). Throws on ±Inf/NaN. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`cannot render the non-finite number ${n}: JSON has no such value`);
  return String(n);
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
const MUST_ESCAPE = /[\u0000-\u001f"\\\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]/g;

/** A double-quoted YAML scalar with every character neither reader takes literally escaped. Throws on a lone surrogate. */
export function quote(s: string): string {
  return `"${s.replace(MUST_ESCAPE, (c, offset: number) => {
    switch (c) {
      case "\\":
        return "\\\\";
      case '"':
        return '\\"';
      case "\n":
        return "\\n";
      case "\t":
        return "\\t";
      case "\r":
        return "\\r";
    }
    const code = c.charCodeAt(0);
    if (code >= 0xd800 && code <= 0xdfff) {
      const pair = code <= 0xdbff ? s.charCodeAt(offset + 1) : s.charCodeAt(offset - 1);
      const paired = code <= 0xdbff ? pair >= 0xdc00 && pair <= 0xdfff : pair >= 0xd800 && pair <= 0xdbff;
      if (!paired) throw new Error(`cannot render a string with a lone surrogate U+${code.toString(16).toUpperCase()} as YAML`);
      return c;
    }
    return `\\u${code.toString(16).padStart(4, "0").toUpperCase()}`;
  })}"`;
}

/** True when `key` reads as the same string, unquoted, in YAML 1.1 (go-yaml) and YAML 1.2 core. */
export function isPlainSafeKey(key: string): boolean {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_./-]*$/.test(key) || key.length > MAX_IMPLICIT_KEY) return false;
  const r11 = resolveScalar11(key, undefined);
  return r11.kind === "str" && resolvePlain12(key) === key;
}

function inline(value: unknown): string | undefined {
  if (value === null) return "null";
  if (typeof value === "boolean") return String(value);
  if (typeof value === "number") return formatNumber(value);
  if (value instanceof ExactInteger) return value.text;
  if (typeof value === "string") return quote(value);
  if (Array.isArray(value)) return value.length === 0 ? "[]" : undefined;
  if (typeof value === "object") return sortedEntries(value).length === 0 ? "{}" : undefined;
  throw new Error(`cannot render a ${typeof value} as YAML: only JSON values are supported`);
}

function pad(n: number): string {
  return " ".repeat(n);
}

function emitValueAfter(head: string, value: unknown, childIndent: number, out: string[]): void {
  const text = inline(value);
  if (text !== undefined) {
    out.push(`${head} ${text}`);
    return;
  }
  out.push(head);
  emitBlock(value, childIndent, out);
}

function emitBlock(value: unknown, indent: number, out: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) {
      const text = inline(item);
      if (text !== undefined) {
        out.push(`${pad(indent)}- ${text}`);
        continue;
      }
      const start = out.length;
      emitBlock(item, indent + 2, out);
      out[start] = `${pad(indent)}- ${(out[start] ?? "").slice(indent + 2)}`;
    }
    return;
  }
  if (value === null || typeof value !== "object") throw new Error("emitBlock needs a non-empty collection");
  for (const [k, v] of sortedEntries(value)) {
    const key = isPlainSafeKey(k) ? k : quote(k);
    if (key.length <= MAX_IMPLICIT_KEY) {
      // A block sequence may sit at its key's indentation (the kubectl style); a mapping is indented.
      emitValueAfter(`${pad(indent)}${key}:`, v, Array.isArray(v) ? indent : indent + 2, out);
    } else {
      out.push(`${pad(indent)}? ${key}`);
      emitValueAfter(`${pad(indent)}:`, v, indent + 2, out);
    }
  }
}

/**
 * YAML text of any JSON value that YAML 1.1 (go-yaml) and YAML 1.2 (core schema) readers read identically:
 * every string double-quoted, keys plain only when unambiguous in both, numbers/bools/null plain, empty {} and []
 * inline, block style otherwise, keys sorted by UTF-16 code unit, 2-space indentation, final newline.
 * Throws on values JSON cannot hold (non-finite numbers, undefined in arrays, bigint, functions) and lone surrogates.
 */
export function toYaml(value: unknown): string {
  const text = inline(value);
  if (text !== undefined) return `${text}\n`;
  const out: string[] = [];
  emitBlock(value, 0, out);
  return `${out.join("\n")}\n`;
}
