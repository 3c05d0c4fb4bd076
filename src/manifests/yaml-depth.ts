// How deeply a YAML document's collections nest, measured on the parser's syntax tree without recursion.
import type { CST } from "yaml";

/** The kubelet's limit: Go's JSON decoder and go-yaml v2's scanner both refuse nesting deeper than 10,000. */
export const KUBELET_MAX_DEPTH = 10_000;

/** The error text for nesting past this reader's `limit`, saying it is this server's limit and what the kubelet's is. */
export function tooDeepMessage(limit: number, format: "JSON" | "YAML"): string {
  const n = (v: number): string => v.toLocaleString("en-US");
  return `nested deeper than ${n(limit)} levels, this server's limit for ${format} (the kubelet's is ${n(KUBELET_MAX_DEPTH)})`;
}

/** A collection nested deeper than a limit: its depth (1 = top level, so always limit + 1) and its offset in the text. */
export interface TooDeep {
  depth: number;
  offset: number;
}

function isCollection(token: CST.Token | undefined): token is CST.BlockMap | CST.BlockSequence | CST.FlowCollection {
  return token?.type === "block-map" || token?.type === "block-seq" || token?.type === "flow-collection";
}

/**
 * A collection of `document` (a CST document token) nested deeper than `limit`, or undefined. Depth counts mappings
 * and sequences (collections used as keys, and the one-pair mapping `[a: b]` makes inside a flow sequence, too), the
 * outermost being 1, as Go's JSON decoder counts `{` and `[`. Aliases are not followed here: the depth they add is
 * checked while converting. Iterative, so any depth is measured without deep recursion.
 */
export function yamlTooDeep(document: CST.Token, limit: number): TooDeep | undefined {
  if (document.type !== "document") return undefined;
  const stack: Array<[CST.Token | undefined, number]> = [[document.value, 1]];
  while (stack.length > 0) {
    const [token, depth] = stack.pop()!;
    if (!isCollection(token)) continue;
    if (depth > limit) return { depth, offset: token.offset };
    const inFlowSeq = token.type === "flow-collection" && token.start.source === "[";
    for (const item of token.items) {
      // Inside `[...]`, `a: b` is a mapping of one pair: one level more.
      const pairMap = inFlowSeq && item.sep?.some((t) => t.type === "map-value-ind") === true;
      if (pairMap && depth + 1 > limit) return { depth: depth + 1, offset: item.key?.offset ?? token.offset };
      const inner = pairMap ? depth + 2 : depth + 1;
      stack.push([item.key ?? undefined, inner]);
      stack.push([item.value, inner]);
    }
  }
  return undefined;
}
