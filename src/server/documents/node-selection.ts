// Nodes held on another document than the current revision's (a rollout not switched them yet, or rolled them back):
// their responses are built when the hold is decided, never per request.
import type { HeldDocument } from "../../rollout/document-pack.js";
import type { Hold } from "../fleet-view/node-states.js";
import { renderPodList, type Format } from "../../manifests/render.js";
import { documentOf, type RenderedDocument } from "./document-cache.js";
import { documentEtag } from "./etag.js";

interface Held {
  doc: HeldDocument;
  /** Held because its rollout was rolled back (else until its wave switches it). */
  rolledBack: boolean;
  json: RenderedDocument;
  /** YAML and stream forms, rendered on first use. */
  other: Map<Format, RenderedDocument>;
}

/** Which nodes are held and on what. Replaced whole (one assignment), so a request sees one decision or the next. */
export class NodeSelection {
  private held = new Map<string, Held>();

  /** How many nodes are held. */
  get size(): number {
    return this.held.size;
  }

  /** The document `node` is held on, or undefined when it is served the current revision. */
  get(node: string): HeldDocument | undefined {
    return this.held.get(node)?.doc;
  }

  /** How `node` is held (its document and whether a rollback put it there), or undefined when it is not. */
  hold(node: string): Hold | undefined {
    const h = this.held.get(node);
    return h === undefined
      ? undefined
      : { revision: h.doc.revision, etag: h.doc.etag, rolledBack: h.rolledBack };
  }

  /**
   * Holds exactly the nodes of `docs` on their documents, those in `rolledBack` by a rollback (responses already
   * built are kept when unchanged).
   */
  replace(docs: ReadonlyMap<string, HeldDocument>, rolledBack: ReadonlySet<string> = new Set()): void {
    const next = new Map<string, Held>();
    for (const [node, doc] of docs) {
      const before = this.held.get(node);
      const back = rolledBack.has(node);
      next.set(
        node,
        before?.doc.etag === doc.etag && before.doc.revision === doc.revision
          ? before.rolledBack === back
            ? before
            : { ...before, rolledBack: back }
          : {
              doc,
              rolledBack: back,
              json: documentOf(doc.revision, doc.json, doc.etag, "json"),
              other: new Map(),
            },
      );
    }
    this.held = next;
  }

  /** Holds each node of `changes` on its document (by a rollback if in `rolledBack`), or no longer (undefined). */
  update(
    changes: ReadonlyMap<string, HeldDocument | undefined>,
    rolledBack: ReadonlySet<string> = new Set(),
  ): void {
    for (const [node, doc] of changes) {
      if (doc === undefined) this.held.delete(node);
      else {
        const before = this.held.get(node);
        const back = rolledBack.has(node);
        if (before?.doc.etag !== doc.etag || before.doc.revision !== doc.revision)
          this.held.set(node, {
            doc,
            rolledBack: back,
            json: documentOf(doc.revision, doc.json, doc.etag, "json"),
            other: new Map(),
          });
        else if (before.rolledBack !== back) this.held.set(node, { ...before, rolledBack: back });
      }
    }
  }

  /** The response for a held `node` in `format` and its revision, or undefined when the node is not held. */
  document(node: string, format: Format): { doc: RenderedDocument; revision: string } | undefined {
    const h = this.held.get(node);
    if (h === undefined) return undefined;
    return { doc: this.rendered(h, format), revision: h.doc.revision };
  }

  private rendered(h: Held, format: Format): RenderedDocument {
    if (format === "json") return h.json;
    let doc = h.other.get(format);
    if (doc === undefined) {
      const list = JSON.parse(h.doc.json.toString("utf8")) as { items: object[] };
      const body = Buffer.from(renderPodList(list.items, format), "utf8");
      h.other.set(format, (doc = documentOf(h.doc.revision, body, documentEtag(body), format)));
    }
    return doc;
  }
}
