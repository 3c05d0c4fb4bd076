// Reads YAML exactly as the kubelet does (go-yaml v2 via sigs.k8s.io/yaml YAMLToJSON) and flags YAML 1.1/1.2 ambiguities.
import { isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments, type Document, type Scalar, type YAMLMap, type YAMLSeq } from "yaml";
import { ManifestServerError } from "../lib/errors.js";
import { joinPath, type Issue } from "../lib/issues.js";
import {
  BINARY_TAG,
  decodeBinary,
  describeValue,
  sameJson,
  goFormatFloat32,
  jsonOf,
  MERGE_TAG,
  resolvePlain12,
  resolveScalar11,
  TagMismatch,
  type Resolved,
} from "./yaml-resolve.js";

/** One document of a stream. */
export interface YamlDocument {
  /** 1-based position in the stream. */
  index: number;
  /** The JSON value the kubelet would read; null for an empty document. */
  value: unknown;
  /** 1-based line where the document starts. */
  line: number;
  /** `yaml-1.1-ambiguous` warnings: plain scalars YAML 1.1 and YAML 1.2 readers disagree on. */
  warnings: Issue[];
}

/** All documents that could be read, and a `yaml-syntax` error issue (with `doc`) for each that could not. */
export interface YamlParseResult {
  documents: YamlDocument[];
  issues: Issue[];
}

/** The text is not YAML (or JSON) the kubelet could read. `line`/`column` are 1-based when known. */
export class YamlSyntaxError extends ManifestServerError {
  readonly line: number | undefined;
  readonly column: number | undefined;
  constructor(message: string, position?: { line: number; column: number }) {
    super("yaml-syntax", position === undefined ? message : `line ${position.line}:${position.column}: ${message}`, {
      hint: "fix the YAML near that position; quote strings that contain ':', '#' or start with a special character",
    });
    this.line = position?.line;
    this.column = position?.column;
  }
}

/** How many nodes alias expansion may produce in one document before it is rejected as an alias bomb. */
export const MAX_ALIAS_NODES = 1_000_000;
/** How deeply collections may nest. */
export const MAX_DEPTH = 1000;

const PARSE_OPTIONS = { version: "1.1", schema: "failsafe", uniqueKeys: false, merge: false } as const;

class Lines {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) this.starts.push(i + 1);
  }
  at(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (this.starts[lo] ?? 0) + 1 };
  }
}

type Node = Scalar | YAMLMap | YAMLSeq;

/** Converts one composed document to JSON with go-yaml v2 semantics. */
class Converter {
  readonly warnings: Issue[] = [];
  private readonly anchors = new Map<string, Node>();
  private readonly active = new Set<unknown>();
  private aliasNodes = 0;
  constructor(
    private readonly lines: Lines,
    private readonly doc: number,
  ) {}

  fail(message: string, node: unknown): never {
    const range = node !== null && typeof node === "object" && "range" in node ? node.range : undefined;
    const offset = Array.isArray(range) && typeof range[0] === "number" ? range[0] : undefined;
    throw new YamlSyntaxError(message, offset === undefined ? undefined : this.lines.at(offset));
  }

  value(node: unknown, path: string, depth: number, expanding: boolean): unknown {
    if (depth > MAX_DEPTH) this.fail(`collections nest deeper than ${MAX_DEPTH} levels`, node);
    if (expanding && ++this.aliasNodes > MAX_ALIAS_NODES) {
      this.fail(`aliases expand to more than ${MAX_ALIAS_NODES} nodes (an alias bomb?)`, node);
    }
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return this.value(this.target(node), path, depth, true);
    if (!expanding) this.register(node);
    if (isScalar(node)) return this.scalar(node, path, expanding);
    this.active.add(node);
    try {
      if (isMap(node)) {
        const entries = new Map<string, unknown>();
        this.mapInto(entries, node.items, path, depth, expanding);
        return Object.fromEntries(entries);
      }
      if (isSeq(node)) {
        return node.items.map((item, i) => {
          if (!isPair(item)) return this.value(item, joinPath(path, i), depth + 1, expanding);
          const entries = new Map<string, unknown>();
          this.mapInto(entries, [item], joinPath(path, i), depth + 1, expanding);
          return Object.fromEntries(entries);
        });
      }
    } finally {
      this.active.delete(node);
    }
    return this.fail("unsupported YAML node", node);
  }

  // Anchors are registered in document order and never during an alias expansion, so a redefined anchor applies to the aliases after it, as in go-yaml.
  private register(node: unknown): void {
    if ((isScalar(node) || isMap(node) || isSeq(node)) && node.anchor !== undefined) this.anchors.set(node.anchor, node);
  }

  private target(alias: { source: string }): Node {
    const target = this.anchors.get(alias.source);
    if (target === undefined) return this.fail(`unknown anchor '${alias.source}' referenced`, alias);
    if (this.active.has(target)) return this.fail(`anchor '${alias.source}' value contains itself`, alias);
    return target;
  }

  private mapInto(entries: Map<string, unknown>, items: readonly unknown[], path: string, depth: number, expanding: boolean): void {
    for (const pair of items) {
      if (!isPair(pair)) continue;
      const k = pair.key;
      if (isScalar(k) && k.value === "<<" && ((k.type === "PLAIN" && k.tag === undefined) || k.tag === MERGE_TAG)) {
        this.merge(entries, pair.value, path, depth, expanding);
        continue;
      }
      const key = this.key(k, depth, expanding ? undefined : path);
      entries.set(key, this.value(pair.value, joinPath(path, key), depth + 1, expanding));
    }
  }

  private merge(entries: Map<string, unknown>, node: unknown, path: string, depth: number, expanding: boolean): void {
    const wantMap = "map merge requires map or sequence of maps as the value";
    const mergeOne = (n: unknown, viaAlias: boolean): void => {
      const target = isAlias(n) ? this.target(n) : n;
      if (!isMap(target)) return this.fail(wantMap, n);
      if (!isAlias(n) && !expanding) this.register(n);
      this.active.add(target);
      try {
        this.mapInto(entries, target.items, path, depth + 1, expanding || viaAlias || isAlias(n));
      } finally {
        this.active.delete(target);
      }
    };
    if (isSeq(node)) {
      if (!expanding) this.register(node);
      // Earlier maps take precedence, so they are applied last.
      for (let i = node.items.length - 1; i >= 0; i--) mergeOne(node.items[i], false);
    } else if (isMap(node) || isAlias(node)) {
      mergeOne(node, false);
    } else {
      this.fail(wantMap, node);
    }
  }

  /** A map key as sigs.k8s.io/yaml turns it into a JSON field name. `warnPath` is set outside alias expansions: register anchors, report 1.1/1.2 ambiguity. */
  key(node: unknown, depth: number, warnPath?: string): string {
    const scalarNode = isAlias(node) ? this.target(node) : node;
    if (scalarNode === null || scalarNode === undefined) return this.fail("unsupported map key of type null", node);
    if (!isScalar(scalarNode)) return this.fail("invalid map key: a mapping or sequence cannot be a key", node);
    if (depth > MAX_DEPTH) this.fail(`collections nest deeper than ${MAX_DEPTH} levels`, node);
    if (warnPath !== undefined) this.register(scalarNode);
    const r = this.resolve(scalarNode);
    let key: string;
    switch (r.kind) {
      case "str":
      case "timestamp":
        key = r.value;
        break;
      case "bool":
        key = String(r.value);
        break;
      case "int":
        if (r.unsigned) return this.fail(`unsupported map key of type uint64: ${r.value}`, node);
        key = r.value.toString();
        break;
      case "float": {
        const s = goFormatFloat32(r.value);
        key = s === "+Inf" ? ".inf" : s === "-Inf" ? "-.inf" : s === "NaN" ? ".nan" : s;
        break;
      }
      case "null":
        return this.fail("unsupported map key of type null", node);
    }
    if (warnPath !== undefined && !isAlias(node) && isPlainUntagged(scalarNode)) {
      const text = String(scalarNode.value);
      const v12 = resolvePlain12(text);
      const v11 = jsonOf(r);
      if (!sameJson(v11, v12)) {
        this.warn(
          joinPath(warnPath, key),
          `unquoted key '${text}' is ${describeValue(v11, r)} for the kubelet (YAML 1.1), so the field is named ${JSON.stringify(key)}, ` +
            `but ${describeValue(v12)} for YAML 1.2 tools; quote the key (${JSON.stringify(text)})`,
        );
      }
    }
    return key;
  }

  private resolve(node: Scalar): Resolved {
    const text = String(node.value);
    if (node.tag === BINARY_TAG) {
      const decoded = decodeBinary(text);
      return decoded === undefined ? this.fail("invalid base64 in a !!binary scalar", node) : { kind: "str", value: decoded };
    }
    if (isPlainUntagged(node)) return resolveScalar11(text, undefined);
    if (node.tag === undefined) return { kind: "str", value: text };
    try {
      return resolveScalar11(text, node.tag);
    } catch (e) {
      if (e instanceof TagMismatch) return this.fail(e.message, node);
      throw e;
    }
  }

  private scalar(node: Scalar, path: string, expanding: boolean): unknown {
    const r = this.resolve(node);
    const v11 = jsonOf(r);
    if (v11 === undefined) {
      const go = r.kind === "float" && Number.isNaN(r.value) ? "NaN" : r.kind === "float" && r.value < 0 ? "-Inf" : "+Inf";
      return this.fail(`'${String(node.value)}' is not a JSON number (the kubelet fails with: json: unsupported value: ${go}); quote it for a string`, node);
    }
    if (!expanding && isPlainUntagged(node)) {
      const text = String(node.value);
      const v12 = resolvePlain12(text);
      if (!sameJson(v11, v12)) {
        const write = typeof v11 === "string" ? "" : ` or write ${JSON.stringify(v11)}`;
        this.warn(
          path,
          `unquoted '${text}' is ${describeValue(v11, r)} for the kubelet (YAML 1.1) but ${describeValue(v12)} for YAML 1.2 tools; ` +
            `quote it (${JSON.stringify(text)})${write}`,
        );
      }
    }
    return v11;
  }

  private warn(path: string, message: string): void {
    this.warnings.push({ severity: "warning", code: "yaml-1.1-ambiguous", message, doc: this.doc, path });
  }
}

function isPlainUntagged(node: Scalar): boolean {
  return node.type === "PLAIN" && node.tag === undefined;
}

function syntaxErrorOf(doc: Document.Parsed): YamlSyntaxError | undefined {
  const first = doc.errors[0];
  if (first === undefined) return undefined;
  const message = (first.message.split("\n")[0] ?? first.message).replace(/ at line \d+, column \d+:?$/, "");
  const pos = first.linePos?.[0];
  const more = doc.errors.length > 1 ? ` (and ${doc.errors.length - 1} more error${doc.errors.length > 2 ? "s" : ""})` : "";
  return new YamlSyntaxError(message + more, pos === undefined ? undefined : { line: pos.line, column: pos.col });
}

function convert(doc: Document.Parsed, lines: Lines, index: number): { value: unknown; warnings: Issue[] } {
  const error = syntaxErrorOf(doc);
  if (error !== undefined) throw error;
  const converter = new Converter(lines, index);
  return { value: converter.value(doc.contents, "", 0, false), warnings: converter.warnings };
}

// apimachinery's ToJSON: text whose first non-space character is '{' is taken as JSON, as is.
function jsonPrefixed(text: string): boolean {
  return /^\s*\{/u.test(text);
}

function parseJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const offset = /at position (\d+)/.exec(message)?.[1];
    throw new YamlSyntaxError(`invalid JSON: ${message}`, offset === undefined ? undefined : new Lines(text).at(Number(offset)));
  }
  const check = (v: unknown): void => {
    if (typeof v === "number" && !Number.isFinite(v)) throw new YamlSyntaxError("invalid JSON: a number is out of range");
    if (Array.isArray(v)) v.forEach(check);
    else if (v !== null && typeof v === "object") Object.values(v).forEach(check);
  };
  check(value);
  return value;
}

function allDocuments(text: string): Document.Parsed[] {
  try {
    const docs = parseAllDocuments(text, PARSE_OPTIONS);
    if (!("empty" in docs)) return docs;
    const first = docs.errors[0];
    if (first !== undefined) throw new YamlSyntaxError(first.message.split("\n")[0] ?? first.message);
    return [];
  } catch (e) {
    if (e instanceof RangeError) throw new YamlSyntaxError("the YAML nests too deeply to read");
    throw e;
  }
}

/** All documents of a stream (for fleet files). A syntax error in one document is reported with its index; other documents are still returned. */
export function parseYamlDocuments(text: string): YamlParseResult {
  const lines = new Lines(text);
  if (jsonPrefixed(text)) {
    try {
      const value = parseJson(text);
      return { documents: [{ index: 1, value, line: lines.at(text.search(/\{/)).line, warnings: [] }], issues: [] };
    } catch {
      // Not a single JSON value: read it as a YAML stream (JSON documents separated by '---').
    }
  }
  let docs: Document.Parsed[];
  try {
    docs = allDocuments(text);
  } catch (e) {
    if (!(e instanceof YamlSyntaxError)) throw e;
    return { documents: [], issues: [{ severity: "error", code: "yaml-syntax", message: e.message, doc: 1 }] };
  }
  const result: YamlParseResult = { documents: [], issues: [] };
  docs.forEach((doc, i) => {
    try {
      const { value, warnings } = convert(doc, lines, i + 1);
      result.documents.push({ index: i + 1, value, line: lines.at(doc.range[0]).line, warnings });
    } catch (e) {
      if (!(e instanceof YamlSyntaxError)) throw e;
      result.issues.push({ severity: "error", code: "yaml-syntax", message: e.message, doc: i + 1 });
    }
  });
  return result;
}

/**
 * Exactly sigs.k8s.io/yaml YAMLToJSON as the kubelet applies it: the FIRST document only (later ones are ignored,
 * even if invalid); "" or comment-only text gives null; text starting with '{' is read as JSON. Throws YamlSyntaxError.
 */
export function yamlToJson(text: string): unknown {
  if (jsonPrefixed(text)) return parseJson(text);
  const first = allDocuments(text)[0];
  return first === undefined ? null : convert(first, new Lines(text), 1).value;
}

/** Number of documents in a stream, split the way go-yaml splits it: "" and comment-only text count 0, `---\n---\nx` counts 2. */
export function countYamlDocuments(text: string): number {
  try {
    return allDocuments(text).length;
  } catch {
    return 1;
  }
}
