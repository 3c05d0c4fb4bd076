// Node names in URLs: normalised and validated before any lookup, and one set of answers for unknown ones.
import type { HttpErrorInit } from "../../lib/errors.js";
import type { CompiledNode } from "../../fleet/load-fleet.js";
import { isDns1123Subdomain } from "../../manifests/validate.js";
import type { LoadedRevision, RevisionStore } from "../../revisions/revision-store.js";

/** An error answer as data: status, stable code, message and extra headers. */
export type DeniedRequest = HttpErrorInit;

export const INVALID_NODE_NAME: DeniedRequest = {
  status: 400,
  code: "invalid-node-name",
  message: "node names are DNS-1123 subdomains: lowercase letters, digits, '-' and '.'",
};

/**
 * The node name a URL segment stands for (lowercased; percent-decoded unless `decoded` says the router already did,
 * so nothing is decoded twice), or undefined when it is not a DNS-1123 subdomain.
 */
export function normalizeNodeName(raw: string, decoded = false): string | undefined {
  let name: string;
  try {
    name = (decoded ? raw : decodeURIComponent(raw)).toLowerCase();
  } catch {
    return undefined;
  }
  return isDns1123Subdomain(name) ? name : undefined;
}

/** The served revision and its node `name`, or the 503 (nothing loaded yet) / 404 (unknown node) answer. */
export function lookupNode(
  store: RevisionStore,
  name: string,
): { loaded: LoadedRevision; node: CompiledNode } | DeniedRequest {
  const loaded = store.current;
  if (loaded === undefined)
    return {
      status: 503,
      code: "not-ready",
      message: "no valid fleet revision is loaded yet; see /status",
      headers: { "Retry-After": "5" },
    };
  const node = loaded.fleet.nodes.get(name);
  if (node === undefined)
    return {
      status: 404,
      code: "unknown-node",
      message: `node "${name}" is not in revision ${loaded.fleet.revision}; see GET /nodes`,
    };
  return { loaded, node };
}
