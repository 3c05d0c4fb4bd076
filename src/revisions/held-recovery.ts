// Reproduces the documents a rollout holds nodes on when this server does not have them (a replica started in the
// middle of a rollout, a lost document pack): re-render their revision from its commit and keep only the documents
// whose ETag is the one the rollout state stored, so a node gets exactly the bytes the other replicas serve.
import { loadFleetInSlices, type CompiledFleet, type CompiledNode } from "../fleet/load-fleet.js";
import { messageOf } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import type { HeldDocument } from "../rollout/document-pack.js";
import type { Doc } from "../rollout/state.js";
import type { Snapshot } from "../source/source.js";

/** What re-rendering one revision gave: the documents that match, and the nodes that did not and why. */
export interface Reproduced {
  docs: HeldDocument[];
  failed: Map<string, string>;
}

/** Re-renders `revision` and returns the documents of `wanted` (node → ETag); throws when it cannot be read. */
export type Reproduce = (revision: string, wanted: ReadonlyMap<string, string>) => Promise<Reproduced>;

/**
 * A Reproduce reading commits with `read` (a git source's readCommit: any commit of the cache, fetched by SHA
 * when missing). The current revision is taken from `current()` without reading anything. Throws what `read`
 * throws; a revision that no longer validates fails every wanted node.
 */
export function reproduceFrom(deps: {
  read: (revision: string) => Promise<Snapshot>;
  current: () => CompiledFleet | undefined;
  etagOf: (node: CompiledNode) => string;
}): Reproduce {
  return async (revision, wanted) => {
    let fleet = deps.current();
    if (fleet?.revision !== revision) {
      const snapshot = await deps.read(revision);
      const result = await loadFleetInSlices(snapshot.files, { revision, previous: fleet });
      if (!result.ok) {
        const why = "the revision does not validate on this server version";
        return { docs: [], failed: new Map([...wanted.keys()].map((n) => [n, why])) };
      }
      fleet = result.fleet;
    }
    const out: Reproduced = { docs: [], failed: new Map() };
    for (const [name, etag] of wanted) {
      const node = fleet.nodes.get(name);
      const got = node === undefined ? undefined : deps.etagOf(node);
      if (node !== undefined && got === etag) out.docs.push({ revision, etag, json: [node.json] });
      else
        out.failed.set(
          name,
          node === undefined
            ? "the node is not in that revision"
            : `re-rendered with ETag ${got ?? ""}, not ${etag} (this server version renders it differently)`,
        );
    }
    return out;
  };
}

export interface HeldRecoveryOptions {
  /** Undefined (a folder source keeps no history): missing documents are reported lost at once. */
  reproduce: Reproduce | undefined;
  /** Receives the documents reproduced (any time after `want`). */
  found: (docs: HeldDocument[]) => void;
  logger: Logger;
  now: () => number;
  /** A revision that could not be read is tried again after this long. Default 30 s. */
  retryMs?: number;
}

/**
 * Works through the documents wanted, one revision at a time (CPU once per revision, not per node). A document
 * re-rendered to another ETag is never tried again; a revision that could not be read is retried after `retryMs`.
 */
export class HeldRecovery {
  private wanted = new Map<string, Doc>();
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly failedAt = new Map<string, number>();
  /** ETags re-rendering cannot reproduce (on this server version). */
  private readonly unreproducible = new Set<string>();

  constructor(private readonly o: HeldRecoveryOptions) {}

  /** The nodes still missing their document (node → the document the rollout serves them): replaces the last. */
  want(missing: ReadonlyMap<string, Doc>): void {
    this.wanted = new Map(missing);
    if (missing.size === 0 || this.closed || this.running !== undefined) return;
    const run = this.run();
    this.running = run;
    void run.finally(() => {
      if (this.running === run) this.running = undefined;
    });
  }

  /** True while a reproduction runs. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Resolves once no reproduction is running. */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.idle();
  }

  private async run(): Promise<void> {
    // By ETag, so a document wanted while its revision was being re-rendered gets a turn of its own.
    const tried = new Set<string>();
    for (let next = this.nextRevision(tried); next !== undefined; next = this.nextRevision(tried)) {
      for (const etag of next.nodes.values()) tried.add(etag);
      await this.attempt(next.revision, next.nodes);
    }
  }

  /**
   * The next revision to re-render, with its wanted nodes (node → ETag) whose ETags were not `tried`; undefined
   * when there is none.
   */
  private nextRevision(tried: Set<string>): { revision: string; nodes: Map<string, string> } | undefined {
    if (this.closed) return undefined;
    const now = this.o.now();
    const retry = this.o.retryMs ?? 30_000;
    let pick: { revision: string; nodes: Map<string, string> } | undefined;
    for (const [node, doc] of this.wanted) {
      if (tried.has(doc.etag) || this.unreproducible.has(doc.etag)) continue;
      if (now - (this.failedAt.get(doc.revision) ?? -Infinity) < retry) continue;
      pick ??= { revision: doc.revision, nodes: new Map() };
      if (pick.revision === doc.revision) pick.nodes.set(node, doc.etag);
    }
    return pick;
  }

  private async attempt(revision: string, nodes: Map<string, string>): Promise<void> {
    const { logger } = this.o;
    if (this.o.reproduce === undefined) {
      const why = "this source keeps no earlier revisions to re-render (serve a git repository with --repo)";
      this.lost(revision, nodes, new Map([...nodes.keys()].map((n) => [n, why])));
      return;
    }
    // A retry after a failed read is not news: the first attempt and the first failure were logged.
    const retrying = this.failedAt.has(revision);
    logger[retrying ? "debug" : "info"](
      { revision, nodes: nodes.size },
      "a rollout holds nodes on documents this server does not have: re-rendering their revision; those nodes answer 503 meanwhile",
    );
    let got: Reproduced;
    try {
      got = await this.o.reproduce(revision, nodes);
    } catch (e) {
      this.failedAt.set(revision, this.o.now());
      this.retryLater();
      logger[retrying ? "debug" : "error"](
        { revision, nodes: nodes.size, first: [...nodes.keys()].slice(0, 5), err: messageOf(e) },
        "rollout document lost: cannot read the revision of held documents; those nodes answer 503 (not the current revision) until it can be read or the rollout switches them",
      );
      return;
    }
    this.failedAt.delete(revision);
    if (got.docs.length > 0) {
      this.o.found(got.docs);
      logger.info({ revision, nodes: got.docs.length }, "held documents re-rendered: serving them");
    }
    if (got.failed.size > 0) this.lost(revision, nodes, got.failed);
  }

  /** Documents that cannot be reproduced here: never asked again, logged once. */
  private lost(revision: string, nodes: Map<string, string>, failed: Map<string, string>): void {
    for (const n of failed.keys()) {
      const etag = nodes.get(n);
      if (etag !== undefined) this.unreproducible.add(etag);
    }
    const [node, reason] = [...failed][0] ?? [];
    this.o.logger.error(
      { revision, nodes: failed.size, node, reason },
      "rollout document lost: held documents cannot be reproduced here; those nodes answer 503 (not the current revision) until the rollout switches them",
    );
  }

  private retryLater(): void {
    if (this.timer !== undefined || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.want(this.wanted);
    }, this.o.retryMs ?? 30_000);
    this.timer.unref();
  }
}
