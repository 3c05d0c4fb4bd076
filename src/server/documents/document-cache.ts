// Rendered node documents of the served revision with their response headers; JSON is primed at publish, YAML forms on first use.
import NodeCache from "node-cache";
import type { CompiledFleet, CompiledNode } from "../../fleet/load-fleet.js";
import { renderPodList, type Format } from "../../manifests/render.js";
import { REVISION_HEADER } from "../../protocol/headers.js";
import { documentEtag, nodeEtag } from "./etag.js";

export interface RenderedDocument {
  body: Buffer;
  etag: string;
  /** Flat `[name, value, …]` header list of a 200 answer (ETag, revision, caching, type, length). */
  head200: string[];
  /** Flat header list of a 304 answer (no body headers). */
  head304: string[];
}

export const CONTENT_TYPES: Readonly<Record<Format, string>> = {
  json: "application/json; charset=utf-8",
  yaml: "application/yaml; charset=utf-8",
  stream: "application/yaml; charset=utf-8",
};

function documentOf(revision: string, body: Buffer, tag: string, format: Format): RenderedDocument {
  const head304 = ["ETag", tag, REVISION_HEADER, revision, "Cache-Control", "no-cache", "Vary", "Accept"];
  return {
    body,
    etag: tag,
    head304,
    head200: [
      ...head304,
      "Content-Type",
      CONTENT_TYPES[format],
      "Content-Length",
      String(body.length),
      "X-Content-Type-Options",
      "nosniff",
    ],
  };
}

/** Caches documents of one revision; priming a new revision drops every entry of the previous one. */
export class DocumentCache {
  private readonly rendered = new NodeCache({ stdTTL: 0, checkperiod: 0, useClones: false });
  private readonly json = new Map<string, RenderedDocument>();
  private revision: string | undefined;

  private static key(revision: string, node: string, format: Format): string {
    return `${revision}\u0000${node}\u0000${format}`;
  }

  /** Makes `fleet` the cached revision: every node's JSON document is built, all other revisions' entries are removed. */
  prime(fleet: CompiledFleet): void {
    if (this.revision === fleet.revision) return;
    this.rendered.flushAll();
    this.json.clear();
    this.revision = fleet.revision;
    for (const node of fleet.nodes.values())
      this.json.set(node.name, documentOf(fleet.revision, node.json, nodeEtag(node), "json"));
  }

  /** The document for `node` of `fleet` in `format`; rendered once per revision, never per request. */
  get(fleet: CompiledFleet, node: CompiledNode, format: Format): RenderedDocument {
    const current = this.revision === fleet.revision;
    if (format === "json") {
      const hit = current ? this.json.get(node.name) : undefined;
      return hit?.body === node.json ? hit : documentOf(fleet.revision, node.json, nodeEtag(node), "json");
    }
    const key = DocumentCache.key(fleet.revision, node.name, format);
    const hit = this.rendered.get<RenderedDocument>(key);
    if (hit !== undefined) return hit;
    const body = Buffer.from(
      renderPodList(
        node.pods.map((p) => p.pod),
        format,
      ),
      "utf8",
    );
    const doc = documentOf(fleet.revision, body, documentEtag(body), format);
    if (current) this.rendered.set(key, doc);
    return doc;
  }
}
