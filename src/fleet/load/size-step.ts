// Step 7: what the kubelet refuses by size: a final pod name over 253 characters, a document of 10 MiB or more.
import { joinPath, type Issue } from "../../lib/issues.js";
import { oversizedForm } from "../../manifests/render.js";
import { KUBELET_MAX_BODY } from "../fleet-files.js";
import type { Prepared } from "./load-memo.js";

/**
 * An error when the kubelet's name for `p` on `node` (`<name>-<node>`) is over 253 characters. Pods are validated
 * without their node (templated ones once for many nodes), and a valid name joined to a valid node name by "-" is
 * a valid DNS-1123 subdomain but for its length, so this is the whole final-name check.
 */
export function finalNameIssue(p: Prepared, node: string): Issue | undefined {
  const finalName = `${p.name}-${node}`;
  if (finalName.length <= 253) return undefined;
  return {
    severity: "error",
    code: "name",
    file: p.source.file,
    doc: p.source.doc,
    path: joinPath(p.source.path, "metadata") + ".name",
    message: `the kubelet names this pod "${finalName.slice(0, 40)}…" (${finalName.length} characters); pod name plus "-<node>" must be at most 253 characters`,
    nodes: [node],
  };
}

/** An error when `node`'s document in any served form (JSON `json`, YAML, stream) would reach the kubelet's body limit. */
export function documentSizeIssue(node: string, json: Buffer, pods: readonly object[]): Issue | undefined {
  // Every served form is measured: escaping and indentation can make YAML several times larger than JSON.
  const tooLarge = oversizedForm(json, pods, KUBELET_MAX_BODY);
  if (tooLarge === undefined) return undefined;
  return {
    severity: "error",
    code: "node-too-large",
    message: `node ${node} would receive ${tooLarge.bytes} bytes as ${tooLarge.format}; the kubelet rejects responses of 10 MiB (10485760 bytes) or more, and every served form must stay below that, so split its pods or shrink them`,
    nodes: [node],
  };
}
