// The strong ETag of a served document: a hash of exactly the bytes sent, the same on every replica and restart.
import etag from "etag";

const jsonTags = new WeakMap<Buffer, string>();

/** The ETag header value for `body` (quoted, strong). */
export function documentEtag(body: Buffer): string {
  return etag(body);
}

/**
 * The ETag of a node's JSON document. Computed once per rendered body: a node that did not change between
 * revisions keeps its `json` buffer, so it is not hashed again.
 */
export function nodeEtag(node: { readonly json: Buffer }): string {
  let tag = jsonTags.get(node.json);
  if (tag === undefined) jsonTags.set(node.json, (tag = etag(node.json)));
  return tag;
}
