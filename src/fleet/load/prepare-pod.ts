// Validates one pod definition and renders its JSON fragment: once per file for an untemplated pod, per node otherwise.
import type { Issue } from "../../lib/issues.js";
import {
  fillFragmentPlan,
  planPodFragment,
  podJsonFragment,
  type FragmentPlan,
} from "../../manifests/render.js";
import { podKey, validatePod } from "../../manifests/validate.js";
import { podYamlSize } from "../../manifests/yaml-size.js";
import { structureIssues } from "../../manifests/validate-structure.js";
import { isRecord } from "../../manifests/validate-walk.js";
import type { SourcePod } from "../pod-sources.js";
import { expandTemplateString, isTemplated, type TemplateContext } from "../template.js";
import { TemplatedValidator } from "../templated-validation.js";
import type { Prepared } from "./load-memo.js";

/** JSON size from which an untemplated pod's YAML size is measured when it is prepared. */
const MEASURE_YAML_FROM = 64 * 1024;

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
  /**
   * Templates fill in string values only, so a templated pod's keys and numbers (unknown fields, int64 range) are
   * checked once per definition and kubelet minor, and expansions that agree on everything validation reads share
   * one result (templated-validation.ts). The final name `<name>-<node>` is checked per node (size-step.ts).
   */
  readonly templated: TemplatedValidator;

  constructor(strict: boolean) {
    this.templated = new TemplatedValidator((s, value, minor) => [
      ...validatePod(value, { basePath: s.path, kubeletMinor: minor, strict, structure: false }),
      ...structureIssues(s.value, { basePath: s.path, minor, strict }),
    ]);
  }

  planOf(s: SourcePod): FragmentPlan {
    let plan = this.plans.get(s);
    if (plan === undefined) this.plans.set(s, (plan = planPodFragment(withoutStatus(s.value), isTemplated)));
    return plan;
  }
}

/** How a pod is judged: the kubelet minor, strictness, and for a templated pod its node and the load's scratch. */
export interface JudgeOptions {
  minor: number;
  strict: boolean;
  templated?: { node: string; scratch: LoadScratch };
}

/**
 * The kubelet's issues with `value` (the pod `s` defines, expanded for a node when `templated` says so), placed in
 * s's file. A templated pod's result comes from the load's shared TemplatedValidator.
 */
export function validateSource(s: SourcePod, value: Record<string, unknown>, options: JudgeOptions): Issue[] {
  const { minor, strict, templated } = options;
  const found =
    templated === undefined
      ? validatePod(value, { basePath: s.path, kubeletMinor: minor, strict })
      : templated.scratch.templated.issuesFor(s, value, minor);
  return found.map((i) => ({
    ...i,
    file: s.file,
    doc: s.doc,
    ...(templated === undefined ? {} : { nodes: [templated.node] }),
  }));
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
  if (templated === undefined) {
    fragment = podJsonFragment(served);
    // A large pod's YAML is measured here (in a reader thread for a large file), not by every node's size check.
    if (fragment.length >= MEASURE_YAML_FROM)
      return { source: s, key, name, served, fragment, yamlSize: podYamlSize(served) };
  } else {
    const plan = templated.scratch.planOf(s);
    fragment = fillFragmentPlan(
      plan,
      plan.holes.map((h) => expandTemplateString(h, templated.ctx)),
    );
  }
  return { source: s, key, name, served, fragment };
}
