// Rendered node documents of the served revision with their response headers; JSON is primed after publish, YAML forms on first use.
import type { CompiledFleet, CompiledNode } from "../../fleet/load-fleet.js";
import { renderPodList, type Format } from "../../manifests/render.js";
import { REVISION_HEADER } from "../../protocol/headers.js";
import { lengthOf, type Pieces } from "../../lib/shared-bytes.js";
import { documentEtag, nodeEtag } from "./etag.js";

export interface RenderedDocument<Body extends Buffer | Pieces = Buffer | Pieces> {
  /** The bytes, whole or as pieces sent one after the other. */
  body: Body;
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

/** A document with its 200 and 304 headers; `tag` is the ETag of `body`. */
export function documentOf<Body extends Buffer | Pieces>(
  revision: string,
  body: Body,
  tag: string,
  format: Format,
): RenderedDocument<Body> {
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
      String(Buffer.isBuffer(body) ? body.length : lengthOf(body)),
      "X-Content-Type-Options",
      "nosniff",
    ],
  };
}

/** Caches documents of one revision; priming a new revision drops every entry of the previous one. */
export class DocumentCache {
  /** The YAML and stream documents of the cached revision rendered so far, by node and format. */
  private readonly rendered = new Map<string, RenderedDocument<Buffer>>();
  private readonly json = new Map<string, RenderedDocument<Buffer>>();
  private revision: string | undefined;

  /**
   * `elsewhere(node)`: true while the node is served another document (a rollout holds it on its previous one); such
   * a node's document is not primed, only built when first asked for (once the node is switched to it).
   */
  constructor(private readonly elsewhere: (node: string) => boolean = () => false) {}

  /**
   * Makes `fleet` the cached revision, dropping every entry of the previous one. Every node's JSON document (and
   * its ETag, a hash of the whole body) is then built `sliceMs` of work at a time, giving the event loop a turn
   * between slices, so publishing a large fleet does not hold up requests; a request comes first builds its own.
   */
  prime(fleet: CompiledFleet, sliceMs = 20): void {
    if (this.revision === fleet.revision) return;
    this.rendered.clear();
    this.json.clear();
    this.revision = fleet.revision;
    const nodes = fleet.nodes.values();
    const slice = (): void => {
      const started = performance.now();
      while (this.revision === fleet.revision) {
        const next = nodes.next();
        if (next.done === true) return;
        if (!this.json.has(next.value.name) && !this.elsewhere(next.value.name))
          this.jsonDocument(fleet, next.value);
        if (performance.now() - started >= sliceMs) {
          setImmediate(slice).unref();
          return;
        }
      }
    };
    slice();
  }

  private jsonDocument(fleet: CompiledFleet, node: CompiledNode): RenderedDocument<Buffer> {
    const doc = documentOf(fleet.revision, node.json, nodeEtag(node), "json");
    if (this.revision === fleet.revision) this.json.set(node.name, doc);
    return doc;
  }

  /** The document for `node` of `fleet` in `format`; rendered once per revision, never per request. */
  get(fleet: CompiledFleet, node: CompiledNode, format: Format): RenderedDocument<Buffer> {
    const current = this.revision === fleet.revision;
    if (format === "json") {
      const hit = current ? this.json.get(node.name) : undefined;
      return hit?.body === node.json ? hit : this.jsonDocument(fleet, node);
    }
    const key = `${node.name}\u0000${format}`;
    const hit = current ? this.rendered.get(key) : undefined;
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
