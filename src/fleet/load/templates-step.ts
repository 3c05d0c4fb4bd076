// Step 4: one templated pod expanded for one node, validated and rendered; reused while the node's context holds.
import type { Issue } from "../../lib/issues.js";
import { isRecord } from "../../manifests/validate-walk.js";
import type { SourcePod } from "../pod-sources.js";
import { expandTemplates, type TemplateContext } from "../template.js";
import type { TemplatedMemo } from "./load-memo.js";
import { preparePod, validateSource, type LoadScratch } from "./prepare-pod.js";

/**
 * A node's template context and how its pods are judged, as a string: equal strings expand and validate every
 * template the same way.
 */
export function templateContextKey(ctx: TemplateContext, minor: number, strict: boolean): string {
  return JSON.stringify([ctx.node.name, ctx.node.labels, ctx.node.vars, ctx.vars, minor, strict]);
}

/**
 * `s` expanded for the node of `ctx`: `previous` itself when it was computed in the same context (an unchanged
 * definition is the same object, since its file did not change), else expanded, validated and prepared anew.
 */
export function expandForNode(
  s: SourcePod,
  ctx: TemplateContext,
  context: string,
  previous: TemplatedMemo | undefined,
  scratch: LoadScratch,
  judging: { minor: number; strict: boolean },
): TemplatedMemo {
  if (previous !== undefined && previous.context === context) return previous;
  const node = ctx.node.name;
  const expanded = expandTemplates(s.value, ctx, s.path, scratch.templates);
  const found: Issue[] = expanded.issues.map((i) => ({ ...i, file: s.file, doc: s.doc, nodes: [node] }));
  if (found.length === 0 && isRecord(expanded.value))
    found.push(...validateSource(s, expanded.value, { ...judging, templated: { node, scratch } }));
  return {
    context,
    used: [...expanded.used].sort(),
    issues: found,
    prepared: isRecord(expanded.value) ? preparePod(s, expanded.value, found, { ctx, scratch }) : undefined,
  };
}
