// Reads fleet.yaml, re-parsing only the node entries that changed since the previous revision.
import { setOwn } from "../lib/own-property.js";
import { yamlToJson } from "../manifests/yaml.js";
import { isRecord } from "../lib/json.js";

/** Parsed pieces of a fleet.yaml, reusable by the next revision: node entries by their exact text, and the rest. */
export interface FleetYamlCache {
  entries: Map<string, [string, unknown]>;
  rest: { text: string; value: Record<string, unknown> } | undefined;
}

/** The `nodes:` section split into one text per entry, and the file without that section's body. */
interface Split {
  rest: string;
  entries: string[];
}

// fleet.yaml is configuration: a key YAML 1.1 would read as a boolean or number (`on:`, `0x1a:`) is an error.
const STRICT = { strictKeys: true } as const;

const EMPTY: FleetYamlCache = { entries: new Map(), rest: undefined };

const blankOrComment = (line: string): boolean => /^\s*(#.*)?$/.test(line);
const indentOf = (line: string): number => line.length - line.trimStart().length;

/**
 * Splits the block mapping under a top-level `nodes:` into entries, or returns undefined whenever that could
 * change the meaning: anchors, aliases, tags, merge keys, tabs, directives or document markers, flow style for
 * `nodes`, or lines that do not sit where a plain block mapping puts them.
 */
function split(text: string): Split | undefined {
  if (/[&*!\t]|<</.test(text)) return undefined;
  const lines = text.split("\n");
  if (lines.some((l) => /^(---|\.\.\.|%)/.test(l))) return undefined;
  const starts = lines.flatMap((l, i) => (/^nodes:\s*(#.*)?$/.test(l) ? [i] : []));
  if (starts.length !== 1 || lines.some((l) => /^nodes\s*:/.test(l) && !/^nodes:\s*(#.*)?$/.test(l)))
    return undefined;
  const start = starts[0]!;
  let end = start + 1;
  while (end < lines.length && (blankOrComment(lines[end]!) || indentOf(lines[end]!) > 0)) end++;
  const body = lines.slice(start + 1, end);
  const first = body.find((l) => !blankOrComment(l));
  if (first === undefined) return { rest: text, entries: [] };
  const indent = indentOf(first);
  const entries: string[] = [];
  let current: string[] | undefined;
  for (const line of body) {
    if (!blankOrComment(line) && indentOf(line) < indent) return undefined;
    if (!blankOrComment(line) && indentOf(line) === indent) {
      if (line.trimStart().startsWith("-")) return undefined;
      current = [];
      entries.push("");
      current.push(line);
    } else if (current !== undefined) current.push(line);
    if (current !== undefined) entries[entries.length - 1] = current.join("\n");
  }
  const rest = [...lines.slice(0, start + 1), ...lines.slice(end)].join("\n");
  return { rest, entries };
}

/** One entry, read as the only key of `nodes`; undefined when it does not read as exactly one entry. */
function readEntry(entry: string): [string, unknown] | undefined {
  let value: unknown;
  try {
    value = yamlToJson(`nodes:\n${entry}\n`, STRICT);
  } catch {
    return undefined;
  }
  const nodes = isRecord(value) ? value["nodes"] : undefined;
  if (!isRecord(nodes)) return undefined;
  const keys = Object.keys(nodes);
  return keys.length === 1 ? [keys[0]!, nodes[keys[0]!]] : undefined;
}

/** Pairs the entries of a split file with the node keys of its full parse, when the two line up one to one. */
function seed(parts: Split, value: unknown): FleetYamlCache {
  const nodes = isRecord(value) ? value["nodes"] : undefined;
  const keys = isRecord(nodes) ? Object.keys(nodes) : [];
  // Integer-like keys are reordered by JavaScript objects, and duplicates collapse: no one-to-one pairing then.
  if (
    !isRecord(value) ||
    !isRecord(nodes) ||
    keys.length !== parts.entries.length ||
    keys.some((k) => /^\d+$/.test(k))
  )
    return EMPTY;
  const entries = new Map<string, [string, unknown]>();
  parts.entries.forEach((text, i) => entries.set(text, [keys[i]!, nodes[keys[i]!]]));
  const { nodes: _nodes, ...rest } = value;
  return { entries, rest: { text: parts.rest, value: { ...rest, nodes: null } } };
}

/**
 * Exactly `yamlToJson(text)` for fleet.yaml (throws the same errors), faster across revisions: with the previous
 * revision's cache, only node entries whose text changed are parsed again. Also returns the cache for the next one.
 */
export function readFleetYaml(
  text: string,
  previous: FleetYamlCache = EMPTY,
): { value: unknown; cache: FleetYamlCache } {
  const parts = split(text);
  if (parts !== undefined && previous.rest !== undefined) {
    const rest = previous.rest.text === parts.rest ? previous.rest.value : readRest(parts.rest);
    const entries = new Map<string, [string, unknown]>();
    const nodes: Record<string, unknown> = {};
    let ok = rest !== undefined;
    for (const entryText of parts.entries) {
      const entry = previous.entries.get(entryText) ?? entries.get(entryText) ?? readEntry(entryText);
      if (entry === undefined || !ok) {
        ok = false;
        break;
      }
      entries.set(entryText, entry);
      setOwn(nodes, entry[0], entry[1]);
    }
    if (ok && rest !== undefined) {
      const value = { ...rest, nodes: parts.entries.length === 0 ? null : nodes };
      return { value, cache: { entries, rest: { text: parts.rest, value: rest } } };
    }
  }
  const value = yamlToJson(text, STRICT);
  return { value, cache: parts === undefined ? EMPTY : seed(parts, value) };
}

function readRest(text: string): Record<string, unknown> | undefined {
  try {
    const value = yamlToJson(text, STRICT);
    return isRecord(value) && value["nodes"] === null ? value : undefined;
  } catch {
    return undefined;
  }
}
