// fleet.yaml: nodes (labels, vars), groups (selector and/or node list, priority) and fleet-wide vars.
import { ExactInteger } from "../lib/exact-integer.js";
import { setOwn } from "../lib/own-property.js";
import { joinPath, type Issue } from "../lib/issues.js";
import { isDns1123Subdomain } from "../manifests/validate.js";
import { parseKubeletVersion } from "./kubelet-version.js";
import { parseSelector, type LabelSelector } from "./selector.js";
import { parseRolloutPolicy } from "../rollout/parse-policy.js";
import type { ResolvedRollout } from "../rollout/policy.js";
import { isRecord } from "../lib/json.js";

export interface NodeDecl {
  name: string;
  labels: Record<string, string>;
  vars: Record<string, string>;
  /** False when the node exists only because `nodes/<name>/` does. */
  declared: boolean;
  /** The node's own kubeletVersion (a minor), when set. */
  kubeletMinor?: number;
}

export interface GroupDecl {
  name: string;
  selector: LabelSelector | undefined;
  nodes: string[];
  priority: number;
  /** The group's kubeletVersion (a minor), when set. */
  kubeletMinor?: number;
}

export interface FleetConfig {
  vars: Record<string, string>;
  nodes: Map<string, NodeDecl>;
  groups: Map<string, GroupDecl>;
  /** The `rollout:` policy with each node's wave; undefined without one (every node switches at once). */
  rollout?: ResolvedRollout | undefined;
  /** The fleet-wide kubeletVersion (a minor), when set. */
  kubeletMinor?: number;
  /** `strict: true`: unknown pod fields are errors, as with `validate --strict`. */
  strict: boolean;
}

export const FLEET_FILE = "fleet.yaml";

class Collector {
  readonly issues: Issue[] = [];
  constructor(private readonly file: string) {}
  error(path: string, message: string): void {
    this.issues.push({ severity: "error", code: "fleet-config", message, file: this.file, path });
  }
  warn(path: string, message: string): void {
    this.issues.push({ severity: "warning", code: "fleet-config", message, file: this.file, path });
  }
  /** The minor of a kubeletVersion field, or undefined (an error when the value is bad). */
  kubeletMinor(value: unknown, path: string): number | undefined {
    if (value === undefined || value === null) return undefined;
    const parsed = parseKubeletVersion(value);
    if ("error" in parsed) this.error(path, parsed.error);
    return "minor" in parsed ? parsed.minor : undefined;
  }
  unknownKeys(value: Record<string, unknown>, allowed: readonly string[], path: string): void {
    for (const k of Object.keys(value))
      if (!allowed.includes(k))
        this.error(joinPath(path, k), `unknown field "${k}"; allowed here: ${allowed.join(", ")}`);
  }
  /** Vars may be strings, numbers or booleans (kept as their text); anything else is an error. */
  vars(value: unknown, path: string): Record<string, string> {
    const out: Record<string, string> = {};
    if (value === undefined || value === null) return out;
    if (!isRecord(value)) {
      this.error(path, "vars must be a mapping of name to value");
      return out;
    }
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === "string") setOwn(out, k, v);
      else if (v instanceof ExactInteger) setOwn(out, k, v.text);
      else if (typeof v === "number" || typeof v === "boolean") {
        setOwn(out, k, String(v));
        if (typeof v === "boolean")
          this.warn(
            joinPath(path, k),
            `var is the boolean ${v} (YAML 1.1 reads yes/no/on/off as booleans) and is substituted as "${v}"; quote it to keep the text`,
          );
      } else this.error(joinPath(path, k), "a var must be a string, number or boolean");
    }
    return out;
  }
  labels(value: unknown, path: string): Record<string, string> {
    const out: Record<string, string> = {};
    if (value === undefined || value === null) return out;
    if (!isRecord(value)) {
      this.error(path, "labels must be a mapping of label to value");
      return out;
    }
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === "string") setOwn(out, k, v);
      else
        this.error(
          joinPath(path, k),
          `label value must be a string, got ${JSON.stringify(v)}; quote it (YAML 1.1 reads yes/no/on/off as booleans and 0644 as a number)`,
        );
    }
    return out;
  }
}

/**
 * Parses the value of fleet.yaml (already read as YAML 1.1). `folderNodes` are the names of `nodes/<name>/` folders:
 * each is a node even when fleet.yaml does not declare it. Returns the config and every issue; never throws.
 */
export function parseFleetConfig(
  value: unknown,
  folderNodes: readonly string[],
  file = FLEET_FILE,
): { config: FleetConfig; issues: Issue[] } {
  const c = new Collector(file);
  const config: FleetConfig = { vars: {}, nodes: new Map(), groups: new Map(), strict: false };
  const root: Record<string, unknown> = isRecord(value) ? value : {};
  if (value !== null && value !== undefined && !isRecord(value))
    c.error("", "fleet.yaml must be a mapping with nodes, groups and vars");
  c.unknownKeys(root, ["nodes", "groups", "vars", "rollout", "kubeletVersion", "strict"], "");
  config.vars = c.vars(root["vars"], "vars");
  const fleetMinor = c.kubeletMinor(root["kubeletVersion"], "kubeletVersion");
  if (fleetMinor !== undefined) config.kubeletMinor = fleetMinor;
  const strict = root["strict"];
  if (strict !== undefined && strict !== null && typeof strict !== "boolean")
    c.error("strict", "strict must be true or false (true: unknown pod fields are errors)");
  config.strict = strict === true;

  const nodes = root["nodes"];
  if (nodes !== undefined && nodes !== null && !isRecord(nodes))
    c.error("nodes", "nodes must be a mapping of node name to {labels, vars, kubeletVersion}");
  for (const [name, decl] of Object.entries(isRecord(nodes) ? nodes : {})) {
    const path = joinPath("nodes", name);
    if (!isDns1123Subdomain(name)) {
      c.error(
        path,
        `node name "${name}" is not a valid DNS-1123 subdomain (lowercase letters, digits, '-' and '.', at most 253 characters); kubelet node names are lowercased`,
      );
      continue;
    }
    const d: Record<string, unknown> = isRecord(decl) ? decl : {};
    if (decl !== null && decl !== undefined && !isRecord(decl))
      c.error(path, "a node must be a mapping with labels and vars");
    c.unknownKeys(d, ["labels", "vars", "kubeletVersion"], path);
    const minor = c.kubeletMinor(d["kubeletVersion"], joinPath(path, "kubeletVersion"));
    config.nodes.set(name, {
      name,
      labels: c.labels(d["labels"], joinPath(path, "labels")),
      vars: c.vars(d["vars"], joinPath(path, "vars")),
      declared: true,
      ...(minor === undefined ? {} : { kubeletMinor: minor }),
    });
  }
  for (const name of folderNodes) {
    if (!config.nodes.has(name)) config.nodes.set(name, { name, labels: {}, vars: {}, declared: false });
  }

  const groups = root["groups"];
  if (groups !== undefined && groups !== null && !isRecord(groups))
    c.error("groups", "groups must be a mapping of group name to {selector, nodes, priority}");
  for (const [name, decl] of Object.entries(isRecord(groups) ? groups : {})) {
    const path = joinPath("groups", name);
    if (!isDns1123Subdomain(name))
      c.error(path, `group name "${name}" must be a DNS-1123 subdomain (it is a folder name)`);
    if (!isRecord(decl)) {
      c.error(path, "a group must be a mapping with selector and/or nodes, and an optional priority");
      continue;
    }
    c.unknownKeys(decl, ["selector", "nodes", "priority", "kubeletVersion"], path);
    const groupMinor = c.kubeletMinor(decl["kubeletVersion"], joinPath(path, "kubeletVersion"));
    let selector: LabelSelector | undefined;
    if (decl["selector"] !== undefined && decl["selector"] !== null) {
      const parsed = parseSelector(decl["selector"], { file, path: joinPath(path, "selector") });
      c.issues.push(...parsed.issues);
      selector = parsed.selector;
    }
    const list: string[] = [];
    const rawNodes = decl["nodes"];
    if (rawNodes !== undefined && rawNodes !== null) {
      if (!Array.isArray(rawNodes)) c.error(joinPath(path, "nodes"), "nodes must be a list of node names");
      else
        rawNodes.forEach((n: unknown, i) => {
          const np = joinPath(joinPath(path, "nodes"), i);
          if (typeof n !== "string") c.error(np, "a node name must be a string");
          else if (!config.nodes.has(n))
            c.error(
              np,
              `group lists node "${n}", which fleet.yaml does not declare and has no nodes/${n}/ folder`,
            );
          else list.push(n);
        });
    }
    const rawPriority = decl["priority"];
    let priority = 0;
    if (rawPriority !== undefined && rawPriority !== null) {
      if (typeof rawPriority !== "number" || !Number.isInteger(rawPriority))
        c.error(
          joinPath(path, "priority"),
          "priority must be an integer (higher wins when groups define the same pod)",
        );
      else priority = rawPriority;
    }
    if (decl["selector"] === undefined && rawNodes === undefined)
      c.warn(path, "group has neither selector nor nodes, so it selects no node");
    config.groups.set(name, {
      name,
      selector,
      nodes: list,
      priority,
      ...(groupMinor === undefined ? {} : { kubeletMinor: groupMinor }),
    });
  }
  const rollout = parseRolloutPolicy(root["rollout"], config, file);
  c.issues.push(...rollout.issues);
  config.rollout = rollout.rollout;
  return { config, issues: c.issues };
}
