// Canonical, byte-stable renderings of pods and pod lists (JSON for the kubelet, YAML for people and tools).
import { ExactInteger } from "../lib/exact-integer.js";
import { formatNumber, sortedEntries, toYaml } from "./yaml-emit.js";
import { podListYamlSizes } from "./yaml-size.js";

export { toYaml } from "./yaml-emit.js";

/** Output formats of a pod list: a v1 PodList as JSON or YAML, or a `---`-separated stream of pods. */
export type Format = "json" | "yaml" | "stream";

function pad(level: number): string {
  return "  ".repeat(level);
}

/**
 * Pretty canonical JSON of any JSON value: object keys sorted by UTF-16 code unit (the default
 * `Array.prototype.sort()` order), arrays in order, 2-space indentation, `\n` line ends, NO trailing newline.
 * `indent` is the nesting level the text starts at (nested lines are indented one level more), so fragments can be
 * spliced into a larger document. Properties whose value is undefined are skipped; throws on non-finite numbers and
 * on values JSON cannot hold.
 */
export function canonicalJson(value: unknown, indent = 0): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") return formatNumber(value);
  if (value instanceof ExactInteger) return value.text;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const items = value.map((v: unknown) => `${pad(indent + 1)}${canonicalJson(v, indent + 1)}`);
    return `[\n${items.join(",\n")}\n${pad(indent)}]`;
  }
  if (typeof value === "object") {
    const entries = sortedEntries(value);
    if (entries.length === 0) return "{}";
    const items = entries.map(([k, v]) => `${pad(indent + 1)}${JSON.stringify(k)}: ${canonicalJson(v, indent + 1)}`);
    return `{\n${items.join(",\n")}\n${pad(indent)}}`;
  }
  throw new Error(`cannot render a ${typeof value} as JSON: only JSON values are supported`);
}

/**
 * The JSON text of one pod as it appears inside a PodList's items array (indent level 2), without the leading
 * indentation, so a node's list can be assembled from cached fragments with assemblePodListJson.
 */
export function podJsonFragment(pod: object): string {
  return canonicalJson(pod, 2);
}

/** A pod's fragment text split around its variable strings: chunks[0] hole[0] chunks[1] … hole[n-1] chunks[n]. */
export interface FragmentPlan {
  chunks: string[];
  /** The variable strings, in the order they appear in the text. */
  holes: string[];
}

/**
 * Plans podJsonFragment(pod) for pods that differ from `pod` only in the strings `isHole` accepts (same keys, same
 * structure): fillFragmentPlan(plan, values) equals podJsonFragment of the pod whose hole strings are `values`.
 */
export function planPodFragment(pod: object, isHole: (s: string) => boolean): FragmentPlan {
  const chunks: string[] = [];
  const holes: string[] = [];
  let text = "";
  const walk = (value: unknown, indent: number): void => {
    if (typeof value === "string" && isHole(value)) {
      chunks.push(text);
      holes.push(value);
      text = "";
    } else if (value === null || typeof value !== "object" || value instanceof ExactInteger)
      text += canonicalJson(value, indent);
    else if (Array.isArray(value)) {
      if (value.length === 0) text += "[]";
      else {
        text += "[\n";
        value.forEach((v: unknown, i) => {
          text += pad(indent + 1);
          walk(v, indent + 1);
          text += i === value.length - 1 ? `\n${pad(indent)}]` : ",\n";
        });
      }
    } else {
      const entries = sortedEntries(value);
      if (entries.length === 0) text += "{}";
      else {
        text += "{\n";
        entries.forEach(([k, v], i) => {
          text += `${pad(indent + 1)}${JSON.stringify(k)}: `;
          walk(v, indent + 1);
          text += i === entries.length - 1 ? `\n${pad(indent)}}` : ",\n";
        });
      }
    }
  };
  walk(pod, 2);
  chunks.push(text);
  return { chunks, holes };
}

/** The fragment text of a planned pod whose hole strings are `values` (one per plan hole, in order). */
export function fillFragmentPlan(plan: FragmentPlan, values: readonly string[]): string {
  let out = plan.chunks[0] ?? "";
  for (let i = 0; i < values.length; i++) out += JSON.stringify(values[i]) + (plan.chunks[i + 1] ?? "");
  return out;
}

/**
 * A v1 PodList `{"apiVersion":"v1","items":[...],"kind":"PodList","metadata":{}}` with a trailing newline, from
 * fragments already sorted by namespace/name. Equals renderPodList(pods, "json"); no fragments give `"items": []`.
 */
export function assemblePodListJson(fragments: readonly string[]): string {
  const items = fragments.length === 0 ? "[]" : `[\n${fragments.map((f) => `${pad(2)}${f}`).join(",\n")}\n${pad(1)}]`;
  return `{\n${pad(1)}"apiVersion": "v1",\n${pad(1)}"items": ${items},\n${pad(1)}"kind": "PodList",\n${pad(1)}"metadata": {}\n}\n`;
}

function metadataField(pod: object, field: "namespace" | "name"): string | undefined {
  const metadata: unknown = Reflect.get(pod, "metadata");
  if (metadata === null || typeof metadata !== "object") return undefined;
  const v: unknown = Reflect.get(metadata, field);
  return typeof v === "string" ? v : undefined;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A pod list in `format`, pods sorted by namespace (missing = "default"), then name, then content, so the output
 * does not depend on input order. json = assemblePodListJson; yaml = toYaml of the PodList; stream = `---\n` +
 * toYaml(pod) for each pod, no PodList wrapper, and the comment `# no pods\n` when there are none.
 */
export function renderPodList(pods: readonly object[], format: Format): string {
  const sorted = pods
    .map((pod) => ({ pod, ns: metadataField(pod, "namespace") ?? "default", name: metadataField(pod, "name") ?? "", json: podJsonFragment(pod) }))
    .sort((a, b) => compare(a.ns, b.ns) || compare(a.name, b.name) || compare(a.json, b.json));
  switch (format) {
    case "json":
      return assemblePodListJson(sorted.map((p) => p.json));
    case "yaml":
      return toYaml({ apiVersion: "v1", items: sorted.map((p) => p.pod), kind: "PodList", metadata: {} });
    case "stream":
      return sorted.length === 0 ? "# no pods\n" : sorted.map((p) => `---\n${toYaml(p.pod)}`).join("");
  }
}

/**
 * A bound on YAML bytes per JSON byte of the same value: the worst character is U+007F (1 byte in JSON, `\u007F` in
 * YAML: 6); structure and indentation are never larger in YAML than in the canonical JSON. 8 leaves a margin.
 */
export const YAML_PER_JSON_BYTE = 8;

/** The kubelet refuses bodies of this many bytes or more (10 MiB); no served form may reach it. */
export const MAX_SERVED_BYTES = 10 * 1024 * 1024;

/**
 * The first served form of a node's pods (given its JSON PodList bytes) that reaches `limit` bytes, with its size;
 * undefined when every form (json, yaml, stream) stays below. YAML can be several times larger than JSON (escapes,
 * indentation), so each form is measured, not estimated: from each pod's YAML size (podListYamlSizes).
 */
export function oversizedForm(
  json: Buffer,
  pods: readonly object[],
  limit = MAX_SERVED_BYTES,
): { format: Format; bytes: number } | undefined {
  if (json.length >= limit) return { format: "json", bytes: json.length };
  // No YAML form exceeds YAML_PER_JSON_BYTE times the JSON one (see the constant): below that, nothing to render.
  if (json.length * YAML_PER_JSON_BYTE < limit) return undefined;
  const sizes = podListYamlSizes(pods);
  for (const format of ["yaml", "stream"] as const) {
    const bytes = sizes?.[format] ?? Buffer.byteLength(renderPodList(pods, format));
    if (bytes >= limit) return { format, bytes };
  }
  return undefined;
}
