// The documents a rollout may serve besides the current revision's, by ETag, in memory and (with a pack) on disk, and
// which of them each node taking part is held on.
import type { CompiledFleet, CompiledNode } from "../fleet/load-fleet.js";
import type { Logger } from "../lib/logger.js";
import type { DocumentPack, HeldDocument } from "../rollout/document-pack.js";
import type { PendingServing } from "../rollout/serving.js";
import { servesNew, type Doc, type Participant, type RolloutState } from "../rollout/state.js";

export class KeptDocuments {
  private constructor(
    private known: Map<string, HeldDocument>,
    private readonly pack: DocumentPack | undefined,
    private readonly etagOf: (node: CompiledNode) => string,
    private readonly logger: Logger,
  ) {}

  /** The documents kept in `pack` (none without one). */
  static async open(
    pack: DocumentPack | undefined,
    etagOf: (node: CompiledNode) => string,
    logger: Logger,
  ): Promise<KeptDocuments> {
    return new KeptDocuments((await pack?.read()) ?? new Map<string, HeldDocument>(), pack, etagOf, logger);
  }

  /** The kept document with this ETag. */
  get(etag: string): HeldDocument | undefined {
    return this.known.get(etag);
  }

  /** `node`'s document in `fleet`, as a held document. */
  of(fleet: CompiledFleet, node: CompiledNode): HeldDocument {
    return { revision: fleet.revision, etag: this.etagOf(node), json: [node.json] };
  }

  /** What `p` serves node `name` when it is not `fleet`'s document (undefined when it is, or when it was lost). */
  heldOn(fleet: CompiledFleet, name: string, p: Participant): HeldDocument | undefined {
    const doc: Doc = servesNew(p) ? p.to : p.from;
    const node = fleet.nodes.get(name);
    if (node === undefined || doc.etag === this.etagOf(node)) return undefined;
    // A document not kept here is the driver's to recover (the node answers 503 meanwhile).
    return this.known.get(doc.etag);
  }

  /** Every node `state` serves another document than `fleet`'s, and those documents. */
  heldBy(state: RolloutState | undefined, fleet: CompiledFleet | undefined): Map<string, HeldDocument> {
    const held = new Map<string, HeldDocument>();
    if (state === undefined || fleet === undefined) return held;
    for (const [name, p] of state.nodes) {
      const kept = this.heldOn(fleet, name, p);
      if (kept !== undefined) held.set(name, kept);
    }
    return held;
  }

  /** Also keeps (durably once resolved) the documents of `before` and `fleet`'s documents of those nodes. */
  async add(fleet: CompiledFleet, before: ReadonlyMap<string, HeldDocument>): Promise<void> {
    const keep = new Map(this.known);
    for (const [name, doc] of before) {
      keep.set(doc.etag, doc);
      const node = fleet.nodes.get(name);
      if (node !== undefined) keep.set(this.etagOf(node), this.of(fleet, node));
    }
    await this.pack?.write(keep.values());
    this.known = keep;
  }

  /** Also keeps (durably once resolved) `docs` (documents re-rendered from their revision). */
  async addDocuments(docs: readonly HeldDocument[]): Promise<void> {
    const keep = new Map(this.known);
    for (const d of docs) keep.set(d.etag, d);
    await this.pack?.write(keep.values());
    this.known = keep;
  }

  /**
   * Keeps (in memory and on disk) only the documents `state` may still serve, and those nodes keep until a `pending`
   * decision takes effect (replicas).
   */
  async prune(state: RolloutState | undefined, pending: readonly PendingServing[] = []): Promise<void> {
    const keep = new Map<string, HeldDocument>();
    const keepDoc = (doc: Doc): void => {
      const kept = this.known.get(doc.etag);
      if (kept !== undefined) keep.set(doc.etag, kept);
    };
    for (const p of state?.nodes.values() ?? []) {
      keepDoc(p.from);
      keepDoc(p.to);
    }
    for (const d of pending) for (const doc of Object.values(d.before)) keepDoc(doc);
    if (keep.size === this.known.size) return;
    this.known = keep;
    await this.pack?.write(keep.values());
  }
}
