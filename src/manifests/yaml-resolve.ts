// Scalar resolution the way go-yaml v2 (the kubelet's YAML 1.1 reader) does it, plus the YAML 1.2 core reading for comparison.
import { ExactInteger, exactInteger } from "../lib/exact-integer.js";

/** A resolved YAML scalar. `int` keeps full precision; `unsigned` marks values only Go's uint64 could hold. */
export type Resolved =
  | { kind: "null" }
  | { kind: "bool"; value: boolean }
  | { kind: "int"; value: bigint; unsigned: boolean; base: 2 | 8 | 10 | 16 }
  | { kind: "float"; value: number }
  | { kind: "str"; value: string }
  | { kind: "timestamp"; value: string };

export const TAG_PREFIX = "tag:yaml.org,2002:";
const STR = `${TAG_PREFIX}str`;
const BOOL = `${TAG_PREFIX}bool`;
const INT = `${TAG_PREFIX}int`;
const FLOAT = `${TAG_PREFIX}float`;
const NULL = `${TAG_PREFIX}null`;
const TIMESTAMP = `${TAG_PREFIX}timestamp`;
export const BINARY_TAG = `${TAG_PREFIX}binary`;
export const MERGE_TAG = `${TAG_PREFIX}merge`;

const RESOLVE_MAP = new Map<string, Resolved>();
for (const s of ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]) {
  RESOLVE_MAP.set(s, { kind: "bool", value: true });
}
for (const s of ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"]) {
  RESOLVE_MAP.set(s, { kind: "bool", value: false });
}
for (const s of ["", "~", "null", "Null", "NULL"]) RESOLVE_MAP.set(s, { kind: "null" });
for (const s of [".nan", ".NaN", ".NAN"]) RESOLVE_MAP.set(s, { kind: "float", value: NaN });
for (const s of [".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"]) {
  RESOLVE_MAP.set(s, { kind: "float", value: Infinity });
}
for (const s of ["-.inf", "-.Inf", "-.INF"]) RESOLVE_MAP.set(s, { kind: "float", value: -Infinity });

const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
// Go's ParseFloat for text starting with '.': underscores only between digits.
const GO_DOT_FLOAT = /^\.[0-9]+(?:_[0-9]+)*(?:[eE][-+]?[0-9]+(?:_[0-9]+)*)?$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const DIGITS: Record<2 | 8 | 10 | 16, RegExp> = {
  2: /^[01]+$/,
  8: /^[0-7]+$/,
  10: /^[0-9]+$/,
  16: /^[0-9a-fA-F]+$/,
};

function hint(s: string): "M" | "D" | "S" | "." | undefined {
  const c = s[0];
  if (c === undefined) return "M";
  if (c >= "0" && c <= "9") return "D";
  if (c === "+" || c === "-") return "S";
  if (c === ".") return ".";
  return "yYnNtTfFoO~".includes(c) ? "M" : undefined;
}

/** Go `strconv.ParseUint(s, 0, 64)` without the underscore rules (callers strip them): the magnitude and base, or undefined. */
function goParseUnsigned(s: string): { value: bigint; base: 2 | 8 | 10 | 16 } | undefined {
  let base: 2 | 8 | 10 | 16 = 10;
  let digits = s;
  if (s.startsWith("0") && s.length > 1) {
    const p = s[1]?.toLowerCase();
    if (s.length >= 3 && p === "b") [base, digits] = [2, s.slice(2)];
    else if (s.length >= 3 && p === "o") [base, digits] = [8, s.slice(2)];
    else if (s.length >= 3 && p === "x") [base, digits] = [16, s.slice(2)];
    else [base, digits] = [8, s.slice(1)];
  }
  if (!DIGITS[base].test(digits)) return undefined;
  const prefix = base === 2 ? "0b" : base === 8 ? "0o" : base === 16 ? "0x" : "";
  const value = BigInt(prefix + digits);
  return value > UINT64_MAX ? undefined : { value, base };
}

function goParseNumber(plain: string): Resolved | undefined {
  const neg = plain.startsWith("-");
  const signed = neg || plain.startsWith("+");
  const parsed = goParseUnsigned(signed ? plain.slice(1) : plain);
  if (parsed !== undefined) {
    const value = neg ? -parsed.value : parsed.value;
    if (value >= INT64_MIN && value <= INT64_MAX) return { kind: "int", value, unsigned: false, base: parsed.base };
    // ParseUint takes no sign, so "+<huge>" falls through to the float rule.
    if (!signed) return { kind: "int", value, unsigned: true, base: parsed.base };
  }
  if (YAML_STYLE_FLOAT.test(plain)) {
    const f = Number(plain);
    if (Number.isFinite(f)) return { kind: "float", value: f };
  }
  return undefined;
}

function looksLikeTimestamp(s: string): boolean {
  return /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?$/.test(
    s,
  );
}

function resolveImplicit(s: string): Resolved {
  const h = hint(s);
  if (h === undefined) return { kind: "str", value: s };
  const known = RESOLVE_MAP.get(s);
  if (known !== undefined) return known;
  if (h === ".") {
    if (GO_DOT_FLOAT.test(s)) {
      const f = Number(s.replace(/_/g, ""));
      if (Number.isFinite(f)) return { kind: "float", value: f };
    }
  } else if (h === "D" || h === "S") {
    if (looksLikeTimestamp(s)) return { kind: "timestamp", value: s };
    const n = goParseNumber(s.replace(/_/g, ""));
    if (n !== undefined) return n;
  }
  return { kind: "str", value: s };
}

/** Raised when an explicit tag does not fit its scalar (go-yaml: "cannot decode !!str `abc` as a !!int"). */
export class TagMismatch extends Error {}

function shortTag(tag: string): string {
  return tag.startsWith(TAG_PREFIX) ? `!!${tag.slice(TAG_PREFIX.length)}` : tag;
}

/**
 * go-yaml v2 `resolve(tag, in)`: `tag` is undefined for an untagged plain scalar. Tags go-yaml does not resolve
 * (custom ones, `!`, `!!binary`, `!!merge`) yield the text as a string. Throws TagMismatch for e.g. `!!int abc`.
 */
export function resolveScalar11(text: string, tag: string | undefined): Resolved {
  if (tag === undefined) return resolveImplicit(text);
  if (tag === STR) return { kind: "str", value: text };
  const want =
    tag === BOOL ? "bool" : tag === INT ? "int" : tag === FLOAT ? "float" : tag === NULL ? "null" : tag === TIMESTAMP ? "timestamp" : undefined;
  if (want === undefined) return { kind: "str", value: text };
  const got = resolveImplicit(text);
  if (got.kind === want) return got;
  if (want === "float" && got.kind === "int") return { kind: "float", value: Number(got.value) };
  const gotTag = got.kind === "str" ? "!!str" : `!!${got.kind}`;
  throw new TagMismatch(`cannot decode ${gotTag} \`${text}\` as a ${shortTag(tag)}`);
}

/** The JSON value a YAML 1.2 core-schema reader (most editors and JS/Python tools) gives a plain scalar. */
export function resolvePlain12(s: string): null | boolean | number | string {
  if (/^(?:~|[Nn]ull|NULL)?$/.test(s)) return null;
  if (/^(?:[Tt]rue|TRUE)$/.test(s)) return true;
  if (/^(?:[Ff]alse|FALSE)$/.test(s)) return false;
  if (/^0o[0-7]+$/.test(s)) return Number(BigInt(s));
  if (/^[-+]?[0-9]+$/.test(s)) return Number(s);
  if (/^0x[0-9a-fA-F]+$/.test(s)) return Number(BigInt(s));
  if (/^(?:[-+]?\.(?:inf|Inf|INF))$/.test(s)) return s.startsWith("-") ? -Infinity : Infinity;
  if (/^\.(?:nan|NaN|NAN)$/.test(s)) return NaN;
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/.test(s)) return Number(s);
  return s;
}

/** The JSON value of a resolved scalar, or undefined for ±Inf/NaN, which JSON cannot hold. */
export function jsonOf(r: Resolved): null | boolean | number | string | ExactInteger | undefined {
  switch (r.kind) {
    case "null":
      return null;
    case "bool":
      return r.value;
    case "int":
      // An int64 is never rounded: beyond ±2^53 the exact value is kept for validation to judge. A value only Go's
      // uint64 can hold reaches the kubelet as a float64 (sigs.k8s.io/yaml), so it is read as one, as the kubelet does.
      return r.unsigned ? Number(r.value) : exactInteger(r.value);
    case "float":
      return Number.isFinite(r.value) ? r.value : undefined;
    case "str":
    case "timestamp":
      return r.value;
  }
}

/** Go `strconv.FormatFloat(f, 'g', -1, 32)` (how sigs.k8s.io/yaml names float keys): shortest float32 digits, %e form when the decimal exponent is below -4 or at least 6. */
export function goFormatFloat32(f: number): string {
  if (Number.isNaN(f)) return "NaN";
  if (!Number.isFinite(f)) return f > 0 ? "+Inf" : "-Inf";
  const x = Math.fround(f);
  if (!Number.isFinite(x)) return x > 0 ? "+Inf" : "-Inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  let exp = 0;
  let digits = "";
  for (let p = 1; p <= 9; p++) {
    const e = Math.abs(x).toExponential(p - 1);
    if (Math.fround(Number(e)) === Math.abs(x)) {
      const [mant = "", ex = "0"] = e.split("e");
      digits = mant.replace(".", "");
      exp = Number(ex);
      break;
    }
  }
  const sign = x < 0 ? "-" : "";
  if (exp < -4 || exp >= 6) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const abs = Math.abs(exp);
    return `${sign}${mant}e${exp < 0 ? "-" : "+"}${abs < 10 ? "0" : ""}${abs}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
  const frac = digits.slice(exp + 1);
  return `${sign}${intPart}${frac === "" ? "" : `.${frac}`}`;
}

/** How warnings name a JSON scalar: `the boolean true`, `the number 420 (octal)`, `the string "yes"`, `null`. */
export function describeValue(v: null | boolean | number | string | ExactInteger | undefined, r?: Resolved): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return `the boolean ${v}`;
  if (typeof v === "string") return `the string ${JSON.stringify(v)}`;
  const base = r?.kind === "int" ? { 2: " (binary)", 8: " (octal)", 10: "", 16: " (hexadecimal)" }[r.base] : "";
  return `the number ${v instanceof ExactInteger ? v.text : String(v)}${base}`;
}

/** JSON scalar equality where 0 equals -0 and NaN equals NaN. */
export function sameJson(a: unknown, b: unknown): boolean {
  // A YAML 1.2 reader in JavaScript rounds a big integer; the value is the same, only its precision differs.
  if (a instanceof ExactInteger) return typeof b === "number" ? Number(a.value) === b : b instanceof ExactInteger && a.value === b.value;
  return a === b || (typeof a === "number" && typeof b === "number" && Number.isNaN(a) && Number.isNaN(b));
}

/** The text of a `!!binary` scalar (base64, line breaks allowed), or undefined when it is not valid base64. */
export function decodeBinary(text: string): string | undefined {
  const clean = text.replace(/[\r\n]/g, "");
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(clean)) return undefined;
  return new TextDecoder().decode(Buffer.from(clean, "base64"));
}
