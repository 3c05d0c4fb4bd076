// Reads YAML exactly as the kubelet does (go-yaml v2 via sigs.k8s.io/yaml YAMLToJSON) and flags YAML 1.1/1.2 ambiguities.
import { Composer, isAlias, isMap, isPair, isScalar, isSeq, Parser, type Document, type Scalar, type YAMLMap, type YAMLSeq } from "yaml";
import { ManifestServerError } from "../lib/errors.js";
import { joinPath, type Issue } from "../lib/issues.js";
import { JsonReadError, MAX_NESTING, readJson } from "./yaml-json.js";
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

/** How many nodes alias expansion may produce in one file (all its documents) before it is rejected as an alias bomb. */
export const MAX_ALIAS_NODES = 250_000;
/** How many nodes alias expansion may produce in one revision (all its files); see AliasBudget. */
export const MAX_ALIAS_NODES_PER_REVISION = 1_000_000;
/** How deeply collections may nest (YAML and JSON alike). */
export const MAX_DEPTH = MAX_NESTING;
/** How many documents one file may hold; reading stops beyond it. */
export const MAX_DOCUMENTS = 1_000;

/** Alias expansion allowed across several reads (e.g. every file of a revision); pass one to each parse. */
export class AliasBudget {
  private used = 0;
  constructor(
    readonly limit: number,
    private readonly parent?: AliasBudget,
  ) {}

  private refused = false;

  /** Spends one expanded node here and in the parent; false once either is exhausted. */
  spend(): boolean {
    const ok = ++this.used <= this.limit && (this.parent === undefined || this.parent.spend());
    if (!ok) this.refused = true;
    return ok;
  }

  /** Whether an expansion was refused: reading more of the same input can only be refused again. */
  get spent(): boolean {
    return this.refused;
  }

  /** Whether this budget (not its parent) is the one exhausted. */
  get exhausted(): boolean {
    return this.used > this.limit;
  }
}

/** How a stream is read. */
export interface YamlReadOptions {
  /** Alias expansion allowed for the whole revision; each file also has its own MAX_ALIAS_NODES. */
  aliasBudget?: AliasBudget;
  /**
   * Configuration files: every key must read as a string in YAML 1.1. A plain key YAML 1.1 turns into a boolean,
   * number or null (`on:`, `0x1a:`) is an error telling to quote it, never a silent conversion.
   */
  strictKeys?: boolean;
}

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
  constructor(
    private readonly lines: Lines,
    private readonly doc: number,
    private readonly aliases: AliasBudget,
    private readonly strictKeys: boolean,
  ) {}

  fail(message: string, node: unknown): never {
    const range = node !== null && typeof node === "object" && "range" in node ? node.range : undefined;
    const offset = Array.isArray(range) && typeof range[0] === "number" ? range[0] : undefined;
    throw new YamlSyntaxError(message, offset === undefined ? undefined : this.lines.at(offset));
  }

  value(node: unknown, path: string, depth: number, expanding: boolean): unknown {
    if (depth > MAX_DEPTH) this.fail(`nested deeper than ${MAX_DEPTH.toLocaleString("en-US")} levels`, node);
    if (expanding && !this.aliases.spend()) {
      this.fail(
        this.aliases.exhausted
          ? `aliases expand to more than ${MAX_ALIAS_NODES.toLocaleString("en-US")} nodes in this file (an alias bomb?)`
          : `aliases expand to more than ${MAX_ALIAS_NODES_PER_REVISION.toLocaleString("en-US")} nodes in this revision (an alias bomb?)`,
        node,
      );
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
    if (depth > MAX_DEPTH) this.fail(`nested deeper than ${MAX_DEPTH.toLocaleString("en-US")} levels`, node);
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
    if (this.strictKeys && r.kind !== "str" && isPlainUntagged(scalarNode)) {
      const text = String(scalarNode.value);
      return this.fail(
        `key '${text}' is ${describeValue(jsonOf(r), r)} in YAML 1.1, not the string "${text}"; quote it (${JSON.stringify(text)})`,
        node,
      );
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

function syntaxErrorOf(doc: Document.Parsed, lines: Lines): YamlSyntaxError | undefined {
  const first = doc.errors[0];
  if (first === undefined) return undefined;
  const text = (first.message.split("\n")[0] ?? first.message).replace(/ at line \d+, column \d+:?$/, "");
  // The YAML library records its own stack overflow as an error of the document.
  const message = /call stack/i.test(text) ? `nested too deeply to read (at most ${MAX_DEPTH.toLocaleString("en-US")} levels)` : text;
  const linePos = first.linePos?.[0];
  const at = linePos === undefined ? lines.at(first.pos[0]) : { line: linePos.line, column: linePos.col };
  const pos = { line: at.line, col: at.column };
  const more = doc.errors.length > 1 ? ` (and ${doc.errors.length - 1} more error${doc.errors.length > 2 ? "s" : ""})` : "";
  return new YamlSyntaxError(message + more, pos === undefined ? undefined : { line: pos.line, column: pos.col });
}

function convert(
  doc: Document.Parsed,
  lines: Lines,
  index: number,
  aliases: AliasBudget,
  strictKeys: boolean,
): { value: unknown; warnings: Issue[] } {
  const error = syntaxErrorOf(doc, lines);
  if (error !== undefined) throw error;
  const converter = new Converter(lines, index, aliases, strictKeys);
  return { value: converter.value(doc.contents, "", 0, false), warnings: converter.warnings };
}

// apimachinery's ToJSON: text whose first non-space character is '{' is taken as JSON, as is.
function jsonPrefixed(text: string): boolean {
  return /^\s*\{/u.test(text);
}

function parseJson(text: string): unknown {
  try {
    return readJson(text);
  } catch (e) {
    if (!(e instanceof JsonReadError)) throw e;
    throw new YamlSyntaxError(e.message, e.position);
  }
}

/**
 * The documents of a stream, composed one at a time (so reading can stop early): at most `max` (MAX_DOCUMENTS + 1
 * by default, so a caller can tell "too many"). Throws YamlSyntaxError when the stream nests too deeply to compose.
 */
function* documentsOf(text: string, max = MAX_DOCUMENTS + 1): Generator<Document.Parsed> {
  let count = 0;
  try {
    const composer = new Composer(PARSE_OPTIONS);
    for (const doc of composer.compose(new Parser().parse(text))) {
      yield doc;
      if (++count >= max) return;
    }
    const streamError = count === 0 ? composer.streamInfo().errors[0] : undefined;
    if (streamError !== undefined) throw new YamlSyntaxError(streamError.message.split("\n")[0] ?? streamError.message);
  } catch (e) {
    if (e instanceof RangeError)
      throw new YamlSyntaxError(`nested too deeply to read (at most ${MAX_DEPTH.toLocaleString("en-US")} levels)`);
    throw e;
  }
}

/** The error of a document beyond MAX_DOCUMENTS. */
function tooManyDocuments(index: number): Issue {
  return {
    severity: "error",
    code: "too-many-documents",
    message: `the file holds more than ${MAX_DOCUMENTS.toLocaleString("en-US")} documents; split it (reading stopped here)`,
    doc: index,
  };
}

/**
 * All documents of a stream (for fleet files). A syntax error in one document is reported with its index; other
 * documents are still returned. At most MAX_DOCUMENTS are read (an error says so beyond); alias expansion is bounded
 * per file (MAX_ALIAS_NODES) and by `options.aliasBudget`; nesting by MAX_DEPTH. Never throws for any input text.
 */
export function parseYamlDocuments(text: string, options: YamlReadOptions = {}): YamlParseResult {
  const lines = new Lines(text);
  if (jsonPrefixed(text)) {
    try {
      const value = readJson(text);
      return { documents: [{ index: 1, value, line: lines.at(text.search(/\{/)).line, warnings: [] }], issues: [] };
    } catch (e) {
      // Not a single JSON value: read it as a YAML stream (JSON documents separated by '---'), unless it was JSON
      // refused for its bounds (nesting, number range), which YAML would refuse too, at more cost.
      if (!(e instanceof JsonReadError)) throw e;
      if (e.bound) {
        const message = new YamlSyntaxError(e.message, e.position).message;
        return { documents: [], issues: [{ severity: "error", code: "yaml-syntax", message, doc: 1 }] };
      }
    }
  }
  const aliases = new AliasBudget(MAX_ALIAS_NODES, options.aliasBudget);
  const result: YamlParseResult = { documents: [], issues: [] };
  let index = 0;
  try {
    for (const doc of documentsOf(text)) {
      index++;
      if (index > MAX_DOCUMENTS) {
        // First, so that it is listed even when the file's other issues are cut.
        result.issues.unshift(tooManyDocuments(index));
        break;
      }
      try {
        const { value, warnings } = convert(doc, lines, index, aliases, options.strictKeys === true);
        result.documents.push({ index, value, line: lines.at(doc.range[0]).line, warnings });
      } catch (e) {
        if (!(e instanceof YamlSyntaxError)) throw e;
        result.issues.push({ severity: "error", code: "yaml-syntax", message: e.message, doc: index });
        // An alias bomb: the budget is gone, so the rest of the file is not read (each document costs time).
        if (aliases.spent) break;
      }
    }
  } catch (e) {
    if (!(e instanceof YamlSyntaxError)) throw e;
    result.issues.push({ severity: "error", code: "yaml-syntax", message: e.message, doc: index + 1 });
  }
  return result;
}

/**
 * Exactly sigs.k8s.io/yaml YAMLToJSON as the kubelet applies it: the FIRST document only (later ones are ignored,
 * even if invalid); "" or comment-only text gives null; text starting with '{' is read as JSON. Throws YamlSyntaxError.
 * `options.strictKeys` reads configuration files (see YamlReadOptions).
 */
export function yamlToJson(text: string, options: YamlReadOptions = {}): unknown {
  if (jsonPrefixed(text)) return parseJson(text);
  const first = documentsOf(text, 1).next();
  if (first.done === true) return null;
  const aliases = new AliasBudget(MAX_ALIAS_NODES, options.aliasBudget);
  return convert(first.value, new Lines(text), 1, aliases, options.strictKeys === true).value;
}

/**
 * Number of documents in a stream, split the way go-yaml splits it: "" and comment-only text count 0, `---\n---\nx`
 * counts 2. Counting stops at MAX_DOCUMENTS + 1.
 */
export function countYamlDocuments(text: string): number {
  try {
    let n = 0;
    for (const _doc of documentsOf(text)) n++;
    return n;
  } catch {
    return 1;
  }
}
