// Reads YAML exactly as the kubelet does (go-yaml v2 via sigs.k8s.io/yaml YAMLToJSON) and flags YAML 1.1/1.2 ambiguities.
import { Composer, Parser, type CST, type Document } from "yaml";
import type { Issue } from "../lib/issues.js";
import { JsonReadError, readJson } from "./yaml-json.js";
import { yamlTooDeep } from "./yaml-depth.js";
import {
  AliasBudget,
  MAX_ALIAS_NODES,
  MAX_ALIAS_NODES_PER_REVISION,
  MAX_JSON_DEPTH,
  MAX_YAML_DEPTH,
  MAX_DOCUMENTS,
  YamlSyntaxError,
  YamlTooDeepError,
} from "./yaml-limits.js";
import { convert, Lines } from "./yaml-convert.js";
import { ExcessiveAliasingError, KubeletAliasRule } from "./yaml-alias-ratio.js";

export type { AliasBudgetState } from "./yaml-limits.js";
export { ExcessiveAliasingError };
export { AliasBudget, MAX_ALIAS_NODES, MAX_ALIAS_NODES_PER_REVISION, MAX_JSON_DEPTH, MAX_YAML_DEPTH, MAX_DOCUMENTS, YamlSyntaxError, YamlTooDeepError };

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
/** How a stream is read. */
export interface YamlReadOptions {
  /** Alias expansion allowed for the whole revision; each file also has its own MAX_ALIAS_NODES. */
  aliasBudget?: AliasBudget;
  /**
   * Configuration files: every key must read as a string in YAML 1.1. A plain key YAML 1.1 turns into a boolean,
   * number or null (`on:`, `0x1a:`) is an error telling to quote it, never a silent conversion.
   */
  strictKeys?: boolean;
  /**
   * Deepest nesting read (yamlToJson only). Default MAX_YAML_DEPTH, safe on any thread; deeper needs a thread with a
   * larger stack (the agent's YAML worker reads to the kubelet's 10,000).
   */
  maxDepth?: number;
  /**
   * Bound alias expansion exactly as the kubelet's decoder does (go-yaml v2's excessive-aliasing rule, see
   * KubeletAliasRule) instead of MAX_ALIAS_NODES and `aliasBudget` (yamlToJson only; the agent reads bodies so).
   */
  kubeletAliasRule?: boolean;
}

const PARSE_OPTIONS = { version: "1.1", schema: "failsafe", uniqueKeys: false, merge: false } as const;

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

/** One composed document, or the error that refused it before composing (then `doc` is empty). */
interface Composed {
  doc: Document.Parsed;
  tooDeep: YamlTooDeepError | undefined;
}

/**
 * The documents of a stream, composed one at a time (so reading can stop early): at most `max` (MAX_DOCUMENTS + 1
 * by default, so a caller can tell "too many"). A document nested deeper than MAX_YAML_DEPTH is never composed (the
 * YAML library composes recursively): it comes empty, with its error.
 */
function* documentsOf(text: string, max = MAX_DOCUMENTS + 1, maxDepth = MAX_YAML_DEPTH): Generator<Composed> {
  let count = 0;
  const refused = new Map<number, YamlTooDeepError>();
  const composer = new Composer(PARSE_OPTIONS);
  for (const doc of composer.compose(depthChecked(text, refused, maxDepth))) {
    yield { doc, tooDeep: refused.get(++count) };
    if (count >= max) return;
  }
  const streamError = count === 0 ? composer.streamInfo().errors[0] : undefined;
  if (streamError !== undefined) throw new YamlSyntaxError(streamError.message.split("\n")[0] ?? streamError.message);
}

/** The syntax tree of `text`; a document nesting deeper than `maxDepth` is emptied and its error kept in `refused`. */
function* depthChecked(
  text: string,
  refused: Map<number, YamlTooDeepError>,
  maxDepth: number,
): Generator<CST.Token> {
  let documents = 0;
  for (const token of new Parser().parse(text)) {
    if (token.type !== "document") {
      yield token;
      continue;
    }
    documents++;
    const deep = yamlTooDeep(token, maxDepth);
    if (deep === undefined) yield token;
    else {
      refused.set(documents, new YamlTooDeepError(maxDepth, new Lines(text).at(deep.offset)));
      yield { ...token, value: undefined };
    }
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
 * per file (MAX_ALIAS_NODES) and by `options.aliasBudget`; nesting by MAX_YAML_DEPTH (MAX_JSON_DEPTH for JSON text).
 * Never throws for any input text.
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
    for (const { doc, tooDeep } of documentsOf(text)) {
      index++;
      if (index > MAX_DOCUMENTS) {
        // First, so that it is listed even when the file's other issues are cut.
        result.issues.unshift(tooManyDocuments(index));
        break;
      }
      try {
        if (tooDeep !== undefined) throw tooDeep;
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
  const maxDepth = options.maxDepth ?? MAX_YAML_DEPTH;
  const first = documentsOf(text, 1, maxDepth).next();
  if (first.done === true) return null;
  if (first.value.tooDeep !== undefined) throw first.value.tooDeep;
  const strict = options.strictKeys === true;
  if (options.kubeletAliasRule === true) {
    const rule = new KubeletAliasRule();
    return convert(first.value.doc, new Lines(text), 1, new AliasBudget(Infinity), strict, maxDepth, rule).value;
  }
  const aliases = new AliasBudget(MAX_ALIAS_NODES, options.aliasBudget);
  return convert(first.value.doc, new Lines(text), 1, aliases, strict, maxDepth).value;
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
