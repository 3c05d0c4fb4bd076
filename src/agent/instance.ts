// The agent instance name: which pods an agent owns on a host that may run several agents (URLs, fleets, tests).
import { createHash } from "node:crypto";

/** A Kubernetes label value: at most 63 characters, alphanumerics with `-`, `_`, `.` inside. */
const LABEL_VALUE = /^[A-Za-z0-9]([-_.A-Za-z0-9]{0,61}[A-Za-z0-9])?$/;

/**
 * The default instance of the agent for `node` polling `url`: the lowercased node name (cut to 46 characters), `-`,
 * and the first 12 hex digits of sha256 of the node and URL, e.g. `cp-1-3f2a9c1d0b7e`. Stable across restarts and
 * upgrades; another URL or node gives another instance.
 */
export function defaultInstance(node: string, url: string): string {
  const lower = node.toLowerCase();
  const digest = createHash("sha256").update(`node:${lower}\nurl:${url}`).digest("hex").slice(0, 12);
  return `${lower.slice(0, 46)}-${digest}`;
}

/** Undefined when `name` can be an instance (a label value), else what is wrong with it. */
export function instanceProblem(name: string): string | undefined {
  if (LABEL_VALUE.test(name)) return undefined;
  return `"${name}" is not a valid instance name: 1 to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`;
}
