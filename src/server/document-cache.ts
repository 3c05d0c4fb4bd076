// Rendered node documents keyed by revision, node and format; JSON is primed at publish, YAML forms on first use.
import etag from "etag";
import NodeCache from "node-cache";
import type { CompiledFleet, CompiledNode } from "../fleet/load-fleet.js";
import { renderPodList, type Format } from "../manifests/render.js";

export interface RenderedDocument {
  body: Buffer;
  etag: string;
}

export const CONTENT_TYPES: Readonly<Record<Format, string>> = {
  json: "application/json; charset=utf-8",
  yaml: "application/yaml; charset=utf-8",
  stream: "application/yaml; charset=utf-8",
};

/** Caches documents per revision; a published revision's JSON is inserted up front, the previous revision dropped. */
export class DocumentCache {
  private readonly cache = new NodeCache({ stdTTL: 0, checkperiod: 0, useClones: false });
  private revision: string | undefined;

  private static key(revision: string, node: string, format: Format): string {
    return `${revision}\u0000${node}\u0000${format}`;
  }

  /** Makes `fleet` the cached revision: every node's JSON is inserted, all other revisions' entries are removed. */
  prime(fleet: CompiledFleet): void {
    if (this.revision === fleet.revision) return;
    this.cache.flushAll();
    this.revision = fleet.revision;
    const entries = [];
    for (const node of fleet.nodes.values())
      entries.push({
        key: DocumentCache.key(fleet.revision, node.name, "json"),
        val: { body: node.json, etag: node.etag } satisfies RenderedDocument,
      });
    this.cache.mset(entries);
  }

  /** The document for `node` of `fleet` in `format`; rendered once per revision, never per request. */
  get(fleet: CompiledFleet, node: CompiledNode, format: Format): RenderedDocument {
    const key = DocumentCache.key(fleet.revision, node.name, format);
    const hit = this.cache.get<RenderedDocument>(key);
    if (hit !== undefined) return hit;
    const body =
      format === "json"
        ? node.json
        : Buffer.from(
            renderPodList(
              node.pods.map((p) => p.pod),
              format,
            ),
            "utf8",
          );
    const doc = { body, etag: format === "json" ? node.etag : etag(body) };
    if (this.revision === fleet.revision) this.cache.set(key, doc);
    return doc;
  }
}
