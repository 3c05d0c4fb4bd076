// Validating a templated pod for thousands of nodes without validating every expansion: nodes whose expansions
// agree on every value validation can look at share one result.
import type { Issue } from "../lib/issues.js";
import { labelValueProblem } from "../manifests/validate-names.js";
import { isTemplated } from "./template.js";
import type { SourcePod } from "./pod-sources.js";

type Segments = (string | number)[];

const CONTAINERS = new Set(["containers", "initContainers"]);
const PROBES = new Set(["livenessProbe", "readinessProbe", "startupProbe"]);
const HANDLERS = new Set(["postStart", "preStop"]);

/**
 * True for the strings the kubelet's validation never reads beyond their emptiness (ValidatePodCreate has no rule
 * on them): a container's `args` and `command` items, `env[].value` (only "empty or not" matters, next to
 * `valueFrom`), and the `exec.command` items of probes and lifecycle handlers. A rule that starts reading one of
 * these must remove it from here.
 */
export function isOpaqueToValidation(path: Segments): boolean {
  if (path[0] !== "spec" || !CONTAINERS.has(String(path[1])) || typeof path[2] !== "number") return false;
  const rest = path.slice(3);
  const [a, b, c, d, e] = rest;
  if ((a === "args" || a === "command") && typeof b === "number" && rest.length === 2) return true;
  if (a === "env" && typeof b === "number" && c === "value" && rest.length === 3) return true;
  if (PROBES.has(String(a)) && b === "exec" && c === "command" && typeof d === "number" && rest.length === 4)
    return true;
  return (
    a === "lifecycle" &&
    HANDLERS.has(String(b)) &&
    c === "exec" &&
    d === "command" &&
    typeof e === "number" &&
    rest.length === 5
  );
}

/** How validation reads a hole: not at all beyond emptiness, only as a label value, or in any way. */
type HoleKind = "opaque" | "label-value" | "value";

interface Hole {
  path: Segments;
  kind: HoleKind;
}

function kindOf(path: Segments): HoleKind {
  if (isOpaqueToValidation(path)) return "opaque";
  // A label value is only checked for being a valid label value (metadata.labels.<key>).
  if (path.length === 3 && path[0] === "metadata" && path[1] === "labels") return "label-value";
  return "value";
}

/** The part of a hole's value that validation can tell apart. */
function seen(kind: HoleKind, value: unknown): unknown {
  if (kind === "opaque") return value === "";
  if (kind === "label-value" && typeof value === "string" && labelValueProblem(value) === undefined)
    return true;
  return value;
}

function holesOf(value: unknown, path: Segments = [], out: Hole[] = []): Hole[] {
  if (typeof value === "string") {
    if (isTemplated(value)) out.push({ path: [...path], kind: kindOf(path) });
  } else if (Array.isArray(value)) value.forEach((v, i) => holesOf(v, [...path, i], out));
  else if (typeof value === "object" && value !== null)
    for (const [k, v] of Object.entries(value)) holesOf(v, [...path, k], out);
  return out;
}

function at(value: unknown, path: Segments): unknown {
  let current = value;
  for (const key of path) current = (current as Record<string | number, unknown> | undefined)?.[key];
  return current;
}

/**
 * Validation of templated pods, shared between nodes. `validate(source, expanded, minor)` must not depend on the
 * node other than through the expanded values (no final-name check: the caller checks `<name>-<node>` itself).
 * Expansions that agree on everything validation reads of their holes (opaque ones: being empty; label values:
 * being valid, else the value) get the same issues.
 * One instance per load; results are never reused across revisions by this class.
 */
export class TemplatedValidator {
  private readonly holes = new Map<SourcePod, Hole[]>();
  private readonly results = new Map<SourcePod, Map<string, Issue[]>>();

  constructor(
    private readonly validate: (
      source: SourcePod,
      expanded: Record<string, unknown>,
      minor: number,
    ) => Issue[],
  ) {}

  /** The issues of `expanded` (an expansion of `source`) for kubelet `minor`, shared with equivalent expansions. */
  issuesFor(source: SourcePod, expanded: Record<string, unknown>, minor: number): Issue[] {
    let holes = this.holes.get(source);
    if (holes === undefined) this.holes.set(source, (holes = holesOf(source.value)));
    const parts: unknown[] = [minor];
    for (const hole of holes) {
      parts.push(seen(hole.kind, at(expanded, hole.path)));
    }
    const key = JSON.stringify(parts);
    const byKey = this.results.get(source) ?? this.results.set(source, new Map()).get(source)!;
    let issues = byKey.get(key);
    if (issues === undefined) byKey.set(key, (issues = this.validate(source, expanded, minor)));
    return issues;
  }
}
