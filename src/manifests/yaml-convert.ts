// Converts one parsed YAML document into the JSON value go-yaml v2 would produce, with YAML 1.1/1.2 warnings.
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type Scalar, type YAMLMap, type YAMLSeq } from "yaml";
import { joinPath, type Issue } from "../lib/issues.js";
import { ExcessiveAliasingError, type KubeletAliasRule } from "./yaml-alias-ratio.js";
import { tooDeepMessage } from "./yaml-depth.js";
import { AliasBudget, MAX_ALIAS_NODES, MAX_ALIAS_NODES_PER_REVISION, MAX_YAML_DEPTH, YamlSyntaxError, YamlTooDeepError } from "./yaml-limits.js";
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

export class Lines {
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
    private readonly maxDepth: number,
    private readonly kubeletRule: KubeletAliasRule | undefined,
  ) {}

  /** One go-yaml `unmarshal` of `node` (see KubeletAliasRule), when the kubelet's alias rule applies. */
  count(node: unknown, inAlias: boolean): void {
    if (this.kubeletRule !== undefined && !this.kubeletRule.decode(inAlias)) {
      throw new ExcessiveAliasingError(this.positionOf(node));
    }
  }

  private tooDeep(node: unknown): never {
    throw new YamlTooDeepError(this.maxDepth, this.positionOf(node));
  }

  fail(message: string, node: unknown): never {
    throw new YamlSyntaxError(message, this.positionOf(node));
  }

  private positionOf(node: unknown): { line: number; column: number } | undefined {
    const range = node !== null && typeof node === "object" && "range" in node ? node.range : undefined;
    const offset = Array.isArray(range) && typeof range[0] === "number" ? range[0] : undefined;
    return offset === undefined ? undefined : this.lines.at(offset);
  }

  /** `depth`: how many collections enclose `node`; a collection at depth `maxDepth` (aliases expanded) is refused. */
  value(node: unknown, path: string, depth: number, expanding: boolean): unknown {
    this.count(node, expanding);
    if (depth >= this.maxDepth && (isMap(node) || isSeq(node))) this.tooDeep(node);
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
          this.count(item, expanding); // go-yaml's implicit mapping of a flow sequence pair
          if (depth + 1 >= this.maxDepth) this.tooDeep(item);
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
      const key = this.key(k, depth, expanding ? undefined : path, expanding);
      entries.set(key, this.value(pair.value, joinPath(path, key), depth + 1, expanding));
    }
  }

  private merge(entries: Map<string, unknown>, node: unknown, path: string, depth: number, expanding: boolean): void {
    const wantMap = "map merge requires map or sequence of maps as the value";
    const mergeOne = (n: unknown, viaAlias: boolean): void => {
      const target = isAlias(n) ? this.target(n) : n;
      if (!isMap(target)) return this.fail(wantMap, n);
      this.count(n, expanding);
      if (isAlias(n)) this.count(target, true);
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
  key(node: unknown, depth: number, warnPath: string | undefined, expanding: boolean): string {
    const scalarNode = isAlias(node) ? this.target(node) : node;
    this.count(node, expanding);
    if (isAlias(node)) this.count(scalarNode, true);
    if (scalarNode === null || scalarNode === undefined) return this.fail("unsupported map key of type null", node);
    if (!isScalar(scalarNode)) return this.fail("invalid map key: a mapping or sequence cannot be a key", node);
    if (depth >= this.maxDepth) this.tooDeep(node);
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
  const message = /call stack/i.test(text) ? `nested too deeply to read (${tooDeepMessage(MAX_YAML_DEPTH, "YAML")})` : text;
  const linePos = first.linePos?.[0];
  const at = linePos === undefined ? lines.at(first.pos[0]) : { line: linePos.line, column: linePos.col };
  const pos = { line: at.line, col: at.column };
  const more = doc.errors.length > 1 ? ` (and ${doc.errors.length - 1} more error${doc.errors.length > 2 ? "s" : ""})` : "";
  return new YamlSyntaxError(message + more, pos === undefined ? undefined : { line: pos.line, column: pos.col });
}

export function convert(
  doc: Document.Parsed,
  lines: Lines,
  index: number,
  aliases: AliasBudget,
  strictKeys: boolean,
  maxDepth = MAX_YAML_DEPTH,
  kubeletRule?: KubeletAliasRule,
): { value: unknown; warnings: Issue[] } {
  const error = syntaxErrorOf(doc, lines);
  if (error !== undefined) throw error;
  const converter = new Converter(lines, index, aliases, strictKeys, maxDepth, kubeletRule);
  converter.count(doc, false); // go-yaml's document node
  return { value: converter.value(doc.contents, "", 0, false), warnings: converter.warnings };
}
