// Validates one Pod the way a kubelet of a given minor judges a static pod from a URL: defaults, then every check.
import type { Issue } from "../lib/issues.js";
import {
  checkAnnotations,
  checkLabels,
  isDns1123Label,
  isDns1123Subdomain,
  labelProblem,
  subdomainProblem,
} from "./validate-names.js";
import { applyPodDefaultsTraced, type DefaultCopy } from "./defaults/pod-defaults.js";
import { schemaIssues } from "./validate-schema.js";
import { structureIssues } from "./validate-structure.js";
import { checkSpec } from "./validate-spec.js";
import { checkStaticPodBans, checkStaticPodWarnings } from "./validate-static.js";
import { IssueSink, isRecord, pathOf, recordAt, stringAt } from "./validate-walk.js";
import { NEWEST_KUBELET_MINOR } from "./rules/context.js";
import { podRules } from "./rules/index.js";

export { isDns1123Label, isDns1123Subdomain };

export interface ValidatePodOptions {
  /** The node the pod is for. When given, also checks the final name `<name>-<lowercased node>` the kubelet creates (DNS-1123 subdomain, ≤ 253). */
  nodeName?: string;
  /** Prefix for every issue path, e.g. "items[3]" when the pod sits in a PodList. Default "". */
  basePath?: string;
  /** The kubelet minor version judging the pod (31 for 1.31). Default: the newest supported. */
  kubeletMinor?: number;
  /** Unknown fields are errors instead of warnings. */
  strict?: boolean;
  /**
   * False leaves out the checks that string values cannot change (unknown fields, int64 range): a caller that
   * validates many expansions of one template runs `structureIssues` on the template once instead. Default true.
   */
  structure?: boolean;
}

/** "namespace/name" of a pod-like value (namespace defaults to "default"), or undefined when metadata.name is not a non-empty string. */
export function podKey(pod: unknown): string | undefined {
  const metadata = recordAt(pod, "metadata");
  const name = stringAt(metadata, "name");
  if (name === undefined || name === "") return undefined;
  const namespace = stringAt(metadata, "namespace");
  return `${namespace === undefined || namespace === "" ? "default" : namespace}/${name}`;
}

function describe(value: unknown): string {
  if (value === undefined) return "missing";
  // JSON.stringify gives undefined only for functions and symbols.
  return JSON.stringify(value) ?? (value as symbol | (() => unknown)).toString();
}

function checkTypeMeta(pod: Record<string, unknown>, base: string, sink: IssueSink): void {
  if (pod["apiVersion"] !== "v1") {
    sink.error(pathOf(base, "apiVersion"), "api-version", `apiVersion must be "v1" (is ${describe(pod["apiVersion"])})`);
  }
  if (pod["kind"] !== "Pod") {
    sink.error(pathOf(base, "kind"), "kind", `kind must be "Pod" (is ${describe(pod["kind"])}); a PodList's items are each a Pod`);
  }
}

function checkMetadata(pod: Record<string, unknown>, base: string, nodeName: string | undefined, sink: IssueSink): void {
  const metadata = recordAt(pod, "metadata");
  const metaPath = pathOf(base, "metadata");
  const name = stringAt(metadata, "name");
  if (name === undefined || name === "") {
    sink.error(pathOf(metaPath, "name"), "name-required", "name is needed for the pod: set metadata.name");
  } else {
    const problem = subdomainProblem(name);
    if (problem !== undefined) sink.error(pathOf(metaPath, "name"), "invalid-name", `pod name "${name}" ${problem}`);
    else if (nodeName !== undefined) {
      const finalName = `${name}-${nodeName.toLowerCase()}`;
      const finalProblem = subdomainProblem(finalName);
      if (finalProblem !== undefined) {
        sink.error(
          pathOf(metaPath, "name"),
          "invalid-final-name",
          `the kubelet names this pod "${finalName}" (name-node), which ${finalProblem}: shorten the pod name or check the node name`,
        );
      }
    }
  }
  const namespace = stringAt(metadata, "namespace");
  if (namespace !== undefined && namespace !== "") {
    const problem = labelProblem(namespace);
    if (problem !== undefined) sink.error(pathOf(metaPath, "namespace"), "invalid-namespace", `namespace "${namespace}" ${problem}`);
  }
  checkLabels(metadata?.["labels"], pathOf(metaPath, "labels"), sink);
  checkAnnotations(metadata?.["annotations"], pathOf(metaPath, "annotations"), sink);
}

function isAtOrUnder(path: string | undefined, prefix: string): boolean {
  if (path === undefined) return false;
  return path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
}

/**
 * Issues found at a field the defaults copied (a request copied from its limit) are reported at the field the user
 * wrote, once: a bad limit is one problem, not two.
 */
function toUserPaths(issues: readonly Issue[], copies: readonly DefaultCopy[], base: string): Issue[] {
  if (copies.length === 0) return [...issues];
  const moves = copies.map((c) => ({ from: pathOf(base, ...c.from), to: pathOf(base, ...c.to) }));
  const seen = new Set<string>();
  const out: Issue[] = [];
  for (const issue of issues) {
    let path = issue.path;
    const move = moves.find((m) => isAtOrUnder(path, m.to));
    if (move !== undefined && path !== undefined) path = move.from + path.slice(move.to.length);
    const key = `${issue.severity}|${issue.code}|${path ?? ""}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(path === issue.path ? issue : { ...issue, path });
  }
  return out;
}

/**
 * Every problem kubelet 1.`kubeletMinor` (default the newest supported) would reject a static pod for, as errors,
 * plus warnings for what it accepts but that hurt, unknown fields included (errors when `strict`). The pod is judged
 * as the kubelet does, after its v1 defaults; issues point at the fields as written. Never throws; `pod` is
 * untrusted parsed JSON. Issues carry `path` (and code/message/severity) only; callers add file/doc.
 */
export function validatePod(pod: unknown, options: ValidatePodOptions = {}): Issue[] {
  const base = options.basePath ?? "";
  const sink = new IssueSink();
  if (!isRecord(pod)) {
    const got = pod === null ? "null" : Array.isArray(pod) ? "an array" : typeof pod;
    sink.error(base, "not-an-object", `a pod must be an object with apiVersion "v1" and kind "Pod", got ${got}`);
    return sink.issues;
  }
  const minor = options.kubeletMinor ?? NEWEST_KUBELET_MINOR;
  // The kubelet validates the decoded pod after its v1 defaults; types and unknown fields are judged as written.
  const { pod: defaulted, copies } = applyPodDefaultsTraced(pod);
  checkTypeMeta(defaulted, base, sink);
  checkMetadata(defaulted, base, options.nodeName, sink);
  checkSpec(defaulted, base, sink);
  checkStaticPodBans(defaulted, base, sink, minor);
  checkStaticPodWarnings(pod, base, sink);
  const ctx = { minor, ...(options.nodeName !== undefined ? { nodeName: options.nodeName } : {}) };
  for (const rule of podRules) rule(defaulted, base, ctx, sink);

  const schema = schemaIssues(pod, base);
  const structure =
    options.structure === false ? [] : structureIssues(pod, { basePath: base, minor, strict: options.strict === true });
  const types = [...schema.types, ...structure];
  const fallback = schema.fallback;
  const own = toUserPaths(sink.issues, copies, base).filter(
    (issue) => !types.some((t) => isAtOrUnder(issue.path, t.path ?? "")),
  );
  const ownPaths = new Set(own.map((i) => i.path));
  return [...types, ...own, ...fallback.filter((r) => !ownPaths.has(r.path))];
}
