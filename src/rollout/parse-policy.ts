// Validates the `rollout:` section of fleet.yaml (every issue, each naming its place) and resolves each node's wave.
import type { NodeDecl } from "../fleet/fleet-config.js";
import { matchesSelector, parseSelector, type LabelSelector } from "../fleet/selector.js";
import { expandTemplates } from "../fleet/template.js";
import { joinPath, type Issue } from "../lib/issues.js";
import { parseDuration } from "../lib/duration.js";
import { messageOf } from "../lib/errors.js";
import { isDns1123Subdomain } from "../manifests/validate.js";
import {
  DEFAULT_DEADLINE_MS,
  type Amount,
  type OnFailure,
  type ResolvedRollout,
  type RolloutPolicy,
  type WavePolicy,
} from "./policy.js";

/** What the policy is checked against: the fleet's nodes (after `nodes/<name>/` folders) and fleet-wide vars. */
export interface PolicyFleet {
  nodes: ReadonlyMap<string, NodeDecl>;
  vars: Readonly<Record<string, string>>;
}

const ROOT = "rollout";

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

class Checker {
  readonly issues: Issue[] = [];
  constructor(private readonly file: string) {}
  error(path: string, message: string, nodes?: string[]): void {
    this.issues.push({
      severity: "error",
      code: "rollout-policy",
      message,
      file: this.file,
      path,
      ...(nodes === undefined ? {} : { nodes }),
    });
  }
  /** A mapping, with unknown fields reported; an empty mapping for anything else (reported). */
  mapping(value: unknown, path: string, allowed: readonly string[], what: string): Record<string, unknown> {
    if (!isRecord(value)) {
      this.error(path, `${what} must be a mapping with ${allowed.join(", ")}`);
      return {};
    }
    for (const k of Object.keys(value))
      if (!allowed.includes(k))
        this.error(joinPath(path, k), `unknown field "${k}"; allowed here: ${allowed.join(", ")}`);
    return value;
  }
  /** A duration (`10m`, `90s`, `1h30m`, or a number of seconds); `fallback` when absent. */
  duration(value: unknown, path: string, fallback: number): number {
    if (value === undefined || value === null) return fallback;
    if (typeof value === "number" && value >= 0 && Number.isFinite(value)) return Math.round(value * 1000);
    if (typeof value === "string")
      try {
        return parseDuration(value);
      } catch (e) {
        this.error(path, messageOf(e));
        return fallback;
      }
    this.error(path, `${JSON.stringify(value)} is not a duration: use e.g. 30s, 10m or 1h30m`);
    return fallback;
  }
  /** A count (an integer ≥ `min`) or a percentage `"N%"` (`min` < N ≤ 100 for counts of at least 1). */
  amount(value: unknown, path: string, min: 0 | 1): Amount | undefined {
    const what = min === 1 ? "nodes switched at a time" : "failed nodes tolerated";
    const text = typeof value === "string" ? value.trim() : undefined;
    if (typeof value === "number" || (text !== undefined && /^\d+$/.test(text))) {
      const count = Number(value);
      if (Number.isInteger(count) && count >= min) return { count };
      this.error(
        path,
        min === 1
          ? `${JSON.stringify(value)} ${what} would never switch a node; use a count of at least 1 or a percentage such as "25%"`
          : `${JSON.stringify(value)} is not a count of ${what}; use an integer of at least 0 or a percentage such as "10%"`,
      );
      return undefined;
    }
    const m = text === undefined ? null : /^(\d+(?:\.\d+)?)%$/.exec(text);
    if (m === null) {
      this.error(path, `${JSON.stringify(value)} is not a count or a percentage such as "25%"`);
      return undefined;
    }
    const percent = Number(m[1]);
    if (percent > 100) this.error(path, `${text} is over 100%`);
    else if (min === 1 && percent === 0) this.error(path, `${text} ${what} would never switch a node`);
    else return { percent };
    return undefined;
  }
}

interface WaveDraft {
  policy: WavePolicy;
  nodes: Set<string>;
  selector: LabelSelector | undefined;
  path: string;
}

function parseWave(c: Checker, raw: unknown, path: string, fleet: PolicyFleet, file: string): WaveDraft {
  const w = c.mapping(raw, path, ["name", "nodes", "selector", "soak", "maxNodes"], "a wave");
  const name = typeof w["name"] === "string" ? w["name"] : "";
  if (!isDns1123Subdomain(name))
    c.error(
      joinPath(path, "name"),
      `a wave needs a name: lowercase letters, digits and '-' (got ${JSON.stringify(w["name"] ?? null)})`,
    );
  const nodes = new Set<string>();
  if (w["nodes"] !== undefined && w["nodes"] !== null) {
    const np = joinPath(path, "nodes");
    if (!Array.isArray(w["nodes"])) c.error(np, "nodes must be a list of node names");
    else
      w["nodes"].forEach((n: unknown, i) => {
        if (typeof n === "string" && fleet.nodes.has(n)) nodes.add(n);
        else
          c.error(
            joinPath(np, i),
            typeof n === "string"
              ? `wave lists node "${n}", which fleet.yaml does not declare and has no nodes/${n}/ folder`
              : "a node name must be a string",
          );
      });
  }
  let selector: LabelSelector | undefined;
  if (w["selector"] !== undefined && w["selector"] !== null) {
    const parsed = parseSelector(w["selector"], { file, path: joinPath(path, "selector") });
    c.issues.push(...parsed.issues);
    selector = parsed.selector;
  }
  const maxNodes =
    w["maxNodes"] === undefined || w["maxNodes"] === null
      ? undefined
      : c.amount(w["maxNodes"], joinPath(path, "maxNodes"), 1);
  const soakMs = c.duration(w["soak"], joinPath(path, "soak"), 0);
  return { policy: { name, soakMs, maxNodes }, nodes, selector, path };
}

/** Every node's wave: the first wave that lists or selects it; a wave with neither takes every node left. */
function assignWaves(c: Checker, drafts: readonly WaveDraft[], fleet: PolicyFleet): Map<string, number> {
  const waveOf = new Map<string, number>();
  const counts = drafts.map(() => 0);
  const names = [...fleet.nodes.keys()].sort();
  for (const name of names) {
    const labels = fleet.nodes.get(name)?.labels ?? {};
    const i = drafts.findIndex(
      (d) =>
        d.nodes.has(name) ||
        (d.selector !== undefined && matchesSelector(d.selector, labels)) ||
        (d.selector === undefined && d.nodes.size === 0),
    );
    if (i < 0) continue;
    waveOf.set(name, i);
    counts[i] = (counts[i] ?? 0) + 1;
  }
  drafts.forEach((d, i) => {
    if (counts[i] === 0)
      c.error(
        d.path,
        `wave "${d.policy.name}" selects no node${d.nodes.size > 0 || d.selector !== undefined ? " (or only nodes of earlier waves)" : " (earlier waves take every node)"}; fix its nodes or selector, or remove it`,
      );
  });
  const left = names.filter((n) => !waveOf.has(n));
  if (left.length > 0 && drafts.length > 0)
    c.error(
      joinPath(ROOT, "waves"),
      `no wave selects ${left.length === 1 ? "this node" : `these ${left.length} nodes`}; add a last wave with neither nodes nor selector to take every node left`,
      left,
    );
  return waveOf;
}

/** Each node's probe URL; an undefined variable or a result that is not an http(s) URL is an error naming the nodes. */
function probeUrls(c: Checker, probe: string, fleet: PolicyFleet): Map<string, string> {
  const path = joinPath(joinPath(ROOT, "health"), "probe");
  const out = new Map<string, string>();
  // A template may start with a variable (one URL per node, e.g. `{{ node.vars.health }}`); its results are checked.
  if (!/^(https?:\/\/|\{\{)/.test(probe)) {
    c.error(path, `the probe must be an http:// or https:// URL (got ${JSON.stringify(probe)})`);
    return out;
  }
  // The same problem on many nodes is one issue listing them.
  const problems = new Map<string, string[]>();
  const problem = (message: string, node: string): void => {
    problems.set(message, [...(problems.get(message) ?? []), node]);
  };
  for (const node of [...fleet.nodes.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const expanded = expandTemplates(probe, { node, vars: fleet.vars }, path);
    for (const i of expanded.issues) problem(i.message, node.name);
    if (expanded.issues.length > 0 || typeof expanded.value !== "string") continue;
    if (!URL.canParse(expanded.value) || !/^https?:\/\//.test(expanded.value))
      problem("the probe is not a valid http:// or https:// URL once templated", node.name);
    else out.set(node.name, expanded.value);
  }
  for (const [message, nodes] of problems) c.error(path, message, nodes);
  return out;
}

/**
 * Parses the value of `rollout:` (undefined or null: no rollout, every node switches at once). Returns the resolved
 * policy only when there is no issue; every issue is an error at `rollout.…` in `file`. Never throws.
 */
export function parseRolloutPolicy(
  value: unknown,
  fleet: PolicyFleet,
  file = "fleet.yaml",
): { rollout: ResolvedRollout | undefined; issues: Issue[] } {
  if (value === undefined || value === null) return { rollout: undefined, issues: [] };
  const c = new Checker(file);
  const root = c.mapping(value, ROOT, ["waves", "health", "onFailure"], "rollout");
  const wavesPath = joinPath(ROOT, "waves");
  const rawWaves = root["waves"];
  const drafts: WaveDraft[] = [];
  if (!Array.isArray(rawWaves) || rawWaves.length === 0)
    c.error(wavesPath, "waves must be a non-empty list; each wave has a name and nodes and/or a selector");
  else rawWaves.forEach((w: unknown, i) => drafts.push(parseWave(c, w, joinPath(wavesPath, i), fleet, file)));
  const seen = new Map<string, string>();
  for (const d of drafts) {
    const first = seen.get(d.policy.name);
    if (first !== undefined && d.policy.name !== "")
      c.error(joinPath(d.path, "name"), `two waves are named "${d.policy.name}" (the first at ${first})`);
    else seen.set(d.policy.name, d.path);
  }
  const waveOf = assignWaves(c, drafts, fleet);

  const healthPath = joinPath(ROOT, "health");
  const health =
    root["health"] === undefined || root["health"] === null
      ? {}
      : c.mapping(root["health"], healthPath, ["probe", "deadline", "maxFailures"], "health");
  let probe: string | undefined;
  if (health["probe"] !== undefined && health["probe"] !== null) {
    if (typeof health["probe"] === "string" && health["probe"] !== "") probe = health["probe"];
    else
      c.error(
        joinPath(healthPath, "probe"),
        "probe must be a URL template such as https://{{ node.vars.ip }}:6443/readyz",
      );
  }
  const probeOf = probe === undefined ? new Map<string, string>() : probeUrls(c, probe, fleet);
  const deadlineMs = c.duration(health["deadline"], joinPath(healthPath, "deadline"), DEFAULT_DEADLINE_MS);
  if (deadlineMs === 0) c.error(joinPath(healthPath, "deadline"), "deadline must be longer than 0");
  const maxFailures =
    health["maxFailures"] === undefined || health["maxFailures"] === null
      ? { count: 0 }
      : (c.amount(health["maxFailures"], joinPath(healthPath, "maxFailures"), 0) ?? { count: 0 });

  let onFailure: OnFailure = "rollback";
  const rawOnFailure = root["onFailure"];
  if (rawOnFailure === "rollback" || rawOnFailure === "pause") onFailure = rawOnFailure;
  else if (rawOnFailure !== undefined && rawOnFailure !== null)
    c.error(
      joinPath(ROOT, "onFailure"),
      `onFailure must be rollback or pause (got ${JSON.stringify(rawOnFailure)})`,
    );

  if (c.issues.length > 0) return { rollout: undefined, issues: c.issues };
  const policy: RolloutPolicy = {
    waves: drafts.map((d) => d.policy),
    health: { probe, deadlineMs, maxFailures },
    onFailure,
  };
  return { rollout: { policy, waveOf, probeOf }, issues: [] };
}
