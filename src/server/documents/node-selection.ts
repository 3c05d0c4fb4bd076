// Nodes held on another document than the current revision's (a rollout not switched them yet, or rolled them back):
// their responses are built when the hold is decided, never per request. A node whose held document this server
// does not have yet is pending: it answers 503, never the current revision's bytes instead.
import type { HeldDocument } from "../../rollout/document-pack.js";
import type { Doc } from "../../rollout/state.js";
import type { Hold } from "../fleet-view/node-states.js";
import { joined } from "../../lib/shared-bytes.js";
import { renderPodList, type Format } from "../../manifests/render.js";
import { documentOf, type RenderedDocument } from "./document-cache.js";
import { documentEtag } from "./etag.js";

interface Held {
  doc: HeldDocument;
  /** Held because its rollout was rolled back (else until its wave switches it). */
  rolledBack: boolean;
  json: RenderedDocument;
  /** YAML and stream forms, rendered on first use. */
  other?: Map<Format, RenderedDocument>;
}

/** Which nodes are held and on what. Replaced whole (one assignment), so a request sees one decision or the next. */
export class NodeSelection {
  private held = new Map<string, Held>();
  /** Nodes waiting for a document this server does not have yet: the hold they will have. */
  private pending: ReadonlyMap<string, Hold> = new Map();

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
      ? this.pending.get(node)
      : { revision: h.doc.revision, etag: h.doc.etag, rolledBack: h.rolledBack };
  }

  /** True when `node` is held on a document this server does not have yet (it answers 503 meanwhile). */
  isPending(node: string): boolean {
    return this.pending.has(node);
  }

  /** How many nodes are pending. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Marks exactly the nodes of `pending` as waiting for their documents (named by revision and ETag: the bytes are
   * not here), those in `rolledBack` by a rollback.
   */
  setPending(pending: ReadonlyMap<string, Doc>, rolledBack: ReadonlySet<string> = new Set()): void {
    const waiting = new Map<string, Hold>();
    for (const [node, d] of pending)
      waiting.set(node, { revision: d.revision, etag: d.etag, rolledBack: rolledBack.has(node) });
    this.pending = waiting;
  }

  /**
   * Holds exactly the nodes of `docs` on their documents, those in `rolledBack` by a rollback (responses already
   * built are kept when the document is the same object, or the same document in the same pieces).
   */
  replace(docs: ReadonlyMap<string, HeldDocument>, rolledBack: ReadonlySet<string> = new Set()): void {
    const next = new Map<string, Held>();
    for (const [node, doc] of docs) next.set(node, this.holding(node, doc, rolledBack.has(node)));
    this.held = next;
  }

  /** Holds each node of `changes` on its document (by a rollback if in `rolledBack`), or no longer (undefined). */
  update(
    changes: ReadonlyMap<string, HeldDocument | undefined>,
    rolledBack: ReadonlySet<string> = new Set(),
  ): void {
    for (const [node, doc] of changes)
      if (doc === undefined) this.held.delete(node);
      else this.held.set(node, this.holding(node, doc, rolledBack.has(node)));
  }

  /** The response for a held `node` in `format` and its revision, or undefined when the node is not held. */
  document(node: string, format: Format): { doc: RenderedDocument; revision: string } | undefined {
    const h = this.held.get(node);
    if (h === undefined) return undefined;
    return { doc: this.rendered(h, format), revision: h.doc.revision };
  }

  /** The hold of `node` on `doc`: the one it has when the same, else a new one with its JSON response built. */
  private holding(node: string, doc: HeldDocument, rolledBack: boolean): Held {
    const h = this.held.get(node);
    const same =
      h !== undefined &&
      (h.doc === doc ||
        (h.doc.etag === doc.etag && h.doc.revision === doc.revision && h.doc.json === doc.json));
    if (!same) return { doc, rolledBack, json: documentOf(doc.revision, doc.json, doc.etag, "json") };
    return h.rolledBack === rolledBack ? h : { ...h, rolledBack };
  }

  private rendered(h: Held, format: Format): RenderedDocument {
    if (format === "json") return h.json;
    h.other ??= new Map();
    let doc = h.other.get(format);
    if (doc === undefined) {
      const list = JSON.parse(joined(h.doc.json).toString("utf8")) as { items: object[] };
      const body = Buffer.from(renderPodList(list.items, format), "utf8");
      h.other.set(format, (doc = documentOf(h.doc.revision, body, documentEtag(body), format)));
    }
    return doc;
  }
}
