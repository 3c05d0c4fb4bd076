// Reads JSON text as the kubelet would, with bounds: nesting depth, non-finite numbers and exact large integers.
import { randomBytes } from "node:crypto";
import { ExactInteger, exactInteger } from "../lib/exact-integer.js";
import { joinPath } from "../lib/issues.js";
import { tooDeepMessage } from "./yaml-depth.js";

/** How deeply JSON collections may nest; deeper input is refused before it is built. */
export const MAX_NESTING = 1000;

/**
 * JSON the reader refuses: `path` names the field when known, `line`/`column` (1-based) the place in the text.
 * `bound` is true when the text is JSON but exceeds a bound (nesting, number range), false when it is not JSON.
 */
export class JsonReadError extends Error {
  constructor(
    message: string,
    readonly position?: { line: number; column: number },
    readonly path?: string,
    readonly bound = true,
  ) {
    super(message);
    this.name = "JsonReadError";
  }
}

function positionAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

interface Scan {
  /** Offsets and lengths of integer literals a number cannot hold exactly. */
  big: Array<[number, number]>;
  /** Whether some number literal overflows to ±Infinity. */
  overflow: boolean;
}

const QUOTE = 34;
const BACKSLASH = 92;

/** One pass over the text outside strings: refuses deep nesting, finds big integers and overflowing numbers. */
function scan(text: string): Scan {
  const out: Scan = { big: [], overflow: false };
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Jump to the closing quote: one not preceded by an odd number of backslashes.
      let j = text.indexOf('"', i + 1);
      while (j !== -1) {
        let k = j - 1;
        while (k > i && text.charCodeAt(k) === BACKSLASH) k--;
        if ((j - 1 - k) % 2 === 0) break;
        j = text.indexOf('"', j + 1);
      }
      if (j === -1) return out; // unterminated: JSON.parse reports it
      i = j;
    } else if (c === 123 || c === 91) {
      if (++depth > MAX_NESTING)
        throw new JsonReadError(tooDeepMessage(MAX_NESTING, "JSON"), positionAt(text, i));
    } else if (c === 125 || c === 93) depth--;
    else if (c === 45 || (c >= 48 && c <= 57)) {
      let j = i + 1;
      let integer = true;
      for (; j < n; j++) {
        const d = text.charCodeAt(j);
        if (d >= 48 && d <= 57) continue;
        if (d === 46 || d === 101 || d === 69 || d === 43 || d === 45) integer = false;
        else break;
      }
      const length = j - i;
      // 2^53 has 16 digits; anything shorter is exact. Only exponent forms and very long literals can overflow.
      if (integer && length >= 16) {
        const v = BigInt(text.slice(i, j));
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) out.big.push([i, length]);
      } else if (!integer && (length > 300 || /[eE]/.test(text.slice(i, j)))) {
        if (!Number.isFinite(Number(text.slice(i, j)))) out.overflow = true;
      }
      i = j - 1;
    }
  }
  return out;
}

/** The path of the first non-finite number in `value` (iterative: the depth is already bounded, but stay flat). */
function nonFinitePath(value: unknown): { path: string; number: number } | undefined {
  const stack: Array<[unknown, string]> = [[value, ""]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === "number" && !Number.isFinite(v)) return { path, number: v };
    if (Array.isArray(v)) for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], joinPath(path, i)]);
    else if (v !== null && typeof v === "object" && !(v instanceof ExactInteger))
      for (const [k, item] of Object.entries(v).reverse()) stack.push([item, joinPath(path, k)]);
  }
  return undefined;
}

function parse(text: string, reviver?: (key: string, value: unknown) => unknown): unknown {
  try {
    return JSON.parse(text, reviver) as unknown;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const offset = /at position (\d+)/.exec(message)?.[1];
    throw new JsonReadError(
      `invalid JSON: ${message}`,
      offset === undefined ? undefined : positionAt(text, Number(offset)),
      undefined,
      false,
    );
  }
}

/**
 * Parses one JSON value. Objects are plain (a `__proto__` key is an ordinary field, as JSON.parse makes it). Throws a
 * JsonReadError for invalid JSON, nesting deeper than MAX_NESTING (checked before anything is built, so no stack
 * overflow), and numbers beyond the float64 range (naming the field). Integers beyond ±2^53 become ExactIntegers.
 */
export function readJson(text: string): unknown {
  const found = scan(text);
  let value: unknown;
  if (found.big.length === 0) value = parse(text);
  else {
    // Replace each big literal by a string carrying a random marker, then turn those strings back into exact values.
    const marker = `\u0000exact-${randomBytes(8).toString("hex")}:`;
    let rewritten = "";
    let at = 0;
    for (const [offset, length] of found.big) {
      rewritten += text.slice(at, offset) + JSON.stringify(marker + text.slice(offset, offset + length));
      at = offset + length;
    }
    rewritten += text.slice(at);
    value = parse(rewritten, (_key, v) =>
      typeof v === "string" && v.startsWith(marker) ? exactInteger(BigInt(v.slice(marker.length))) : v,
    );
  }
  if (found.overflow) {
    const bad = nonFinitePath(value);
    if (bad !== undefined)
      throw new JsonReadError(
        `${bad.path === "" ? "the value" : bad.path}: the number is out of range (it reads as ${bad.number}, which JSON cannot hold); write a smaller number or quote it`,
        undefined,
        bad.path,
      );
  }
  return value;
}

export { ExactInteger };
