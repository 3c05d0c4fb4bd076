// Validates one pod definition and renders its JSON fragment: once per file for an untemplated pod, per node otherwise.
import type { Issue } from "../../lib/issues.js";
import {
  fillFragmentPlan,
  planPodFragment,
  podJsonFragment,
  type FragmentPlan,
} from "../../manifests/render.js";
import { podKey, validatePod } from "../../manifests/validate.js";
import { isRecord } from "../../manifests/validate-walk.js";
import type { SourcePod } from "../pod-sources.js";
import { expandTemplateString, isTemplated, type TemplateContext } from "../template.js";
import type { Prepared } from "./load-memo.js";

function withoutStatus(pod: Record<string, unknown>): Record<string, unknown> {
  if (!Object.hasOwn(pod, "status")) return pod;
  const { status: _status, ...rest } = pod;
  return rest;
}

/**
 * Work shared by every node of one load: a templated pod is rendered once with holes (its plan), and each node only
 * renders its expanded strings into them; `templates` remembers which objects hold templates.
 */
export class LoadScratch {
  readonly templates = new WeakMap<object, boolean>();
  private readonly plans = new Map<SourcePod, FragmentPlan>();

  planOf(s: SourcePod): FragmentPlan {
    let plan = this.plans.get(s);
    if (plan === undefined) this.plans.set(s, (plan = planPodFragment(withoutStatus(s.value), isTemplated)));
    return plan;
  }
}

/** The kubelet's issues with `value` (the pod `s` defines, expanded for `node` when given), placed in s's file. */
export function validateSource(s: SourcePod, value: Record<string, unknown>, node?: string): Issue[] {
  return validatePod(value, { basePath: s.path, ...(node === undefined ? {} : { nodeName: node }) }).map(
    (i) => ({
      ...i,
      file: s.file,
      doc: s.doc,
      ...(node === undefined ? {} : { nodes: [node] }),
    }),
  );
}

/**
 * The pod ready to serve (status removed, key, name and JSON fragment), or undefined when `found` holds an error.
 * `ctx` is the node's template context for a templated pod (its fragment is filled from the plan in `scratch`).
 */
export function preparePod(
  s: SourcePod,
  value: Record<string, unknown>,
  found: readonly Issue[],
  templated?: { ctx: TemplateContext; scratch: LoadScratch },
): Prepared | undefined {
  if (found.some((i) => i.severity === "error")) return undefined;
  const key = podKey(value);
  const meta = value["metadata"];
  const name = isRecord(meta) && typeof meta["name"] === "string" ? meta["name"] : "";
  const served = withoutStatus(value);
  let fragment: string;
  if (templated === undefined) fragment = podJsonFragment(served);
  else {
    const plan = templated.scratch.planOf(s);
    fragment = fillFragmentPlan(
      plan,
      plan.holes.map((h) => expandTemplateString(h, templated.ctx)),
    );
  }
  return { source: s, key, name, served, fragment };
}
