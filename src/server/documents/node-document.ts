// The hot path: GET/HEAD /nodes/{node} answered from precomputed buffers, without the Express stack.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Format } from "../../manifests/render.js";
import type { DocumentCache } from "./document-cache.js";
import { HttpError } from "../../lib/errors.js";
import { sendHttpError } from "../http-error.js";
import { INVALID_NODE_NAME, lookupNode, normalizeNodeName, type DeniedRequest } from "./node-lookup.js";
import type { RevisionStore } from "../../revisions/revision-store.js";
import type { NodeSelection } from "./node-selection.js";

/** What the hot path reports about each node document it answers with 200 or 304 (for the fetch ledger and metrics). */
export interface ServedDocument {
  node: string;
  status: 200 | 304;
  etag: string;
  revision: string;
  format: Format;
}

export interface NodeDocumentDeps {
  store: RevisionStore;
  cache: DocumentCache;
  /**
   * Nodes a rollout holds on another document than the current revision's (precomputed; absent: none); a node
   * pending there (its document not loaded yet) answers 503 + Retry-After.
   */
  selection?: NodeSelection;
  /**
   * Access control for one node's documents, checked before anything about the node is revealed (so a
   * caller cannot probe which nodes exist). Returns undefined to allow, or the error to answer with.
   */
  authorize?: (req: IncomingMessage, node: string) => DeniedRequest | undefined;
  /**
   * On a replica: whether this server may answer `node`'s document now (it is sure which document is agreed and
   * serves it). Returns undefined to go on, or the 503 to answer. Checked after access control, before any lookup.
   */
  admit?: (node: string) => DeniedRequest | undefined;
  /** Called once per 200/304 node document, after the response is written; must be cheap and never throw. */
  onServed?: (served: ServedDocument, req: IncomingMessage) => void;
}

const PREFIX = "/nodes/";

/** A held node whose document is not on this server yet: the kubelet keeps its pods on a 503. */
const HELD_PENDING: DeniedRequest = {
  status: 503,
  code: "held-document-loading",
  message:
    "a rollout holds this node on an earlier document that this server is still loading; retry shortly (another replica may answer)",
  headers: { "Retry-After": "2" },
};
const FORMATS: readonly string[] = ["json", "yaml", "stream"];

/** True when an If-None-Match header value matches `etag` (lists, `*`, weak comparison as RFC 9110 requires). */
export function ifNoneMatchMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header === etag) return true;
  const ours = etag.startsWith("W/") ? etag.slice(2) : etag;
  for (const raw of header.split(",")) {
    const tag = raw.trim();
    if (tag === "*") return true;
    if ((tag.startsWith("W/") ? tag.slice(2) : tag) === ours) return true;
  }
  return false;
}

function negotiate(query: string, accept: string | undefined): Format | { error: string } {
  const params = new URLSearchParams(query);
  const format = params.get("format");
  if (format !== null) {
    if (FORMATS.includes(format)) return format as Format;
    return { error: `unknown format "${format.slice(0, 40)}"; use json, yaml or stream` };
  }
  if (
    accept !== undefined &&
    /\b(application|text)\/(x-)?yaml\b/i.test(accept) &&
    !/application\/json/i.test(accept)
  )
    return "yaml";
  return "json";
}

function deny(res: ServerResponse, denied: DeniedRequest): true {
  sendHttpError(res, HttpError.from(denied));
  return true;
}

/**
 * Serves `/nodes/{node}` when the request is for it and returns true; returns false for every other path.
 * 400 for a name that is not DNS-1123, 404 unknown node, 405 other methods, 503 + Retry-After before the
 * first valid revision, 304 on a matching If-None-Match. Never a 200 with an empty body.
 */
export function handleNodeDocument(
  req: IncomingMessage,
  res: ServerResponse,
  deps: NodeDocumentDeps,
): boolean {
  const url = req.url ?? "/";
  if (!url.startsWith(PREFIX)) return false;
  const q = url.indexOf("?");
  const rawName = q < 0 ? url.slice(PREFIX.length) : url.slice(PREFIX.length, q);
  if (rawName === "" || rawName.includes("/")) return false;

  if (req.method !== "GET" && req.method !== "HEAD") {
    return deny(
      res,
      new HttpError(405, "method-not-allowed", `${req.method ?? "?"} is not allowed here; use GET or HEAD`, {
        Allow: "GET, HEAD",
      }),
    );
  }
  // The common request names a served node exactly; every served name is a valid lowercase DNS-1123 subdomain.
  const exact = deps.store.current?.fleet.nodes.get(rawName);
  const name = exact !== undefined ? rawName : normalizeNodeName(rawName);
  if (name === undefined) return deny(res, INVALID_NODE_NAME);
  if (deps.authorize !== undefined) {
    const denied = deps.authorize(req, name);
    if (denied !== undefined) return deny(res, denied);
  }
  const accept = req.headers.accept;
  const format = q < 0 && accept === undefined ? "json" : negotiate(q < 0 ? "" : url.slice(q + 1), accept);
  if (typeof format !== "string") return deny(res, new HttpError(400, "invalid-format", format.error));
  const refused = deps.admit?.(name);
  if (refused !== undefined) return deny(res, refused);
  const found = lookupNode(deps.store, name);
  if (!("node" in found)) return deny(res, found);
  const { loaded, node } = found;
  if (deps.selection?.isPending(node.name) === true) return deny(res, HELD_PENDING);
  const held = deps.selection?.document(node.name, format);
  const doc = held?.doc ?? deps.cache.get(loaded.fleet, node, format);
  const revision = held?.revision ?? loaded.fleet.revision;
  if (ifNoneMatchMatches(req.headers["if-none-match"], doc.etag)) {
    res.writeHead(304, doc.head304);
    res.end();
    deps.onServed?.({ node: node.name, status: 304, etag: doc.etag, revision, format }, req);
    return true;
  }
  res.writeHead(200, doc.head200);
  if (req.method === "HEAD") res.end();
  else if (Buffer.isBuffer(doc.body)) res.end(doc.body);
  else {
    // Pieces go out in one write of the socket.
    res.cork();
    for (const piece of doc.body) res.write(piece);
    res.end();
  }
  deps.onServed?.({ node: node.name, status: 200, etag: doc.etag, revision, format }, req);
  return true;
}
